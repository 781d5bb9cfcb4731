"""A case's history as its page shows it: each step (when, the state it went to, who, why;
a verification with its check in the field, and the map of where, when visited) and, under a
correction that moved it to another kecamatan, where it came from (the audit's `case.moved`
entries of the case)."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from handlers.context import Turn
from handlers.review.verification_check import check_line
from storage.models import CaseDetail, CaseState

MOVED = "case.moved"  # the audit action of a move; its detail: {"from": desa, "to": desa}
SHOWN_STEPS = 8


async def _moves_of(turn: Turn, case_id: int) -> dict[datetime, str]:
    """The case's moves by when they were made: the desa (code) it came from."""
    entries, _ = await turn.repos.audit.page(
        actions=(MOVED,), subject=f"case:{case_id}", limit=SHOWN_STEPS
    )
    return {entry.at: str(entry.detail.get("from", "")) for entry in entries}


async def history_lines(turn: Turn, case: CaseDetail, at: Callable[[datetime], str]) -> list[str]:
    """The latest steps of the case, one line each (`at`: a moment as the page writes it),
    a move under the correction that made it."""
    moves = await _moves_of(turn, case.summary.id)
    lines = [turn.t("review.case_history")]
    for event in case.events[-SHOWN_STEPS:]:
        actor = await turn.repos.users.get(event.actor_id) if event.actor_id else None
        line = f"• {at(event.at)} {turn.t(f'case_states.{event.to_state}')}"
        # Typed names and reasons go into HTML: escaped, or "<5 th & KK" breaks the page.
        line += f" ({html.escape(actor.full_name, quote=False)})" if actor else ""
        if event.reason:
            line += f": {html.escape(event.reason[:200], quote=False)}"
        check = event.detail if event.to_state == CaseState.VERIFIED else None
        if check:  # the verifier's check in the field (a case verified since it was asked)
            line += " — " + check_line(turn.app, turn.language, check)
        lines.append(line)
        if check and check.get("latitude") is not None:
            where = turn.t("review.case_map", lat=check["latitude"], lon=check["longitude"])
            lines.append(f"  📍 {where}")
        came_from = moves.get(event.at) if event.to_state == CaseState.RESUBMITTED else None
        if came_from:
            regions = turn.repos.regions
            lines.append(
                turn.t(
                    "review.moved_from",
                    desa=await regions.name_of(came_from),
                    kecamatan=await regions.name_of(came_from.rsplit(".", 1)[0]),
                )
            )
    return lines
