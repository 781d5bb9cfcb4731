"""The follow-up visits of a case as lines of its page (the caller checked the scope)."""

from __future__ import annotations

from datetime import date

from handlers.context import Turn
from handlers.date_formats import short_date
from handlers.masking import mask_identifiers
from storage.scrubber import LINE_CUT

SHOWN_VISITS = 5
ACTIONS_SHOWN = LINE_CUT  # erasure finds the actions cut there too


def day_label(day: date) -> str:
    """A local date as people type it (29-11-2026): the examples of a date to type, and the
    audit's details (read in no one language)."""
    return day.strftime("%d-%m-%Y")


async def visit_lines(turn: Turn, case_id: int, *, by_role: bool = False) -> list[str]:
    """The heading and the latest visits, oldest first; nothing when there was none. Who
    recorded each is named, or said by role (`by_role`: the reporter's own page, which names
    no officer); what was done has NIK/KK-like numbers masked (typed before the free-text
    guard refused them)."""
    visits = await turn.repos.visits.of_case(case_id)
    if not visits:
        return []
    lines = [turn.t("followup.history_title", count=len(visits))]
    for visit in visits[-SHOWN_VISITS:]:
        recorder = await turn.repos.users.get(visit.recorded_by)
        if recorder is None or (by_role and recorder.role is None):
            who = "-"
        elif by_role:
            who = turn.t(f"roles.{recorder.role}")
        else:
            who = recorder.full_name
        line = turn.t(
            "followup.history_line",
            date=short_date(visit.visited_on, turn.language),
            name=who,
            actions=mask_identifiers(visit.actions)[:ACTIONS_SHOWN],
        )
        if visit.next_visit_on:
            line += " " + turn.t(
                "followup.history_next", date=short_date(visit.next_visit_on, turn.language)
            )
        lines.append(line)
    return lines
