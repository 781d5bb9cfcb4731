"""Scheduler kind `limit_report`: the coordinators of a district hear who WhatsApp's
messaging limit kept messages from (how many people, of which kind), never silence.

The channel records each person held back (`limit_deferrals`, per local date and kind); once
a fan-out has settled (no new deferral for SETTLE) each district's coordinators get one notice
per date, and the rows are marked reported. The held messages themselves wait and are tried
again when the limit has room (bot/channels/whatsapp/limit.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from handlers.context import AppContext
from handlers.date_formats import short_date
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.models import Role
from storage.repos import Repos

SETTLE = timedelta(minutes=10)
CHAT_MEMORY = timedelta(days=2)  # template recipients (phones) are kept this long
ORDER = ("revision", "training", "notice", "reminder", "broadcast")


async def report_held_back(repos: Repos, app: AppContext, now: datetime) -> None:
    """One notice per district and date once its fan-out has settled."""
    await repos.templates.forget_chats_before(now - CHAT_MEMORY)
    grouped: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in await repos.templates.unreported():
        grouped[(row.kabupaten_code, row.local_date)][row.category] = row.people
    for (district, day), kinds in grouped.items():
        last = await repos.templates.last_deferral(district)
        if last is not None and now - last < SETTLE:
            continue  # still fanning out: one report, not one per minute
        people = await repos.templates.unreported_people(district, day)
        for coordinator in await repos.users.active_with_role(
            Role.COORDINATOR, kabupaten_code=district
        ):
            text = _report(app, coordinator.language, date.fromisoformat(day), people, kinds)
            summary = app.catalog.text(coordinator.language, "announced.limit_report")
            await deliver(
                repos,
                user_id=coordinator.id,
                message=Outbound(text=text, summary=summary),
                kind=DeliveryKind.NOTICE,
                now=now,
            )
        await repos.templates.mark_reported(district, day, now)


def _report(app: AppContext, language: str, day: date, people: int, kinds: dict[str, int]) -> str:
    t = app.catalog.text
    shown = short_date(day, language)
    title = t(language, "whatsapp.limit_report.title", day=shown, people=people)
    lines = [title]
    lines += [
        t(language, f"whatsapp.limit_report.kinds.{kind}", count=kinds[kind])
        for kind in ORDER
        if kinds.get(kind)
    ]
    lines.append(t(language, "whatsapp.limit_report.later"))
    return "\n".join(lines)
