"""Dates as people type them: a full date ("9-1-2027", "9 Januari 2027"), a day and month
without the year ("13/12", "13 Desember"), or a word relative to today ("besok", "kemarin",
"senin depan"), and a date as it is shown back: with its weekday ("Senin, 07-12-2026"), so
who typed "senin depan" sees which Monday was understood.

What a year-less or relative answer means depends on the question's direction (`when`):
"13/12" asked for a training is the next 13 December, asked for a visit the last one. A word
that can mean two dates ("jumat depan" on a Wednesday: this Friday or next week's?) or a week
("minggu depan") is never guessed: the person is asked which of the two dates, or for the
date itself. Weeks are counted both ways people count them, Monday to Sunday and Sunday to
Saturday (wall calendars): "senin depan" on a Sunday may be tomorrow or a week later. The engine
restates every answer as a date, so the date understood is always shown.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from babel.dates import get_day_names

When = Literal["past", "future", "any"]

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip

# Days counted from today, as said in Indonesian (with common chat spellings) and English.
RELATIVE_DAYS = {
    "hari ini": 0, "sekarang": 0, "today": 0,
    "besok": 1, "besuk": 1, "esok": 1, "bsk": 1, "tomorrow": 1,
    "lusa": 2,
    "kemarin": -1, "kemaren": -1, "kmrn": -1, "yesterday": -1,
    "kemarin lusa": -2, "kemarin dulu": -2,
}  # fmt: skip

# Monday 0 .. Sunday 6 (date.weekday()), named as the Indonesian calendar names them, plus
# "ahad" (Sunday, as many Muslims say it).
WEEKDAYS = {name.lower(): day for day, name in get_day_names("wide", locale="id").items()}
WEEKDAYS["ahad"] = 6
# "minggu" alone is Sunday; "minggu depan/ini/lalu" is a week, not a day (asked, never guessed).
WEEK_WORD = "minggu"
_NEXT, _LAST = "depan", ("lalu", "kemarin")
_WEEKDAY = re.compile(r"(?:hari\s+)?(?P<day>[a-z]+)(?:\s+(?P<which>depan|ini|lalu|kemarin))?")
_DAY_MONTH_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})")
_DAY_MONTH_NAMED = re.compile(r"(\d{1,2})\s+([a-z]+)\.?")
EXAMPLE_DAYS = {"past": -1, "future": 7, "any": 0}  # how far from today an example date is
EARLIEST_YEAR = 1900
# How wide a shown date's day name is, by language: "✓ Minggu, 06-12-2026" (a suggested
# answer's button) just fits WhatsApp's 20 units; "Wednesday" would not, so English says "Wed".
DAY_NAME_WIDTH = {"id": "wide", "en": "abbreviated"}


class DateNotRead(ValueError):
    """The text is not a date; `key` (under "answer.") names why, `values` fill its text;
    `readings` the two dates a word may mean ("date_two_readings"), else ()."""

    def __init__(self, key: str, readings: tuple[date, ...] = (), **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
        self.readings = readings


def parse_date_text(text: str) -> date:
    """A full date: `9-1-2024`, `09/01/2024`, `2024-01-09`, `9 Januari 2024`."""
    text = text.strip().lower().replace(",", " ")
    numeric = re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})", text)
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    named = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", text)
    try:
        if numeric:
            return date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if named and named[2] in MONTHS:
            return date(int(named[3]), MONTHS[named[2]], int(named[1]))
    except ValueError as exc:
        raise DateNotRead("date_impossible") from exc
    raise DateNotRead("need_date")


def short_date(day: date) -> str:
    """A date as the questions' examples write it: 9-1-2027."""
    return f"{day.day}-{day.month}-{day.year}"


def day_and_date(day: date, language: str) -> str:
    """A date as answers are shown back, with its day name: "Senin, 07-12-2026"."""
    width = DAY_NAME_WIDTH.get(language, "wide")
    name = get_day_names(width, locale=language if language in DAY_NAME_WIDTH else "id")
    return f"{name[day.weekday()]}, {day:%d-%m-%Y}"


def example_date(today: date, when: When) -> date:
    """A date near today that a question of that direction takes."""
    return today + timedelta(days=EXAMPLE_DAYS[when])


def examples(today: date, when: When) -> dict[str, str]:
    """The values of the "type a date like ..." message: a full date and the same date
    without its year, both in the question's direction."""
    day = example_date(today, when)
    return {"date": short_date(day), "day_month": f"{day.day}-{day.month}"}


