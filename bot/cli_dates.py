"""Dates typed on the command line (`export --since`, `subject correct --field birth_date`):
as the bot shows them (DD-MM-YYYY, 31-01-2026) or as ISO writes them (YYYY-MM-DD), read by
the forms' own reader so the operator types what they see in the chat."""

from __future__ import annotations

from datetime import date

from handlers.forms.dates import EARLIEST_YEAR, DateNotRead, parse_date_text

DATE_FORMS = "DD-MM-YYYY (as the bot shows dates, e.g. 31-01-2026) or YYYY-MM-DD"


def command_line_date(text: str, option: str) -> date:
    """The date `text` given to `option`; a ValueError of one line naming both forms."""
    try:
        value = parse_date_text(text)
    except DateNotRead:
        value = None
    if value is None or value.year < EARLIEST_YEAR:
        raise ValueError(f"{option} {text.strip()!r} is not a date: give {DATE_FORMS}")
    return value
