"""Date, time and age answers: a calendar date (words such as "besok" read by
handlers/forms/dates.py), a time of day as people write it, an age or a birth date.

Each parser returns an `Answer` or raises `Invalid` (handlers/forms/answers.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from handlers.events import Inbound
from handlers.forms.answers import Answer, Invalid, _text_of
from handlers.forms.dates import (
    MONTHS,
    DateNotRead,
    When,
    examples,
    parse_date_text,
    read_date,
)
from handlers.forms.typed_words import count_in_words, without_age_lead_in


class TwoDates(Invalid):
    """A typed word that means one of two dates ("senin depan" on a Sunday): the question
    asks which, one button for each of `readings`."""

    def __init__(self, readings: tuple[date, ...], **values: Any) -> None:
        super().__init__("answer.date_two_readings", **values)
        self.readings = readings


def parse_date(event: Inbound, *, today: date, when: When = "past") -> Answer:
    """A calendar date that exists and, by `when`, is not in the future ("past", the
    default), not before today ("future") or either ("any"). Besides full dates it takes a
    day and month without the year and words such as "besok" or "senin depan", read in that
    direction (handlers/forms/dates.py); a refusal's examples are dates the question takes."""
    need = f"answer.need_date_when.{when}"
    typed = _text_of(event, need, **examples(today, when))
    try:
        value = read_date(typed, today=today, when=when)
    except DateNotRead as unread:
        if unread.key == "need_date":
            raise Invalid(need, **examples(today, when)) from unread
        if unread.readings:
            raise TwoDates(unread.readings, **unread.values) from unread
        raise Invalid(f"answer.{unread.key}", **unread.values) from unread
    if when == "past" and value > today:
        raise Invalid("answer.date_future")
    if when == "future" and value < today:
        raise Invalid("answer.date_past")
    return Answer(value.isoformat(), value.strftime("%d-%m-%Y"))


# A time of day as people write it: "08.00", "8:30", "0830", "jam 8 pagi", "3 sore",
# "setengah 9" (half past eight), "16.00 WIB".
_TIME = re.compile(
    r"(?:jam|pukul|pk\.?)?\s*(setengah\s+)?(\d{1,2})(?:\s*[.:]\s*(\d{2})|(\d{2}))?"
    r"\s*(pagi|siang|sore|petang|malam)?\s*(?:wib|wita|wit)?"
)
# The hours (1-12 as said) each part of the day turns into on the 24-hour clock.
_DAY_PART_HOURS = {
    "pagi": {hour: hour % 12 for hour in range(1, 13)},  # "jam 12 pagi" is midnight
    "siang": {10: 10, 11: 11, 12: 12, **{hour: hour + 12 for hour in range(1, 4)}},
    "sore": {hour: hour + 12 for hour in range(2, 8)},
    "petang": {hour: hour + 12 for hour in range(5, 8)},
    "malam": {**{hour: hour + 12 for hour in range(6, 12)}, 12: 0, 1: 1, 2: 2, 3: 3},
}


def parse_time_text(text: str) -> tuple[int, int]:
    """(hour, minute) of a typed time of day; "setengah 9" is 8.30, as said in Indonesian."""
    match = _TIME.fullmatch(text.strip().rstrip(".!?").strip().lower())  # "8 pagi."
    if match is None:
        raise Invalid("answer.need_time")
    half, hour, minute, part = match[1], int(match[2]), match[3] or match[4], match[5]
    if half and (minute or hour == 0):  # "setengah 8.30", "setengah 0"
        raise Invalid("answer.time_impossible")
    if part is not None:
        hours = _DAY_PART_HOURS[part]
        if hour in hours:
            hour = hours[hour]
        elif hours.get(hour - 12) != hour:  # "15.00 sore" says it twice; "15 pagi" cannot be
            raise Invalid("answer.time_impossible")
    if hour > 23 or (minute and int(minute) > 59):
        raise Invalid("answer.time_impossible")
    if half:
        return (hour - 1) % 24, 30
    return hour, int(minute) if minute else 0


def afternoon_twin(text: str) -> tuple[int, int] | None:
    """The afternoon reading of a typed hour 1-11 said without its part of the day ("jam 5"
    is 17.00), for a question whose caller knows the morning hour cannot be meant; None when
    the text names the part of the day ("jam 5 pagi"), writes the hour as on a 24-hour clock
    ("05.00") or is no such hour."""
    match = _TIME.fullmatch(text.strip().rstrip(".!?").strip().lower())
    if match is None or match[5] is not None or match[2].startswith("0"):
        return None
    hour, minute = parse_time_text(text)
    return (hour + 12, minute) if 1 <= hour <= 11 else None


def parse_time(event: Inbound) -> Answer:
    """A time of day, stored as "HH:MM" (it sorts and compares as text), shown "HH.MM"."""
    hour, minute = parse_time_text(_text_of(event, "answer.need_time"))
    return Answer(f"{hour:02d}:{minute:02d}", f"{hour:02d}.{minute:02d}")


_AGE_PART = re.compile(
    r"(\d{1,3})\s*(tahun|thn|th|th\.|t|years?|yrs?|y|bulan|bln|bl|b|months?|mo|m)(?![a-z])\.?"
)
_YEAR_WORDS = ("tahun", "thn", "th", "th.", "t", "year", "years", "yr", "yrs", "y")


