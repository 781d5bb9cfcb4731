"""Why a case was last sent back (or rejected), as its reporter reads it: who by role, never
by name, when, and the reviewer's note (the correction screen, /laporan_saya, the question
about an unchanged correction)."""

from __future__ import annotations

from handlers.context import Turn
from handlers.date_formats import short_date
from storage.models import SendBackNote


def sent_back_note(
    turn: Turn, language: str, note: SendBackNote, limit: int = 0, *, kind: str = "sent_back"
) -> str:
    """Who sent the case back (their role) and when, with their note: what to correct
    (`limit`: at most that many characters of it, for a list). `kind` "rejected": who
    rejected it and why, read the same way."""
    catalog = turn.app.catalog
    date = short_date(turn.app.local_date(note.at), language)
    who = role_name(turn, language, note.actor_role)
    if not note.reason:
        return catalog.text(language, f"reporter.{kind}_no_note", who=who, date=date)
    text = note.reason
    if limit and len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return catalog.text(language, f"reporter.{kind}_note", who=who, date=date, note=text)


def role_name(turn: Turn, language: str, role: str | None) -> str:
    """A reviewer as their reporter knows them, in a sentence: by role ("the TKSK"), never by
    name."""
    return turn.app.catalog.text(
        language, f"reporter.by_role.{role}" if role else "reporter.someone"
    )
