"""/templat (admins): how many WhatsApp template messages went out this month and last, by
what they announced. Templates are the messages WhatsApp charges for (outside the 24-hour
window), so this is the month's bill in messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal

from handlers.context import Turn
from handlers.permissions import allowed

KINDS = ("notice", "routine", "alert", "bulk", "reply", "unknown")  # unknown: counted before 0008


def _midnight(turn: Turn, day: date) -> datetime:
    """The first moment of a local date, in UTC."""
    return datetime.combine(day, time(0), tzinfo=turn.app.timezone).astimezone(UTC)


async def show_template_count(turn: Turn) -> None:
    """The current and the previous local month, split by kind of message."""
    if not allowed(turn.user, "whatsapp.template_count"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    this_month = turn.today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    periods = (
        (this_month, _midnight(turn, this_month), turn.now),
        (last_month, _midnight(turn, last_month), _midnight(turn, this_month)),
    )
    lines = [turn.t("whatsapp.templates.title")]
    for first, start, until in periods:
        counts = await turn.repos.templates.counts_between(start, until)
        parts = [
            turn.t(f"whatsapp.templates.kinds.{kind}", count=_number(turn, counts[kind]))
            for kind in KINDS
            if counts.get(kind)
        ]
        lines.append(
            turn.t(
                "whatsapp.templates.month",
                month=format_date(first, format="LLLL yyyy", locale=turn.language),
                total=_number(turn, sum(counts.values())),
                parts=", ".join(parts) or "-",
            )
        )
    lines.append(turn.t("whatsapp.templates.note"))
    turn.reply("\n".join(lines))


def _number(turn: Turn, value: int) -> str:
    return format_decimal(value, locale=turn.language)
