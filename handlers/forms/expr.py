"""Safe parser and evaluator for the XLSForm expression subset used by form questions.

Form questions declare ``relevant`` (should the question be asked?) and ``constraint``
(is the answer acceptable?) as XPath-flavoured strings. Those strings live in form
definitions edited by non-programmers, so they are never handed to ``eval``: a linear
tokenizer and a depth-limited recursive-descent parser build a small immutable AST
which is then interpreted with XLSForm-like coercion rules.
"""

from __future__ import annotations

import abc
import datetime
import functools
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAX_SOURCE_LENGTH = 2000
MAX_DEPTH = 50
MAX_PATTERN_LENGTH = 200
# Bounds the work a polynomial-backtracking pattern can do on one answer.
MAX_REGEX_SUBJECT = 1000
MAX_MAGNITUDE = 1e15
_EPOCH = datetime.date(1970, 1, 1)


class ExpressionError(ValueError):
    """Raised for syntax errors at parse time and for failed evaluations."""


@dataclass(frozen=True)
class RepeatInstances:
    """A repeat group as expressions see it (``${members}``): XLSForm reads a repeat only
    through ``count()``, the number of its instances (items) so far."""

    count: int


@dataclass(frozen=True)
class RepeatAnswers:
    """A question of a repeat group read from outside it (``${member_age}`` in a top-level
    question): its answers, one per item. XLSForm reads them through the aggregate functions
    ``max()`` and ``min()``; anything else refuses them (a form using them so does not load)."""

    values: tuple[object, ...]


# Functions whose one argument is a ${name} read as a whole: a repeat group's items
# (count) or the answers of a repeat group's question (max, min).
_AGGREGATES = frozenset({"count", "max", "min"})


# --------------------------------------------------------------------------- tokenizer

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # ${name}
# Deliberately stricter than float(): no "inf", "nan", exponents or underscores.
_NUMERIC_STR_RE = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})
_COMPARATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_BASIC_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "str", "ref", "dot", "name", "op" or "end"
    value: object
    pos: int


def _tokenize(src: str) -> list[_Token]:
    """Split ``src`` into tokens in a single left-to-right pass (O(n))."""
    tokens: list[_Token] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch in " \t\r\n":
            i += 1
        elif ch in "'\"":
            # XPath strings have no escapes: the next matching quote ends the literal.
            end = src.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(f"unterminated string starting at position {i}")
            tokens.append(_Token("str", src[i + 1 : end], i))
            i = end + 1
        elif m := _NUMBER_RE.match(src, i):
            tokens.append(_Token("num", _number_literal(m.group(), i), i))
            i = m.end()
        elif ch == ".":
            tokens.append(_Token("dot", ".", i))
            i += 1
        elif ch == "$":
            if not (m := REFERENCE.match(src, i)):
                raise ExpressionError(f"malformed ${{name}} reference at position {i}")
            tokens.append(_Token("ref", m.group(1), i))
            i = m.end()
        elif m := _NAME_RE.match(src, i):
            tokens.append(_Token("name", m.group(), i))
            i = m.end()
        else:
            sym = next((s for s in _SYMBOLS if src.startswith(s, i)), None)
            if sym is None:
                raise ExpressionError(f"unexpected character {ch!r} at position {i}")
            tokens.append(_Token("op", sym, i))
            i += len(sym)
    tokens.append(_Token("end", None, n))
    return tokens


def _number_literal(text: str, pos: int) -> int | float:
    value: int | float = float(text) if "." in text else int(text)
    if not abs(value) <= MAX_MAGNITUDE:  # also catches inf from very long decimals
        raise ExpressionError(f"number too large at position {pos}")
    return value


