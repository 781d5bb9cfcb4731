"""The follow-up visits of a case as lines of its page (the caller checked the scope)."""

from __future__ import annotations

from datetime import date

from handlers.context import Turn

SHOWN_VISITS = 5
ACTIONS_SHOWN = 200


def day_label(day: date) -> str:
    """A local date as people write it (29-11-2026)."""
    return day.strftime("%d-%m-%Y")


async def visit_lines(turn: Turn, case_id: int) -> list[str]:
    """The heading and the latest visits, oldest first; nothing when there was none."""
    visits = await turn.repos.visits.of_case(case_id)
    if not visits:
        return []
    lines = [turn.t("followup.history_title", count=len(visits))]
    for visit in visits[-SHOWN_VISITS:]:
        recorder = await turn.repos.users.get(visit.recorded_by)
        line = turn.t(
            "followup.history_line",
            date=day_label(visit.visited_on),
            name=recorder.full_name if recorder else "-",
            actions=visit.actions[:ACTIONS_SHOWN],
        )
        if visit.next_visit_on:
            line += " " + turn.t("followup.history_next", date=day_label(visit.next_visit_on))
        lines.append(line)
    return lines
