"""The functions expressions may call (`FUNCTIONS`: name -> (arity, implementation)),
and the guard that keeps regex() patterns from backtracking without end.

Each implementation takes the context and its argument nodes unevaluated, so `if()` and
`coalesce()` evaluate only the branch they need.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from handlers.forms.expr.values import (
    ExpressionError,
    RepeatAnswers,
    RepeatInstances,
    checked,
    short,
    to_date,
    to_number,
    to_str,
    truth,
)

if TYPE_CHECKING:
    from handlers.forms.expr.nodes import EvalContext, Node


MAX_PATTERN_LENGTH = 200
# Bounds the work a polynomial-backtracking pattern can do on one answer.
MAX_REGEX_SUBJECT = 1000

# Functions whose one argument is a ${name} read as a whole: a repeat group's items
# (count) or the answers of a repeat group's question (max, min).
AGGREGATES = frozenset({"count", "max", "min"})


def _check_pattern_safety(pattern: str) -> None:
    """Reject the classic catastrophic-backtracking shapes.

    Python's ``re`` cannot be interrupted, so a quantified group that itself contains
    repetition or alternation (``(a+)+``, ``(a|aa)*``) and backreferences are refused
    up front. Use character classes instead, e.g. ``[0-9 ]+``.
    """
    stack = [False]  # per open group: does it contain repetition or alternation?
    closed_risky = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        prev_risky, closed_risky = closed_risky, False
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in "123456789":
                raise ExpressionError("regex backreferences are not allowed")
            i += 2
            continue
        if ch == "[":
            j = i + 1
            j += j < n and pattern[j] == "^"
            j += j < n and pattern[j] == "]"  # a leading ']' is a literal member
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            if pattern.startswith("?P=", i + 1):
                raise ExpressionError("regex backreferences are not allowed")
            stack.append(False)
            i += 2 if pattern.startswith("?", i + 1) else 1  # "(?" is group syntax
            continue
        if ch == ")":
            inner = stack.pop() if len(stack) > 1 else False
            stack[-1] = stack[-1] or inner
            closed_risky = inner
        elif ch in "*+?{":
            # An optional group "(...)?" runs at most once, so it cannot blow up.
            if prev_risky and ch != "?":
                raise ExpressionError("regex pattern has nested repetition (catastrophic)")
            stack[-1] = True
        elif ch == "|":
            stack[-1] = True
        i += 1


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex() pattern compiled, once checked to be short and safe to run."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ExpressionError(f"regex pattern longer than {MAX_PATTERN_LENGTH} characters")
    _check_pattern_safety(pattern)
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ExpressionError(f"invalid regex pattern: {exc}") from exc


# A function's arguments, unevaluated (nodes.py imports this module: a forward reference).
_Args: TypeAlias = "tuple[Node, ...]"


def _choices(value: object) -> list[str]:
    return value if isinstance(value, list) else to_str(value).split()


def _fn_regex(ctx: EvalContext, args: _Args) -> bool:
    subject = to_str(args[0].eval(ctx))
    if len(subject) > MAX_REGEX_SUBJECT:
        raise ExpressionError("value too long for regex()")
    return compile_pattern(to_str(args[1].eval(ctx))).fullmatch(subject) is not None


def _fn_today(ctx: EvalContext, args: _Args) -> datetime.date:
    if ctx.today is None:
        raise ExpressionError("today() used but EvalContext.today is not set")
    return to_date(ctx.today)


def _fn_int(ctx: EvalContext, args: _Args) -> int:
    return int(checked(to_number(args[0].eval(ctx))))  # truncates toward zero


def _fn_count(ctx: EvalContext, args: _Args) -> int:
    value = args[0].eval(ctx)
    if not isinstance(value, RepeatInstances):
        raise ExpressionError(f"count() takes a repeat group, got {short(value)}")
    return value.count


def _extreme(pick: Callable[[list[int | float]], int | float]) -> Callable[..., int | float]:
    """max() or min() of a repeat group's question over its items (XForms), numbers or dates
    (as days since 1970: date(min(${day_date})) is the first day): NaN when there
    is no item or an answer is no number (e.g. unanswered), and NaN compares false with
    everything, so a rule on it holds back rather than deciding on what is not known."""

    def aggregate(ctx: EvalContext, args: _Args) -> int | float:
        value = args[0].eval(ctx)
        answers = value.values if isinstance(value, RepeatAnswers) else (value,)
        numbers: list[int | float] = []
        for answer in answers:
            try:
                numbers.append(to_number(answer))
            except ExpressionError:
                try:  # a date answer (stored ISO): its days since 1970, as number() has it
                    numbers.append(to_number(to_date(answer)))
                except ExpressionError:
                    return math.nan
        return pick(numbers) if numbers else math.nan

    return aggregate


def _fn_letter_count(ctx: EvalContext, args: _Args) -> int:
    """The letters of any script in the text (str.isalpha): "minimal 3 huruf" means letters,
    so "111" or "..." is no reason while "sakit" or "病気だ" is."""
    return sum(1 for char in to_str(args[0].eval(ctx)) if char.isalpha())


def _fn_coalesce(ctx: EvalContext, args: _Args) -> object:
    first = args[0].eval(ctx)
    return first if first not in ("", []) else args[1].eval(ctx)


FUNCTIONS: dict[str, tuple[int, Callable[[EvalContext, _Args], object]]] = {
    "selected": (2, lambda c, a: to_str(a[1].eval(c)) in _choices(a[0].eval(c))),
    "count-selected": (1, lambda c, a: len(_choices(a[0].eval(c)))),
    "count": (1, _fn_count),
    "max": (1, _extreme(max)),
    "min": (1, _extreme(min)),
    "regex": (2, _fn_regex),
    "today": (0, _fn_today),
    "string-length": (1, lambda c, a: len(to_str(a[0].eval(c)))),
    "letter-count": (1, _fn_letter_count),
    "int": (1, _fn_int),
    "number": (1, lambda c, a: to_number(a[0].eval(c))),
    "if": (3, lambda c, a: a[1].eval(c) if truth(a[0].eval(c)) else a[2].eval(c)),
    "coalesce": (2, _fn_coalesce),
    "not": (1, lambda c, a: not truth(a[0].eval(c))),
    "date": (1, lambda c, a: to_date(a[0].eval(c))),
    "true": (0, lambda c, a: True),
    "false": (0, lambda c, a: False),
}