# --------------------------------------------------------------------------- coercion


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _normalize(value: object) -> object:
    """Map an externally supplied answer onto the evaluator's value domain."""
    if value is None:
        return ""  # unanswered questions are the empty string in XLSForm
    if isinstance(value, bool | int | float | str | RepeatInstances | RepeatAnswers):
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_to_str(_normalize(v)) for v in value]
    return str(value)


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_str(value: object) -> str:
    if isinstance(value, RepeatInstances):
        raise ExpressionError("a repeat group is read with count()")
    if isinstance(value, RepeatAnswers):
        raise ExpressionError("a repeat group's question is read with max() or min()")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        # Render 2.0 as "2" so choice values and string comparisons behave like XPath.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def _to_number(value: object) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if _is_num(value):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime.date):
        return (value - _EPOCH).days  # XPath dates are days since the epoch
    text = _to_str(value)
    # Length cap keeps int() away from Python's huge-digit-string limits.
    if len(text) <= 100 and _NUMERIC_STR_RE.fullmatch(text):
        text = text.strip()
        return float(text) if "." in text else int(text)
    raise ExpressionError(f"not a number: {_short(value)}")


def _to_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()  # datetime is a date subclass but can't be mixed with dates
    if isinstance(value, datetime.date):
        return value
    if _is_num(value):
        return _shift(_EPOCH, value)  # type: ignore[arg-type]
    text = _to_str(value).strip()
    try:
        if len(text) <= 40:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise ExpressionError(f"not a date: {_short(value)}")


def _truth(value: object) -> bool:
    if isinstance(value, RepeatInstances):
        return value.count > 0  # XPath: a node-set is true when it is not empty
    if isinstance(value, RepeatAnswers):
        return bool(value.values)
    if isinstance(value, float):
        return not math.isnan(value) and value != 0
    if isinstance(value, datetime.date):
        return True
    return bool(value)


def _checked(value: int | float) -> int | float:
    # Blocks runaway growth (e.g. repeated multiplication) and NaN/inf leaking out.
    if not abs(value) <= MAX_MAGNITUDE:
        raise ExpressionError("arithmetic result out of range")
    return value


def _shift(day: datetime.date, days: int | float) -> datetime.date:
    try:
        return day + datetime.timedelta(days=_checked(days))
    except OverflowError as exc:
        raise ExpressionError("date out of range") from exc


def _looks_numeric(value: object) -> bool:
    return _is_num(value) or (isinstance(value, str) and bool(_NUMERIC_STR_RE.fullmatch(value)))


def _equals(a: object, b: object) -> bool:
    a = _to_str(a) if isinstance(a, list) else a
    b = _to_str(b) if isinstance(b, list) else b
    if isinstance(a, bool) or isinstance(b, bool):
        return _truth(a) == _truth(b)
    if _is_num(a) or _is_num(b):
        if a == "" or b == "":
            return False  # an unanswered question equals only ""
        try:
            return _to_number(a) == _to_number(b)
        except ExpressionError:
            return False
    if isinstance(a, datetime.date) or isinstance(b, datetime.date):
        try:
            return _to_date(a) == _to_date(b)
        except ExpressionError:
            return False
    return _to_str(a) == _to_str(b)


def _ordered(op: str, a: object, b: object) -> bool:
    a = _to_str(a) if isinstance(a, list) else a
    b = _to_str(b) if isinstance(b, list) else b
    if a == "" or b == "":
        return False
    a = int(a) if isinstance(a, bool) else a  # XPath orders booleans as 1/0
    b = int(b) if isinstance(b, bool) else b
    left: object
    right: object
    try:
        dated = isinstance(a, datetime.date) or isinstance(b, datetime.date)
        if dated and not (_is_num(a) or _is_num(b)):
            left, right = _to_date(a), _to_date(b)
        elif (_looks_numeric(a) and _looks_numeric(b)) or _is_num(a) or _is_num(b) or dated:
            left, right = _to_number(a), _to_number(b)
        else:
            # Two non-numeric strings: only ISO dates are orderable (XPath gives NaN).
            left, right = _to_date(a), _to_date(b)
    except ExpressionError:
        return False
    return bool(_ORDERINGS[op](left, right))


