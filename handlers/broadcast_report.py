"""The delivery report of a finished broadcast: which broadcast (its first words and when it
was sent, local time, so a sender of several can tell them apart), how its messages ended,
and who it did not reach, so the sender can phone them."""

from __future__ import annotations

from handlers.context import AppContext
from handlers.date_formats import date_time
from handlers.markup import first_words
from storage.repos import Repos

OPENING = 40  # characters of the broadcast's text that name it
NAMED = 10  # people named as not reached; the rest are counted


async def report_text(repos: Repos, app: AppContext, language: str, broadcast_id: int) -> str:
    """The report the sender gets once every message of the broadcast is settled."""
    counts = await repos.broadcasts.report(broadcast_id)
    lines = [app.catalog.text(language, "broadcast.report_title")]
    if sent := await repos.broadcasts.sent_text(broadcast_id):
        text, created = sent
        opening = first_words(text, OPENING)  # stored as markup: cut as read
        when = date_time(app, created, language)
        lines.append(app.catalog.text(language, "broadcast.report_which", text=opening, when=when))
    lines.append(
        app.catalog.text(
            language,
            "broadcast.report",
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            unreachable=counts.get("unreachable", 0),
            blocked=counts.get("blocked", 0),
            expired=counts.get("expired", 0),
        )
    )
    if missed := await repos.broadcasts.not_reached(broadcast_id):
        shown = missed[:NAMED]
        if len(missed) > NAMED:  # "…, Bu Rina dan 3 lainnya"
            shown.append(
                app.catalog.text(language, "broadcast.report_more", count=len(missed) - NAMED)
            )
        names = app.catalog.listed(language, shown)
        lines.append(app.catalog.text(language, "broadcast.report_missed", names=names))
    return "\n".join(lines)
