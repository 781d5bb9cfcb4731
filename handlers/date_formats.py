"""Dates and times as the bot shows them, one style per kind and language.

Three kinds, each with one helper used everywhere:
- a long date, for periods and days spoken of ("7 November 2026", with its weekday when the
  day matters: "Selasa, 9 Januari 2024" / "Tuesday, 9 January 2024");
- a short date, for lists and pages ("06-12-2026", as Indonesians write it; English "6 Dec
  2026", since "06-12-2026" reads as June 12 to many English readers);
- a date-time: the short date and the local clock ("06-12-2026 14.30" / "6 Dec 2026 14.30").
Babel gives the month and day names of the language.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from handlers.context import AppContext

_LONG = "d MMMM y"
_WEEKDAY_LONG = "EEEE, d MMMM y"
_SHORT = {"id": "dd-MM-y", "en": "d MMM y"}


def long_date(day: date, language: str) -> str:
    """7 November 2026 (both languages, month named in the language)."""
    return format_date(day, _LONG, locale=language)


def weekday_date(day: date, language: str) -> str:
    """Selasa, 9 Januari 2024 / Tuesday, 9 January 2024: a long date with its weekday."""
    return format_date(day, _WEEKDAY_LONG, locale=language)


def short_date(day: date, language: str) -> str:
    """06-12-2026 (Indonesian) / 6 Dec 2026 (English)."""
    return format_date(day, _SHORT.get(language, _SHORT["id"]), locale=language)


def clock_time(app: AppContext, moment: datetime) -> str:
    """08.00 (local)."""
    return app.local_time(moment).strftime("%H.%M")


def date_time(app: AppContext, moment: datetime, language: str) -> str:
    """06-12-2026 14.30 / 6 Dec 2026 14.30: a moment's local short date and clock time."""
    return f"{short_date(app.local_time(moment).date(), language)} {clock_time(app, moment)}"


def zoned_date_time(app: AppContext, moment: datetime, language: str) -> str:
    """06-12-2026 14.30 WIB / 6 Dec 2026 14.30 WIB: `date_time` with the local zone's name,
    for a text read away from the chat (a spreadsheet's information sheet)."""
    return f"{date_time(app, moment, language)} {app.local_time(moment):%Z}"