def _arith(op: str, a: object, b: object) -> object:
    a_date, b_date = isinstance(a, datetime.date), isinstance(b, datetime.date)
    if op in ("+", "-") and (a_date or b_date):
        if a_date and op == "-" and not _looks_numeric(b):
            return (a - _to_date(b)).days  # type: ignore[operator]
        if b_date and op == "-" and not _looks_numeric(a):
            return (_to_date(a) - b).days  # type: ignore[operator]
        if a_date and not b_date:
            n = _to_number(b)
            return _shift(a, n if op == "+" else -n)  # type: ignore[arg-type]
        if b_date and op == "+" and not a_date:
            return _shift(b, _to_number(a))  # type: ignore[arg-type]
    x, y = _to_number(a), _to_number(b)
    if op in _BASIC_ARITHMETIC:
        return _checked(_BASIC_ARITHMETIC[op](x, y))
    if y == 0:
        raise ExpressionError(f"division by zero ({op})")
    if op == "div":
        return _checked(x / y)
    # XPath mod takes the sign of the dividend, unlike Python's %.
    if isinstance(x, int) and isinstance(y, int):
        r = abs(x) % abs(y)
        return r if x >= 0 else -r
    return _checked(math.fmod(x, y))


# --------------------------------------------------------------------------- regex safety


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
def _compile_pattern(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ExpressionError(f"regex pattern longer than {MAX_PATTERN_LENGTH} characters")
    _check_pattern_safety(pattern)
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ExpressionError(f"invalid regex pattern: {exc}") from exc


# --------------------------------------------------------------------------- AST


class _Node(abc.ABC):
    @abc.abstractmethod
    def eval(self, ctx: EvalContext) -> object:
        """The node's value in a context."""

    def children(self) -> tuple[_Node, ...]:
        return ()


@dataclass(frozen=True)
class _Literal(_Node):
    value: object

    def eval(self, ctx: EvalContext) -> object:
        return self.value


@dataclass(frozen=True)
class _Ref(_Node):
    name: str

    def eval(self, ctx: EvalContext) -> object:
        return _normalize(ctx.values.get(self.name, ""))


@dataclass(frozen=True)
class _Current(_Node):
    def eval(self, ctx: EvalContext) -> object:
        return _normalize(ctx.current)


@dataclass(frozen=True)
class _Neg(_Node):
    operand: _Node

    def eval(self, ctx: EvalContext) -> object:
        return _checked(-_to_number(self.operand.eval(ctx)))

    def children(self) -> tuple[_Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class _Logical(_Node):
    op: str  # "and" / "or"; operands are flattened so long chains don't deepen the tree
    operands: tuple[_Node, ...]

    def eval(self, ctx: EvalContext) -> object:
        want = self.op == "or"  # short-circuit value
        return want if any(_truth(o.eval(ctx)) == want for o in self.operands) else not want

    def children(self) -> tuple[_Node, ...]:
        return self.operands


@dataclass(frozen=True)
class _Chain(_Node):
    """Left-associative run of same-precedence binary operators, evaluated iteratively."""

    first: _Node
    rest: tuple[tuple[str, _Node], ...]

    def eval(self, ctx: EvalContext) -> object:
        left = self.first.eval(ctx)
        for op, node in self.rest:
            right = node.eval(ctx)
            if op == "=":
                left = _equals(left, right)
            elif op == "!=":
                left = not _equals(left, right)
            elif op in _COMPARATORS:
                left = _ordered(op, left, right)
            else:
                left = _arith(op, left, right)
        return left

    def children(self) -> tuple[_Node, ...]:
        return (self.first, *(node for _, node in self.rest))


@dataclass(frozen=True)
class _Call(_Node):
    name: str
    args: tuple[_Node, ...]

    def eval(self, ctx: EvalContext) -> object:
        return _FUNCTIONS[self.name][1](ctx, self.args)

    def children(self) -> tuple[_Node, ...]:
        return self.args


# --------------------------------------------------------------------------- functions

_Args = tuple[_Node, ...]


def _choices(value: object) -> list[str]:
    return value if isinstance(value, list) else _to_str(value).split()


def _fn_regex(ctx: EvalContext, args: _Args) -> bool:
    subject = _to_str(args[0].eval(ctx))
    if len(subject) > MAX_REGEX_SUBJECT:
        raise ExpressionError("value too long for regex()")
    return _compile_pattern(_to_str(args[1].eval(ctx))).fullmatch(subject) is not None


def _fn_today(ctx: EvalContext, args: _Args) -> datetime.date:
    if ctx.today is None:
        raise ExpressionError("today() used but EvalContext.today is not set")
    return _to_date(ctx.today)


def _fn_int(ctx: EvalContext, args: _Args) -> int:
    return int(_checked(_to_number(args[0].eval(ctx))))  # truncates toward zero


def _fn_count(ctx: EvalContext, args: _Args) -> int:
    value = args[0].eval(ctx)
    if not isinstance(value, RepeatInstances):
        raise ExpressionError(f"count() takes a repeat group, got {_short(value)}")
    return value.count


def _extreme(pick: Callable[[list[int | float]], int | float]) -> Callable[..., int | float]:
    """max() or min() of a repeat group's question over its items (XForms): NaN when there
    is no item or an answer is no number (e.g. unanswered), and NaN compares false with
    everything, so a rule on it holds back rather than deciding on what is not known."""

    def aggregate(ctx: EvalContext, args: _Args) -> int | float:
        value = args[0].eval(ctx)
        answers = value.values if isinstance(value, RepeatAnswers) else (value,)
        numbers: list[int | float] = []
        for answer in answers:
            try:
                numbers.append(_to_number(answer))
            except ExpressionError:
                return math.nan
        return pick(numbers) if numbers else math.nan

    return aggregate


def _fn_coalesce(ctx: EvalContext, args: _Args) -> object:
    first = args[0].eval(ctx)
    return first if first not in ("", []) else args[1].eval(ctx)


_FUNCTIONS: dict[str, tuple[int, Callable[[EvalContext, _Args], object]]] = {
    "selected": (2, lambda c, a: _to_str(a[1].eval(c)) in _choices(a[0].eval(c))),
    "count-selected": (1, lambda c, a: len(_choices(a[0].eval(c)))),
    "count": (1, _fn_count),
    "max": (1, _extreme(max)),
    "min": (1, _extreme(min)),
    "regex": (2, _fn_regex),
    "today": (0, _fn_today),
    "string-length": (1, lambda c, a: len(_to_str(a[0].eval(c)))),
    "int": (1, _fn_int),
    "number": (1, lambda c, a: _to_number(a[0].eval(c))),
    "if": (3, lambda c, a: a[1].eval(c) if _truth(a[0].eval(c)) else a[2].eval(c)),
    "coalesce": (2, _fn_coalesce),
    "not": (1, lambda c, a: not _truth(a[0].eval(c))),
    "date": (1, lambda c, a: _to_date(a[0].eval(c))),
    "true": (0, lambda c, a: True),
    "false": (0, lambda c, a: False),
}


# --------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent, one method per XPath precedence level (lowest first)."""

    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    def parse(self) -> _Node:
        if self._peek().kind == "end":
            raise ExpressionError("empty expression at position 0")
        node = self._logical("or", self._and)
        tok = self._peek()
        if tok.kind != "end":
            raise self._unexpected(tok)
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _unexpected(self, tok: _Token) -> ExpressionError:
        what = "end of expression" if tok.kind == "end" else _short(tok.value)
        return ExpressionError(f"unexpected {what} at position {tok.pos}")

    def _expect(self, symbol: str) -> None:
        tok = self._advance()
        if tok.kind != "op" or tok.value != symbol:
            raise ExpressionError(f"expected {symbol!r} at position {tok.pos}")

    def _enter(self, tok: _Token) -> None:
        # Bounding depth keeps both parser and evaluator recursion far from Python's limit.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nesting deeper than {MAX_DEPTH} at position {tok.pos}")

    def _operator(self, ops: frozenset[str]) -> str | None:
        tok = self._peek()
        if tok.kind == "op" or (tok.kind == "name" and tok.value in _WORD_OPERATORS):
            return tok.value if tok.value in ops else None  # type: ignore[return-value]
        return None

    def _logical(self, op: str, lower: Callable[[], _Node]) -> _Node:
        operands = [lower()]
        while self._operator(frozenset({op})):
            self._advance()
            operands.append(lower())
        return _Logical(op, tuple(operands)) if len(operands) > 1 else operands[0]

    def _and(self) -> _Node:
        return self._logical("and", lambda: self._chain(_EQ_OPS, self._relational))

    def _relational(self) -> _Node:
        return self._chain(_REL_OPS, lambda: self._chain(_ADD_OPS, self._multiplicative))

    def _multiplicative(self) -> _Node:
        return self._chain(_MUL_OPS, self._unary)

    def _chain(self, ops: frozenset[str], lower: Callable[[], _Node]) -> _Node:
        first = lower()
        rest: list[tuple[str, _Node]] = []
        while op := self._operator(ops):
            self._advance()
            rest.append((op, lower()))
        return _Chain(first, tuple(rest)) if rest else first

    def _unary(self) -> _Node:
        tok = self._peek()
        if tok.kind == "op" and tok.value == "-":
            self._advance()
            self._enter(tok)
            node = _Neg(self._unary())
            self.depth -= 1
            return node
        return self._primary()

    def _primary(self) -> _Node:
        tok = self._advance()
        if tok.kind in ("num", "str"):
            return _Literal(tok.value)
        if tok.kind == "ref":
            return _Ref(str(tok.value))
        if tok.kind == "dot":
            return _Current()
        if tok.kind == "op" and tok.value == "(":
            self._enter(tok)
            node = self._logical("or", self._and)
            self._expect(")")
            self.depth -= 1
            return node
        if tok.kind == "name":
            return self._call(tok)
        raise self._unexpected(tok)

    def _call(self, tok: _Token) -> _Node:
        name = str(tok.value)
        nxt = self._peek()
        if nxt.kind != "op" or nxt.value != "(":
            raise ExpressionError(f"unexpected name {_short(name)} at position {tok.pos}")
        if name not in _FUNCTIONS:
            raise ExpressionError(f"unknown function {_short(name)} at position {tok.pos}")
        self._advance()
        self._enter(tok)
        args: list[_Node] = []
        if self._operator(frozenset({")"})) is None:
            args.append(self._logical("or", self._and))
            while self._operator(frozenset({","})):
                self._advance()
                args.append(self._logical("or", self._and))
        self._expect(")")
        self.depth -= 1
        arity = _FUNCTIONS[name][0]
        if len(args) != arity:
            raise ExpressionError(
                f"{name}() takes {arity} argument(s), got {len(args)} at position {tok.pos}"
            )
        if name in ("true", "false"):
            return _Literal(name == "true")
        if name == "count" and not isinstance(args[0], _Ref):
            raise ExpressionError(
                f"count() takes a ${{name}} of a repeat group at position {tok.pos}"
            )
        if name in ("max", "min") and not isinstance(args[0], _Ref):
            raise ExpressionError(
                f"{name}() takes a ${{name}} of a repeat group's question at position {tok.pos}"
            )
        if name == "regex" and isinstance(args[1], _Literal):
            try:  # report bad literal patterns when the form loads, not when a user answers
                _compile_pattern(_to_str(args[1].value))
            except ExpressionError as exc:
                raise ExpressionError(f"{exc} at position {tok.pos}") from None
        return _Call(name, tuple(args))


_EQ_OPS = frozenset({"=", "!="})
_REL_OPS = frozenset({"<", "<=", ">", ">="})
_ADD_OPS = frozenset({"+", "-"})
_MUL_OPS = frozenset({"*", "div", "mod"})


# --------------------------------------------------------------------------- public API


@dataclass
class EvalContext:
    """Inputs for evaluation: answers by question name, the current answer, today's date."""

    values: Mapping[str, object]
    current: object = None
    today: datetime.date | None = None


@dataclass(frozen=True)
class Expression:
    """A parsed expression; construct through :func:`parse`."""

    source: str
    _root: _Node = field(init=False, repr=False, compare=False)
    _refs: frozenset[str] = field(init=False, repr=False, compare=False)
    _counted: frozenset[str] = field(init=False, repr=False, compare=False)
    _aggregated: frozenset[str] = field(init=False, repr=False, compare=False)
    _plain: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.source, str):
            raise ExpressionError("expression must be a string")
        if len(self.source) > MAX_SOURCE_LENGTH:
            raise ExpressionError(f"expression longer than {MAX_SOURCE_LENGTH} characters")
        root = _Parser(self.source).parse()
        plain: set[str] = set()  # ${name} read as one value
        read_whole: dict[str, set[str]] = {"count": set(), "max": set(), "min": set()}
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, _Ref):
                plain.add(node.name)
            elif isinstance(node, _Call) and node.name in _AGGREGATES:
                read_whole[node.name].update(a.name for a in node.args if isinstance(a, _Ref))
                continue  # the parser made the argument a ${name}
            stack.extend(node.children())
        aggregated = read_whole["max"] | read_whole["min"]
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_refs", frozenset(plain | read_whole["count"] | aggregated))
        object.__setattr__(self, "_counted", frozenset(read_whole["count"]))
        object.__setattr__(self, "_aggregated", frozenset(aggregated))
        object.__setattr__(self, "_plain", frozenset(plain))

    def evaluate(self, ctx: EvalContext) -> object:
        """Evaluate against ``ctx``; every failure surfaces as :class:`ExpressionError`."""
        try:
            return self._root.eval(ctx)
        except ExpressionError:
            raise
        except Exception as exc:  # contract: callers only ever see ExpressionError
            raise ExpressionError(f"evaluation failed: {type(exc).__name__}") from exc

    def truthy(self, ctx: EvalContext) -> bool:
        """Evaluate with XLSForm truthiness; any runtime error yields ``False``."""
        try:
            return _truth(self.evaluate(ctx))
        except Exception:  # a broken relevant/constraint must never crash the bot
            return False

    def references(self) -> frozenset[str]:
        """Return the set of ``${name}`` question names this expression reads."""
        return self._refs

    def counted(self) -> frozenset[str]:
        """The ``${name}`` references this expression counts (``count(${name})``): they must
        name repeat groups."""
        return self._counted

    def aggregated(self) -> frozenset[str]:
        """The ``${name}`` references read through ``max()`` or ``min()``: they must name
        questions of a repeat group."""
        return self._aggregated

    def plain(self) -> frozenset[str]:
        """The ``${name}`` references read as one value (not counted nor aggregated)."""
        return self._plain


def text_of(value: object) -> str:
    """A value as a message shows it (``${name}`` in a constraint message): a repeat group
    as its number of items, a repeat group's question outside its items as nothing, an
    answer as expressions see it."""
    if isinstance(value, RepeatInstances):
        return str(value.count)
    if isinstance(value, RepeatAnswers):
        return ""
    return _to_str(_normalize(value))


def parse(source: str) -> Expression:
    """Parse ``source`` into an :class:`Expression` or raise :class:`ExpressionError`."""
    return Expression(source)
