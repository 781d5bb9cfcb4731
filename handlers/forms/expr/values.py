"""The values expressions work on, and XLSForm's rules for mixing them.

An answer is a string, a number, a boolean, a date, a list of chosen names, or a repeat group
read whole (`RepeatInstances`, `RepeatAnswers`); `normalize` maps a stored answer onto these.
The coercions (`to_str`, `to_number`, `to_date`, `truth`) and the operators (`equals`,
`ordered`, `arith`) follow XPath: an unanswered question is "", dates are days since 1970,
and a comparison that cannot be made is false rather than an error.
"""

from __future__ import annotations

import datetime
import math
import operator
import re
from dataclasses import dataclass

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


# Deliberately stricter than float(): no "inf", "nan", exponents or underscores.
_NUMERIC_STR_RE = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_CLOCK_RE = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")  # how a `time` answer is stored
_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_BASIC_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def short(value: object) -> str:
    """A value as an error message quotes it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def normalize(value: object) -> object:
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
        return [to_str(normalize(v)) for v in value]
    return str(value)


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_str(value: object) -> str:
    """A value as XPath's string(): 2.0 is "2", a date ISO, chosen names joined by spaces."""
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


def to_number(value: object) -> int | float:
    """A value as XPath's number(): a date is its days since 1970; text must be a plain
    decimal number."""
    if isinstance(value, bool):
        return int(value)
    if _is_num(value):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime.date):
        return (value - _EPOCH).days  # XPath dates are days since the epoch
    text = to_str(value)
    # Length cap keeps int() away from Python's huge-digit-string limits.
    if len(text) <= 100 and _NUMERIC_STR_RE.fullmatch(text):
        text = text.strip()
        return float(text) if "." in text else int(text)
    raise ExpressionError(f"not a number: {short(value)}")


def to_date(value: object) -> datetime.date:
    """A value as a date: a number of days since 1970, or an ISO date."""
    if isinstance(value, datetime.datetime):
        return value.date()  # datetime is a date subclass but can't be mixed with dates
    if isinstance(value, datetime.date):
        return value
    if _is_num(value):
        return _shift(_EPOCH, value)  # type: ignore[arg-type]
    text = to_str(value).strip()
    try:
        if len(text) <= 40:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise ExpressionError(f"not a date: {short(value)}")


def truth(value: object) -> bool:
    """A value as XPath's boolean(): "" and 0 (and NaN) are false, a date is true."""
    if isinstance(value, RepeatInstances):
        return value.count > 0  # XPath: a node-set is true when it is not empty
    if isinstance(value, RepeatAnswers):
        return bool(value.values)
    if isinstance(value, float):
        return not math.isnan(value) and value != 0
    if isinstance(value, datetime.date):
        return True
    return bool(value)


def checked(value: int | float) -> int | float:
    """The value, if within MAX_MAGNITUDE: blocks runaway growth (e.g. repeated
    multiplication) and NaN/inf leaking out."""
    if not abs(value) <= MAX_MAGNITUDE:
        raise ExpressionError("arithmetic result out of range")
    return value


def _shift(day: datetime.date, days: int | float) -> datetime.date:
    try:
        return day + datetime.timedelta(days=checked(days))
    except OverflowError as exc:
        raise ExpressionError("date out of range") from exc


def _is_clock(value: object) -> bool:
    return isinstance(value, str) and bool(_CLOCK_RE.fullmatch(value))


def _looks_numeric(value: object) -> bool:
    return _is_num(value) or (isinstance(value, str) and bool(_NUMERIC_STR_RE.fullmatch(value)))


def equals(a: object, b: object) -> bool:
    """XPath `=`: compared as booleans, numbers or dates when either side is one."""
    a = to_str(a) if isinstance(a, list) else a
    b = to_str(b) if isinstance(b, list) else b
    if isinstance(a, bool) or isinstance(b, bool):
        return truth(a) == truth(b)
    if _is_num(a) or _is_num(b):
        if a == "" or b == "":
            return False  # an unanswered question equals only ""
        try:
            return to_number(a) == to_number(b)
        except ExpressionError:
            return False
    if isinstance(a, datetime.date) or isinstance(b, datetime.date):
        try:
            return to_date(a) == to_date(b)
        except ExpressionError:
            return False
    return to_str(a) == to_str(b)


def ordered(op: str, a: object, b: object) -> bool:
    """XPath `<`, `<=`, `>`, `>=`: false when either side is unanswered or not comparable."""
    a = to_str(a) if isinstance(a, list) else a
    b = to_str(b) if isinstance(b, list) else b
    if a == "" or b == "":
        return False
    a = int(a) if isinstance(a, bool) else a  # XPath orders booleans as 1/0
    b = int(b) if isinstance(b, bool) else b
    left: object
    right: object
    try:
        dated = isinstance(a, datetime.date) or isinstance(b, datetime.date)
        if dated and not (_is_num(a) or _is_num(b)):
            left, right = to_date(a), to_date(b)
        elif (_looks_numeric(a) and _looks_numeric(b)) or _is_num(a) or _is_num(b) or dated:
            left, right = to_number(a), to_number(b)
        elif _is_clock(a) and _is_clock(b):
            left, right = a, b  # times of day ("HH:MM", a `time` answer) order as written
        else:
            # Two non-numeric strings: only ISO dates are orderable (XPath gives NaN).
            left, right = to_date(a), to_date(b)
    except ExpressionError:
        return False
    return bool(_ORDERINGS[op](left, right))


def arith(op: str, a: object, b: object) -> object:
    """`+`, `-`, `*`, `div`, `mod`; a date plus or minus days is a date, a date minus a date
    their days apart."""
    a_date, b_date = isinstance(a, datetime.date), isinstance(b, datetime.date)
    if op in ("+", "-") and (a_date or b_date):
        if a_date and op == "-" and not _looks_numeric(b):
            return (a - to_date(b)).days  # type: ignore[operator]
        if b_date and op == "-" and not _looks_numeric(a):
            return (to_date(a) - b).days  # type: ignore[operator]
        if a_date and not b_date:
            n = to_number(b)
            return _shift(a, n if op == "+" else -n)  # type: ignore[arg-type]
        if b_date and op == "+" and not a_date:
            return _shift(b, to_number(a))  # type: ignore[arg-type]
    x, y = to_number(a), to_number(b)
    if op in _BASIC_ARITHMETIC:
        return checked(_BASIC_ARITHMETIC[op](x, y))
    if y == 0:
        raise ExpressionError(f"division by zero ({op})")
    if op == "div":
        return checked(x / y)
    # XPath mod takes the sign of the dividend, unlike Python's %.
    if isinstance(x, int) and isinstance(y, int):
        r = abs(x) % abs(y)
        return r if x >= 0 else -r
    return checked(math.fmod(x, y))
