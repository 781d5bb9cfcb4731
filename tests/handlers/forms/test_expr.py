"""Table-driven tests for the safe XLSForm expression parser/evaluator."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.forms.expr import (
    EvalContext,
    Expression,
    ExpressionError,
    RepeatAnswers,
    RepeatInstances,
    parse,
    text_of,
)

TODAY = datetime.date(2026, 3, 1)
D = datetime.date

# (expression, values, current, expected result of evaluate()); today() is always TODAY.
EVAL_CASES: list[tuple[str, dict[str, object], object, object]] = [
    # literals and references
    ("1", {}, None, 1),
    ("1.5", {}, None, 1.5),
    (".5", {}, None, 0.5),
    ("'hi'", {}, None, "hi"),
    ('"hi there"', {}, None, "hi there"),
    ("true()", {}, None, True),
    ("false()", {}, None, False),
    ("${age}", {"age": 30}, None, 30),
    ("${missing}", {}, None, ""),
    ("${none}", {"none": None}, None, ""),
    (".", {}, "abc", "abc"),
    (".", {}, None, ""),
    ("'日本語 ✓'", {}, None, "日本語 ✓"),
    # arithmetic
    ("1 + 2", {}, None, 3),
    ("5 - 7", {}, None, -2),
    ("3 * 4", {}, None, 12),
    ("7 div 2", {}, None, 3.5),
    ("4 div 2", {}, None, 2.0),
    ("7 mod 3", {}, None, 1),
    ("-7 mod 3", {}, None, -1),
    ("7 mod -3", {}, None, 1),
    ("7.5 mod 2", {}, None, 1.5),
    ("-3", {}, None, -3),
    ("--3", {}, None, 3),
    ("-(2 + 3)", {}, None, -5),
    ("1.5 + 1.5", {}, None, 3.0),
    ("${n} + 1", {"n": "41"}, None, 42),
    ("${n} * 2", {"n": 2.5}, None, 5.0),
    ("true() + 1", {}, None, 2),
    # precedence and associativity
    ("1 + 2 * 3", {}, None, 7),
    ("(1 + 2) * 3", {}, None, 9),
    ("10 - 4 - 3", {}, None, 3),
    ("2 * 3 mod 4", {}, None, 2),
    ("8 div 2 div 2", {}, None, 2.0),
    ("-2 * 3", {}, None, -6),
    ("1 + 2 = 3", {}, None, True),
    ("1 < 2 = true()", {}, None, True),
    ("1 + 1 < 3", {}, None, True),
    ("3 > 2 > 1", {}, None, False),  # (3 > 2) -> true -> 1 > 1
    ("1 = 1 and 2 = 3 or 1 = 1", {}, None, True),
    ("1 = 1 or 2 = 3 and 1 = 2", {}, None, True),  # and binds tighter than or
    ("(1 = 1 or 2 = 3) and 1 = 2", {}, None, False),
    ("1 = 2 = false()", {}, None, True),
    # equality
    ("2 = 2.0", {}, None, True),
    ("'2' = 2", {}, None, True),
    ("'007' = 7", {}, None, True),
    ("'abc' = 'abc'", {}, None, True),
    ("'abc' = 'ABC'", {}, None, False),
    ("'abc' != 'abd'", {}, None, True),
    ("'abc' = 1", {}, None, False),
    ("${x} = ''", {}, None, True),
    ("${x} = 0", {}, None, False),
    ("${x} != 0", {}, None, True),
    ("${x} = ${y}", {}, None, True),
    ("true() = 1", {}, None, True),
    ("false() = ''", {}, None, True),
    ("${ok} = true()", {"ok": "yes"}, None, True),
    # ordering
    ("2 <= 2", {}, None, True),
    ("2 < 2", {}, None, False),
    ("2 >= 3", {}, None, False),
    ("3 > 2", {}, None, True),
    ("1.5 < 2", {}, None, True),
    ("'10' > '9'", {}, None, True),
    ("' 12 ' > 3", {}, None, True),
    ("'abc' < 5", {}, None, False),
    ("'abc' < 'abd'", {}, None, False),
    ("${x} < 5", {}, None, False),
    ("${x} > 5", {}, None, False),
    ("${x} >= 0", {}, None, False),
    ("${x} <= 0", {}, None, False),
    ("true() > false()", {}, None, True),
    # logic
    ("true() and false()", {}, None, False),
    ("true() and 'x'", {}, None, True),
    ("false() or 0", {}, None, False),
    ("false() or 2", {}, None, True),
    ("not(false())", {}, None, True),
    ("not(${x})", {}, None, True),
    ("not('a')", {}, None, False),
    ("not(0) and not('')", {}, None, True),
    # select_multiple
    ("selected(${needs}, 'food')", {"needs": ["food", "shelter"]}, None, True),
    ("selected(${needs}, 'water')", {"needs": ["food", "shelter"]}, None, False),
    ("selected(${needs}, 'shelter')", {"needs": "food shelter"}, None, True),
    ("selected(${needs}, 'foo')", {"needs": "food shelter"}, None, False),
    ("selected(${needs}, 'food')", {}, None, False),
    ("selected(${needs}, 2)", {"needs": ("1", "2")}, None, True),
    ("count-selected(${needs})", {"needs": ["a", "b", "c"]}, None, 3),
    ("count-selected(${needs})", {"needs": " a  b "}, None, 2),
    ("count-selected(${needs})", {}, None, 0),
    ("count-selected(${needs}) > 2", {"needs": ["a", "b"]}, None, False),
    ("${needs} = 'a b'", {"needs": ["a", "b"]}, None, True),
    ("selected(${n}, 'x') or count-selected(${n}) >= 2", {"n": ["y", "z"]}, None, True),
    # count() of a repeat group: its items so far (XLSForm counts a repeat's instances)
    ("count(${m})", {"m": RepeatInstances(2)}, None, 2),
    ("count(${m})", {"m": RepeatInstances(0)}, None, 0),
    ("count(${m}) + 1", {"m": RepeatInstances(3)}, None, 4),
    (". >= count(${m})", {"m": RepeatInstances(2)}, 2, True),
    (". >= count(${m})", {"m": RepeatInstances(2)}, 1, False),
    (". >= count(${m})", {"m": RepeatInstances(2)}, "3", True),
    # max() / min() of a repeat group's question read from outside it: over every item
    ("max(${age})", {"age": RepeatAnswers((41, 240, 7))}, None, 240),
    ("min(${age})", {"age": RepeatAnswers((41, 240, 7))}, None, 7),
    ("max(${age})", {"age": RepeatAnswers(("41", 2.5))}, None, 41),
    ("max(${age}) >= 216", {"age": RepeatAnswers((41, 216))}, None, True),
    ("max(${age}) >= 216", {"age": RepeatAnswers((41, 215))}, None, False),
    ("max(${age})", {"age": 30}, None, 30),  # inside an item: that item's answer
    # NaN (an unanswered item, no item at all) compares false with everything
    ("max(${age}) < 216", {"age": RepeatAnswers((41, ""))}, None, False),
    ("max(${age}) >= 216", {"age": RepeatAnswers((41, ""))}, None, False),
    ("not(max(${age}) < 216)", {"age": RepeatAnswers((41, ""))}, None, True),
    ("min(${age}) < 216", {"age": RepeatAnswers(())}, None, False),
    ("max(${age}) = max(${age})", {"age": RepeatAnswers(("x",))}, None, False),
    ("max(${age}) < 216", {}, None, False),  # an unanswered question outside a repeat
    # date answers (stored ISO) count as days since 1970: the first day, the day before it
    (
        "date(min(${d}))",
        {"d": RepeatAnswers(("2026-12-09", "2026-12-08"))},
        None,
        datetime.date(2026, 12, 8),
    ),
    (
        "date(min(${d}) - 1)",
        {"d": RepeatAnswers(("2026-12-08",))},
        None,
        datetime.date(2026, 12, 7),
    ),
    (". < date(min(${d}))", {"d": RepeatAnswers(("2026-12-08",))}, "2026-12-08", False),
    (". < date(min(${d}))", {"d": RepeatAnswers(("2026-12-08",))}, "2026-12-07", True),
    ("max(${d}) = max(${d})", {"d": RepeatAnswers(("2026-12-08", ""))}, None, False),
    # string and number functions
    ("string-length('héllo')", {}, None, 5),
    ("string-length(${x})", {}, None, 0),
    ("string-length(12.0)", {}, None, 2),
    ("int('3.9')", {}, None, 3),
    ("int(-3.9)", {}, None, -3),
    ("int(7 div 2)", {}, None, 3),
    ("number('2.5')", {}, None, 2.5),
    ("number(' 42 ')", {}, None, 42),
    ("if(1 < 2, 'yes', 'no')", {}, None, "yes"),
    ("if(${x}, 'yes', 'no')", {}, None, "no"),
    ("if(true(), 1, 1 div 0)", {}, None, 1),  # lazy: the untaken branch is not evaluated
    ("coalesce(${x}, 'fallback')", {}, None, "fallback"),
    ("coalesce(${x}, 'fallback')", {"x": "set"}, None, "set"),
    ("coalesce(${x}, 'fallback')", {"x": []}, None, "fallback"),
    ("coalesce(0, 5)", {}, None, 0),
    # dates
    ("today()", {}, None, TODAY),
    ("today() - date('2026-01-01')", {}, None, 59),
    ("today() - '2026-02-01'", {}, None, 28),
    ("'2026-02-01' - today()", {}, None, -28),
    ("today() + 1", {}, None, D(2026, 3, 2)),
    ("1 + today()", {}, None, D(2026, 3, 2)),
    ("today() - 1", {}, None, D(2026, 2, 28)),
    ("date('2024-02-29') + 365", {}, None, D(2025, 2, 28)),
    ("date('2026-01-01')", {}, None, D(2026, 1, 1)),
    ("date(10)", {}, None, D(1970, 1, 11)),
    ("number(date('1970-01-10'))", {}, None, 9),
    ("date('2026-03-01') = today()", {}, None, True),
    ("today() = '2026-03-01'", {}, None, True),
    ("today() = 'not a date'", {}, None, False),
    ("${dob} < today()", {"dob": "2000-01-01"}, None, True),
    ("${dob} > today()", {"dob": "2000-01-01"}, None, False),
    ("${dob} = date('2000-01-01')", {"dob": D(2000, 1, 1)}, None, True),
    ("${dob} = '2000-01-01'", {"dob": datetime.datetime(2000, 1, 1, 9, 30)}, None, True),
    ("today() > ${missing}", {}, None, False),
    ("'2026-01-01' < '2026-02-01'", {}, None, True),
    # times of day, as a `time` answer is stored ("HH:MM"): in order, not as dates
    (". > ${start}", {"start": "08:00"}, "09:30", True),
    (". > ${start}", {"start": "08:00"}, "08:00", False),
    (". > ${start}", {"start": "08:00"}, "07:59", False),
    (". >= ${start}", {"start": "08:00"}, "08:00", True),
    (". > ${start}", {"start": ""}, "09:00", False),  # unanswered
    (". > ${start}", {"start": "8:00"}, "09:00", False),  # not a stored time
    ("int((today() - date(${dob})) div 365.25) >= 18", {"dob": "2000-05-05"}, None, True),
    ("int((today() - date(${dob})) div 365.25) >= 18", {"dob": "2010-05-05"}, None, False),
    # constraint style, "." is the answer being checked
    (". >= 0 and . <= 120", {}, "25", True),
    (". >= 0 and . <= 120", {}, 42, True),
    (". >= 0 and . <= 120", {}, "121", False),
    (". >= 0 and . <= 120", {}, "-1", False),
    (". >= 0 and . <= 120", {}, "", False),
    (". >= 0 and . <= 120", {}, "abc", False),
    (". >= 0 and . <= 120", {}, None, False),
    ("regex(., '^[0-9]{16}$')", {}, "3201234567890123", True),
    ("regex(., '^[0-9]{16}$')", {}, "320123456789012", False),
    ("regex(., '^[0-9]{16}$')", {}, "32012345678901234", False),
    ("regex(., '^[0-9]{16}$')", {}, "320123456789012a", False),
    ("regex(., '^[0-9]{16}$')", {}, None, False),
    ("regex(., '[0-9]+')", {}, "12x", False),  # full match, not search
    ("regex(., '(\\+62|0)8[0-9]{8,11}')", {}, "+6281234567890", True),
    ("regex(., ${p})", {"p": "[a-z]+"}, "abc", True),
    # realistic patterns must survive the catastrophic-backtracking heuristic
    ("regex(., '^([0-9]{3}-)?[0-9]{4}$')", {}, "123-4567", True),
    ("regex(., '^(RT|RW) ?[0-9]{3}$')", {}, "RT 005", True),
    ("regex(., '(?i)^ya$')", {}, "YA", True),
    ("regex(., '^[^@ ]+@[^@ ]+\\.[a-z]{2,}$')", {}, "a@b.id", True),
    ("regex(., '^[A-Za-z .()\\]-]+$')", {}, "Budi (RT-A)", True),
    ("regex(., '^\\d{4}-\\d{2}-\\d{2}$')", {}, "2026-01-31", True),
    ("regex(., '(?:ab)+')", {}, "abab", True),
    ("regex(12, '[0-9]+')", {}, None, True),
    ("string-length(.) <= 5", {}, "abc", True),
    (". = 'ya'", {}, "ya", True),
    (". != ${other}", {"other": "a"}, "b", True),
    (". <= today()", {}, D(2025, 1, 1), True),
    (". <= today()", {}, "2027-01-01", False),
    # relevant style
    ("${has_kids} = 'yes' and ${kids} > 0", {"has_kids": "yes", "kids": "2"}, None, True),
    ("${has_kids} = 'yes' and ${kids} > 0", {"has_kids": "no", "kids": "2"}, None, False),
]


def _ctx(values: dict[str, object], current: object = None) -> EvalContext:
    return EvalContext(values=values, current=current, today=TODAY)


@pytest.mark.parametrize(("source", "values", "current", "expected"), EVAL_CASES)
def test_evaluate(source: str, values: dict[str, object], current: object, expected: object):
    result = parse(source).evaluate(_ctx(values, current))
    assert result == expected
    assert type(result) is type(expected)


# (expression, values, current, expected truthy())
TRUTHY_CASES: list[tuple[str, dict[str, object], object, bool]] = [
    ("0", {}, None, False),
    ("1", {}, None, True),
    ("0.0", {}, None, False),
    ("-0.5", {}, None, True),
    ("''", {}, None, False),
    ("'0'", {}, None, True),
    ("'false'", {}, None, True),
    ("${m}", {"m": []}, None, False),
    ("${m}", {"m": ["a"]}, None, True),
    ("${m}", {"m": RepeatInstances(0)}, None, False),  # a node-set is true when not empty
    ("${m}", {"m": RepeatInstances(1)}, None, True),
    ("${m} = 1", {"m": RepeatInstances(1)}, None, False),  # a repeat is read with count()
    ("${a}", {"a": RepeatAnswers(())}, None, False),  # a node-set is true when not empty
    ("${a}", {"a": RepeatAnswers(("",))}, None, True),
    ("${a} < 216", {"a": RepeatAnswers((41,))}, None, False),  # read with max() or min()
    ("${a} = 41", {"a": RepeatAnswers((41,))}, None, False),
    ("${x}", {}, None, False),
    (".", {}, None, False),
    ("today()", {}, None, True),
    # runtime errors are swallowed by truthy()
    ("1 div 0", {}, None, False),
    ("not(1 div 0)", {}, None, False),
    ("${x} + 1", {}, None, False),
    ("number('abc') != 1", {}, None, False),
]


@pytest.mark.parametrize(("source", "values", "current", "expected"), TRUTHY_CASES)
def test_truthy(source: str, values: dict[str, object], current: object, expected: bool):
    result = parse(source).truthy(_ctx(values, current))
    assert result is expected


# (expression, values, current): parse fine, but evaluate() must raise ExpressionError.
RUNTIME_ERRORS: list[tuple[str, dict[str, object], object]] = [
    ("1 div 0", {}, None),
    ("1 mod 0", {}, None),
    ("0.0 div 0", {}, None),
    ("number('abc')", {}, None),
    ("number('1e5')", {}, None),
    ("number('inf')", {}, None),
    ("int('')", {}, None),
    ("${x} + 1", {}, None),
    ("-${x}", {}, None),
    ("date('nope')", {}, None),
    ("date('2026-13-45')", {}, None),
    ("date(999999999999)", {}, None),
    ("today() + 99999999999", {}, None),
    ("today() * 999999999 * 99", {}, None),
    ("999999 * 999999 * 999999", {}, None),
    ("-999999999 * 999999999", {}, None),
    ("regex(., ${p})", {"p": "["}, "x"),
    ("regex(., ${p})", {"p": "(a+)+$"}, "a" * 40 + "b"),
    ("regex(., ${p})", {"p": "(a|aa)*"}, "aaaa"),
    ("regex(., ${p})", {"p": "(x)\\1"}, "xx"),
    ("regex(., ${p})", {"p": "x" * 201}, "x"),
    ("regex(., 'a*')", {}, "a" * 5000),
    ("int(${big})", {"big": "9" * 5000}, None),
    ("count(${x})", {}, None),  # not a repeat group: no items to count
    ("count(${picked})", {"picked": ["a", "b"]}, None),  # a multi-select: count-selected()
    ("count(${n})", {"n": 2}, None),
    ("${m} = 'x'", {"m": RepeatInstances(1)}, None),
    ("${m} + 1", {"m": RepeatInstances(1)}, None),
    ("string-length(${m})", {"m": RepeatInstances(1)}, None),
    ("string-length(${a})", {"a": RepeatAnswers((41,))}, None),
    ("${a} + 1", {"a": RepeatAnswers((41,))}, None),
    ("max(${a}) + 1", {"a": RepeatAnswers((41, ""))}, None),  # NaN is out of range
]


@pytest.mark.parametrize(("source", "values", "current"), RUNTIME_ERRORS)
def test_runtime_errors(source: str, values: dict[str, object], current: object):
    expr = parse(source)
    with pytest.raises(ExpressionError):
        expr.evaluate(_ctx(values, current))
    assert expr.truthy(_ctx(values, current)) is False


def test_today_accepts_datetime():
    ctx = EvalContext(values={}, today=datetime.datetime(2026, 3, 1, 23, 59))
    assert parse("today() - date('2026-02-28')").evaluate(ctx) == 1
    assert parse("today()").evaluate(ctx) == TODAY


def test_today_requires_context_date():
    expr = parse("today() - date('2026-01-01') > 0")
    ctx = EvalContext(values={})
    with pytest.raises(ExpressionError, match="today"):
        expr.evaluate(ctx)
    assert expr.truthy(ctx) is False
    assert expr.truthy(EvalContext(values={}, today=TODAY)) is True


SYNTAX_ERRORS: list[str] = [
    "",
    "   ",
    "1 +",
    "+",
    "* 2",
    "(1",
    "1)",
    "()",
    "(,)",
    "1,2",
    "1 2",
    "'it''s'",
    "'abc",
    '"abc',
    "${}",
    "${1a}",
    "${a b}",
    "${a",
    "$x",
    "${a}${b}",
    "${a}.",
    ". .",
    "..",
    "and",
    "1 and",
    "or 1",
    "1 == 2",
    "1 <> 2",
    "1 ! 2",
    "1 & 2",
    "a.b",
    "foo",
    "foo(1)",
    "not 1",
    "__import__('os')",
    "eval('1')",
    "selected(${x})",
    "selected(${x}, 'a', 'b')",
    "count-selected()",
    "count()",
    "count(1)",
    "count(.)",
    "count('members')",
    "count(${a}, ${b})",
    "count(count(${a}))",
    "max()",
    "max(1)",
    "max(.)",
    "min('member_age')",
    "max(${a}, ${b})",
    "min(max(${a}))",
    "today(1)",
    "if(1, 2)",
    "coalesce(1)",
    "true",
    "true(1)",
    "not()",
    "f(",
    "int(1,)",
    "1e5",
    "99999999999999999",
    "1" * 20 + ".5",
    "regex(., '(a+)+$')",
    "regex(., '((ab)*c)*')",
    "regex(., '([a-z]+ ?)+$')",
    "regex(., '(a+){3}')",
    "regex(., '(?:x|y)*')",
    "regex(., '(a)\\1')",
    "regex(., '(?P<n>a)(?P=n)')",
    "regex(., '[')",
    "regex(., '" + "x" * 201 + "')",
    "€",
    "\x00",
    "1\x00",
    "1 + ２",
    "\u202e1",
    "ａ",
    "(" * 51 + "1" + ")" * 51,
    "-" * 51 + "1",
    "not(" * 51 + "1" + ")" * 51,
]


@pytest.mark.parametrize("source", SYNTAX_ERRORS)
def test_syntax_errors(source: str):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert "position" in str(info.value)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("1 + * 2", "position 4"),
        ("'abc", "unterminated string starting at position 0"),
        ("1 + foo(2)", "unknown function 'foo' at position 4"),
        ("if(1, 2)", "takes 3 argument(s), got 2"),
        ("  ${a b}", "position 2"),
        ("1 # 2", "unexpected character '#' at position 2"),
        ("x" * 2001, "longer than 2000"),
    ],
)
def test_error_messages(source: str, fragment: str):
    with pytest.raises(ExpressionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse(source)


def test_depth_limit_boundary():
    assert parse("(" * 50 + "1" + ")" * 50).evaluate(_ctx({})) == 1
    assert parse("-" * 50 + "1").evaluate(_ctx({})) == 1


class _Exploding:
    def __str__(self) -> str:
        raise RuntimeError("boom")


# (expression, values, current): must raise ExpressionError or be falsy, and finish fast.
HOSTILE: list[tuple[str, dict[str, object], object]] = [
    ("(" * 10_000 + "1" + ")" * 10_000, {}, None),
    ("(" * 1000, {}, None),
    (")" * 1000, {}, None),
    ("-" * 10_000 + "1", {}, None),
    ("not(" * 400 + "1" + ")" * 400, {}, None),
    ("'" + "a" * 1_000_000 + "'", {}, None),
    ("a" * 1_000_000, {}, None),
    ("1" * 1_000_000, {}, None),
    ("'" * 2001, {}, None),
    ("'unterminated", {}, None),
    ('"unterminated', {}, None),
    ("__import__('os')", {}, None),
    ("__import__('os').system('echo pwned')", {}, None),
    ("().__class__.__bases__", {}, None),
    ("${a}${b}", {"a": 1, "b": 1}, None),
    ("+", {}, None),
    ("*", {}, None),
    ("div", {}, None),
    ("mod 1", {}, None),
    ("or", {}, None),
    ("=", {}, None),
    ("日本語", {}, None),
    ("${名前}", {}, None),
    ("\x00", {}, None),
    ("1\x00", {}, None),
    ("'\x00' = 'x'", {}, None),
    ("\ud800", {}, None),
    ("1*" * 999 + "0", {}, None),  # long flat chain: no deep recursion
    ("99*" * 600 + "9", {}, None),  # magnitude guard
    ("0 and " * 300 + "1", {}, None),
    ("regex('" + "a" * 40 + "b', '(a+)+$')", {}, None),
    ("regex(., ${p})", {"p": "(a*)*$"}, "a" * 40 + "b"),
    ("regex(${big}, 'a*b')", {"big": "a" * 1_000_000}, None),
    ("${big} = 1", {"big": "9" * 1_000_000}, None),
    ("${big} + 1", {"big": "9" * 1_000_000}, None),
    ("date(${big})", {"big": "2" * 1_000_000}, None),
    ("${bad} = 'x'", {"bad": _Exploding()}, None),
    ("selected(${bad}, 'x')", {"bad": [_Exploding()]}, None),
    ("today()", {}, None),  # evaluated without a today date below
    ("1 div 0", {}, None),
    ("today() + 1e400", {}, None),
]


@pytest.mark.parametrize(("source", "values", "current"), HOSTILE)
def test_hostile_inputs(source: str, values: dict[str, object], current: object):
    # CPU time of this thread, not the wall clock: a runaway (backtracking regex, huge power)
    # burns it here, while a loaded machine only makes the wall clock run past the bound.
    started = time.thread_time()
    ctx = EvalContext(values=values, current=current)
    try:
        expr = parse(source)
    except ExpressionError:
        expr = None
    if expr is not None:
        assert expr.truthy(ctx) is False
        with contextlib.suppress(ExpressionError):
            assert not expr.evaluate(ctx)
    assert time.thread_time() - started < 2.0


def test_parse_rejects_non_string():
    with pytest.raises(ExpressionError):
        parse(123)  # type: ignore[arg-type]


REFERENCE_CASES: list[tuple[str, frozenset[str]]] = [
    ("1 + 2", frozenset()),
    (".", frozenset()),
    ("${a}", frozenset({"a"})),
    ("${a} + ${b}", frozenset({"a", "b"})),
    ("${a} = ${a}", frozenset({"a"})),
    ("'${not_a_ref}' = ${real}", frozenset({"real"})),
    ("selected(${needs}, 'x') and if(${q}, -${r}, not(${s}))", frozenset({"needs", "q", "r", "s"})),
    ("today() - date(${dob}) > 0 or coalesce(${x_1}, ${_y})", frozenset({"dob", "x_1", "_y"})),
]


@pytest.mark.parametrize(("source", "expected"), REFERENCE_CASES)
def test_references(source: str, expected: frozenset[str]):
    refs = parse(source).references()
    assert refs == expected
    assert isinstance(refs, frozenset)


COUNTED_CASES: list[tuple[str, frozenset[str]]] = [
    ("${a} + 1", frozenset()),
    ("count-selected(${a})", frozenset()),
    ("count(${members})", frozenset({"members"})),
    (". >= count(${m}) and count(${n}) < ${x}", frozenset({"m", "n"})),
]


@pytest.mark.parametrize(("source", "expected"), COUNTED_CASES)
def test_counted(source: str, expected: frozenset[str]):
    assert parse(source).counted() == expected


# (source, aggregated: read with max()/min(), plain: read as one value)
AGGREGATED_CASES: list[tuple[str, frozenset[str], frozenset[str]]] = [
    ("${a} + 1", frozenset(), frozenset({"a"})),
    ("count(${m})", frozenset(), frozenset()),
    ("max(${age}) >= 216", frozenset({"age"}), frozenset()),
    (". != 'x' or not(min(${a}) < ${b})", frozenset({"a"}), frozenset({"b"})),
    ("max(${a}) > ${a}", frozenset({"a"}), frozenset({"a"})),
]


@pytest.mark.parametrize(("source", "aggregated", "plain"), AGGREGATED_CASES)
def test_aggregated_and_plain(source: str, aggregated: frozenset[str], plain: frozenset[str]):
    expression = parse(source)
    assert expression.aggregated() == aggregated
    assert expression.plain() == plain
    assert expression.references() >= aggregated | plain | expression.counted()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (RepeatInstances(2), "2"),
        (RepeatAnswers((41, 7)), ""),  # a repeat group's question outside its items
        (None, ""),
        (3, "3"),
        (2.0, "2"),
        ("Siti", "Siti"),
    ],
)
def test_text_of(value: object, shown: str):
    assert text_of(value) == shown


def test_expression_is_frozen_value_object():
    expr = parse("${a} + 1")
    assert isinstance(expr, Expression)
    assert expr.source == "${a} + 1"
    assert expr == parse("${a} + 1")
    assert hash(expr) == hash(parse("${a} + 1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        expr.source = "2"  # type: ignore[misc]


_TOKENS = [
    "1", "2.5", ".", "'a'", '"b"', "${a}", "${b}", "(", ")", ",", "+", "-", "*", "div",
    "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or", "not(", "selected(", "today()",
    "count-selected(", "count(", "regex(", "if(", "coalesce(", "date(", "int(", "number(",
    "string-length(", "true()", "false()", "'2026-01-01'", "max(", "min(",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(st.sampled_from(_TOKENS), max_size=40).map(" ".join),
    )
)
def test_fuzz_parse_and_truthy(source: str):
    try:
        expr = parse(source)
    except ExpressionError:
        return
    assert isinstance(expr, Expression)
    assert isinstance(expr.truthy(EvalContext(values={})), bool)
    assert isinstance(expr.truthy(EvalContext(values={"a": ["x"], "b": "3"}, today=TODAY)), bool)
