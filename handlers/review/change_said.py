"""A case's last change as said to someone whose action met it done already: by them ("Laporan
KNG-2026-000001 sudah Bapak/Ibu verifikasi (10.00)"), by someone named, or by nobody known,
with its state now. A button of an older page (handlers/review/decisions.py), a double tap of
a form's Kirim, an old "Perbaiki" (handlers/sent_already.py) all say it."""

from __future__ import annotations

from handlers.context import Turn
from handlers.review.case_page import local_time
from storage.models import CaseDetail


async def last_change_said(turn: Turn, case: CaseDetail) -> str:
    """Who made the case's last change and when, and its state now (HTML)."""
    assert turn.user is not None
    summary = case.summary
    values = {"number": summary.number, "state": turn.t(f"case_states.{summary.state}")}
    last = case.events[-1] if case.events else None
    if last is None or last.actor_id is None:
        return turn.t("review.changed.unknown", **values)
    if last.actor_id == turn.user.id:
        done = turn.t(f"review.you_did.{last.to_state}")
        return turn.t("review.changed.by_you", **values, done=done, at=local_time(turn, last.at))
    actor = await turn.repos.users.get(last.actor_id)
    name = actor.full_name if actor else "-"  # escaped by t()
    return turn.t("review.changed.by_other", **values, name=name, at=local_time(turn, last.at))