_AGE_UNITS = r"tahun|thn|th|bulan|bln|bl|years?|yrs?|months?"
_TWO_DIGIT_YEAR = re.compile(r"(\d{1,2})(?:[-/.](\d{1,2})[-/.]|\s+([a-z]+)\.?\s+)['’]?(\d{2})")
OLDEST_AGE_YEARS = 110  # a two-digit year is read in the century that makes no one older


def _age_in_digits(text: str) -> str:
    """An age typed in words as digits, unit by unit ("lima tahun" -> "5 tahun", "dua
    tahun tiga bulan" -> "2 tahun 3 bulan", "tujuh" -> "7"); other words as typed."""
    pieces = re.split(rf"\b({_AGE_UNITS})\b", text)
    for index, piece in enumerate(pieces):
        words = piece.strip()
        joined = re.match(r"(dan|&|\+)\s+", words)  # "dua tahun dan tiga bulan"
        said = words[joined.end() :] if joined else words
        if index % 2 == 0 and said and (number := count_in_words(said)).isdigit():
            pieces[index] = f" {joined[1] if joined else ''} {number} "
    return " ".join("".join(pieces).split())


def _two_digit_year(text: str, today: date) -> date | None:
    """A birth date written with a two-digit year ("12/3/15", "12-03-15", "12 maret '15"):
    this century's unless that is still to come, else the last (never older than
    `OLDEST_AGE_YEARS`); None when the text has no such year."""
    found = _TWO_DIGIT_YEAR.fullmatch(text)
    if found is None or (found[3] is not None and found[3] not in MONTHS):
        return None
    day, year = int(found[1]), int(found[4])
    month = int(found[2]) if found[2] is not None else MONTHS[found[3]]
    try:
        dates = [date(century + year, month, day) for century in (2000, 1900)]
    except ValueError as exc:
        raise DateNotRead("date_impossible") from exc
    for born in dates:
        if born <= today and months_between(born, today) <= OLDEST_AGE_YEARS * 12:
            return born
    raise DateNotRead("date_impossible")


def months_between(born: date, today: date) -> int:
    """Whole months from a birth date to today."""
    months = (today.year - born.year) * 12 + today.month - born.month
    return months - 1 if today.day < born.day else months


def parse_age(event: Inbound, *, today: date) -> Answer:
    """A birth date, or an age: "5", "5 tahun", "18 bulan", "2 th 3 bln"; with the words
    people put before it ("umur 5 thn", "usia 60", "kira2 60") or in words ("lima tahun");
    a birth date with a two-digit year ("12/3/15", "12 maret 15": `_two_digit_year`)."""
    typed = without_age_lead_in(_text_of(event, "answer.need_age"))
    text = _age_in_digits(typed.lower().replace(",", " "))
    if re.search(r"\d{1,4}[-/. ]\d{1,2}[-/. ]['’]?\d{2,4}|[a-z]{3,}\s+['’]?\d{2,4}", text):
        try:
            born = _two_digit_year(text, today) or parse_date_text(text)
        except DateNotRead as unread:
            # A text that is no date is no age either: the age question's own examples.
            key = "need_age" if unread.key == "need_date" else unread.key
            raise Invalid(f"answer.{key}") from unread
        if born > today:
            raise Invalid("answer.date_future")
        months = months_between(born, today)
        if months > 130 * 12:
            raise Invalid("answer.date_impossible")
        value = {"birth_date": born.isoformat(), "months": months}
        return Answer(value, f"{born:%d-%m-%Y} ({_spoken_age(months)})")
    if re.fullmatch(r"\d{1,3}", text.strip()):
        months, in_years = int(text) * 12, True
    else:
        parts = _AGE_PART.findall(text)
        leftover = _AGE_PART.sub("", text).strip(" dan&+")
        if not parts or leftover:
            raise Invalid("answer.need_age")
        months = sum(int(n) * (12 if unit in _YEAR_WORDS else 1) for n, unit in parts)
        in_years = all(unit in _YEAR_WORDS for _, unit in parts)
    if months > 130 * 12:
        raise Invalid("answer.need_age")
    value = {"birth_date": None, "months": months}
    return Answer(value, _spoken_age(months), age_slack=11 if in_years else 0)


def age_fits(born: date, months: int, slack: int, *, today: date) -> bool:
    """Whether someone born on `born` is `months` old today, or up to `slack` months older
    (an age in whole years). A NIK's two-digit year may be a century earlier than it was read
    when the typed age says so (shared domain.md section 3)."""
    for century in (0, 100):
        try:
            day = born.replace(year=born.year - century)
        except ValueError:  # 29 February in a year that has none
            day = born.replace(year=born.year - century, day=28)
        if months <= months_between(day, today) <= months + slack:
            return True
    return False


def _spoken_age(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years} th {rest} bln" if years else f"{rest} bulan"


def age_said(text: Callable[..., str], months: int) -> str:
    """An age as shown back by the catalogue's `text` ("2 th 3 bln"); a baby under a year
    in months alone ("3 bulan": QA walk 15, "0 th 3 bln" read oddly)."""
    years, rest = divmod(months, 12)
    if years == 0:
        return text("form.age_months", months=rest)
    return text("form.age_years_months", years=years, months=rest)