def _words(text: str) -> str:
    """Lower case, single spaces, no apostrophes ("Jum'at") or closing punctuation."""
    text = re.sub(r"['’`]", "", text.strip().lower()).rstrip(".!?").strip()
    return re.sub(r"\s+", " ", text)


def _two_readings(typed: str, first: date, second: date) -> DateNotRead:
    return DateNotRead(
        "date_two_readings",
        (first, second),
        typed=typed,
        first=short_date(first),
        second=short_date(second),
    )


def _in_this_week(day: int, today: date, *, ahead: bool) -> bool:
    """Whether the weekday `day` (0 Monday .. 6 Sunday) coming after today (`ahead`) or gone
    before it still falls in today's week, as either count of weeks has it: Monday to Sunday
    or Sunday to Saturday. Then "<hari> depan" (lalu) may mean that one or the one a week
    further."""
    for shift in (0, 1):  # 1: Sunday counted first
        mine, theirs = (today.weekday() + shift) % 7, (day + shift) % 7
        if (theirs > mine) if ahead else (theirs < mine):
            return True
    return False


def _weekday(text: str, typed: str, today: date, when: When) -> date | None:
    """A weekday said: "senin depan", "hari jumat", "rabu lalu"; None when it is none."""
    match = _WEEKDAY.fullmatch(text)
    if match is None or match["day"] not in WEEKDAYS:
        return None
    day, which = WEEKDAYS[match["day"]], match["which"]
    if match["day"] == WEEK_WORD and which is not None and not text.startswith("hari "):
        raise DateNotRead("date_week", typed=typed, **examples(today, when))
    ahead = (day - today.weekday()) % 7  # 0..6 days to the coming one (today included)
    coming, last = today + timedelta(days=ahead), today - timedelta(days=(-ahead) % 7)
    if which == _NEXT:
        # The first one after today is next week's unless it still falls in this week: then
        # "jumat depan" on a Wednesday, or "senin depan" on a Sunday, may mean either.
        first = coming if ahead else coming + timedelta(days=7)
        if _in_this_week(day, today, ahead=True) and when != "past":  # (a record: refused)
            raise _two_readings(typed, first, first + timedelta(days=7))
        return first
    if which in _LAST:
        first = last if last != today else last - timedelta(days=7)
        if _in_this_week(day, today, ahead=False) and when != "future":  # (a plan: refused)
            raise _two_readings(typed, first, first - timedelta(days=7))
        return first
    # "senin" or "senin ini": the coming one for a plan, the last one for a record.
    if when == "future" or coming == today:
        return coming
    if when == "past":
        return last
    raise _two_readings(typed, last, coming)


def _in_direction(day: int, month: int, today: date, when: When) -> date:
    """A day and month without a year: the next one from today (a plan), the last one up to
    today (a record), or this year's (either); 29 February the nearest leap year's."""
    step = {"future": 1, "past": -1, "any": 0}[when]
    for years in range(0, 8) if step else (0,):
        try:
            found = date(today.year + step * years, month, day)
        except ValueError:
            continue
        if step == 0 or (found - today).days * step >= 0:
            return found
    raise DateNotRead("date_impossible")


def _day_month(text: str, today: date, when: When) -> date | None:
    """ "13/12", "13-12", "13 Desember"; None when the text is no day and month."""
    numeric = _DAY_MONTH_NUMERIC.fullmatch(text)
    named = _DAY_MONTH_NAMED.fullmatch(text)
    if numeric:
        day, month = int(numeric[1]), int(numeric[2])
    elif named and named[2] in MONTHS:
        day, month = int(named[1]), MONTHS[named[2]]
    else:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise DateNotRead("date_impossible")
    return _in_direction(day, month, today, when)


def read_date(typed: str, *, today: date, when: When) -> date:
    """The date meant by a typed answer to a question of that direction.

    Raises DateNotRead: "need_date" when it is no date at all, or why it cannot be taken."""
    text = _words(typed)
    if text in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[text])
    reading = _day_month(text, today, when)
    if reading is None:
        reading = _weekday(text, typed.strip(), today, when)
    if reading is not None:
        return reading
    value = parse_date_text(text)
    if value.year < EARLIEST_YEAR:
        raise DateNotRead("date_impossible")
    return value
