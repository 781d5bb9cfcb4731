"""Recording a follow-up visit (kunjungan tindak lanjut) of an approved case.

The "follow_up" action of the workflow (handlers/review/workflow.py) opens the visit form
(forms/followup_visit.yaml); once it is confirmed, the case moves through the same workflow
path as every review action (approved or in_follow_up -> in_follow_up, version-checked and
audited), the visit is stored in the same transaction and the reporter is told briefly.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from handlers.context import Turn
from handlers.date_formats import short_date
from handlers.followup_reminders import VISIT_INTERVAL_DAYS
from handlers.forms.runner import context_values, form_context, on_complete
from handlers.review.action_forms import close_same_action_forms
from handlers.review.buttons import record_refusal
from handlers.review.decisions import move_case
from handlers.review.reporter import tell_reporter
from handlers.review.visit_history import day_label
from handlers.review.workflow import TRANSITIONS
from handlers.scope import scope_of
from storage.models import FormSession

VISIT_ACTION = "follow_up"
VISIT_FORM = TRANSITIONS[VISIT_ACTION].form
NEXT_VISIT_EXAMPLE_DAYS = VISIT_INTERVAL_DAYS


@context_values(VISIT_FORM)
def _visit_values(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """What the visit form's questions read (version 3): the local date the case was
    reported (ISO for its rules, as people write it for its messages), and examples worked
    out from today that the date questions take: a visit between the report and today, a
    next visit a week ahead."""
    today = turn.today
    raw = context.get("reported_on") or ""
    reported_on = date.fromisoformat(raw) if raw else None
    example = today - timedelta(days=1)
    if reported_on is not None:
        example = min(today, max(reported_on, example))
    return {
        "case_reported_on": raw,
        "case_reported": day_label(reported_on) if reported_on else "",
        "visit_example": day_label(example),
        "next_visit_example": day_label(today + timedelta(days=NEXT_VISIT_EXAMPLE_DAYS)),
    }


def visit_date(answers: dict[str, Any], today: date, derived: dict[str, Any] | None = None) -> date:
    """The day of the visit from the form's answers: "today" and "yesterday" as of when
    they were picked (`derived`, the answer's facts; a form of version 1 has none: as of
    `today`), or the typed date."""
    day = (answers.get("visit_day") or {}).get("name")
    if derived and derived.get("day"):
        return date.fromisoformat(derived["day"])
    if day == "yesterday":
        return today - timedelta(days=1)
    if day == "other" and answers.get("visit_date"):
        return date.fromisoformat(answers["visit_date"])
    return today


@on_complete(VISIT_FORM)
async def _visit_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    assert turn.user is not None
    context = form_context(session)
    case_id = int(context["case_id"])
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    if case is None:
        await record_refusal(turn, case_id, {"action": VISIT_ACTION})
        turn.reply(turn.t("errors.not_allowed"))
        return
    # A visit adds to the case: another visit recorded meanwhile is no conflict, so the
    # current version is used (a case closed meanwhile is still refused by the workflow).
    moved = await move_case(
        turn, case_id, VISIT_ACTION, case.version, reason=None, typed=answers["actions"]
    )
    if moved is None:
        return
    visited_on = visit_date(answers, turn.today, session.state.get("derived", {}).get("visit_day"))
    next_on = date.fromisoformat(answers["next_visit"]) if answers.get("next_visit") else None
    await turn.repos.visits.add(
        case_id,
        visited_on=visited_on,
        actions=answers["actions"],
        next_visit_on=next_on,
        recorded_by=turn.user.id,
        now=turn.now,
    )
    transition = TRANSITIONS[VISIT_ACTION]
    values = {"number": case.summary.number, "date": short_date(visited_on, turn.language)}
    reply = turn.t(
        "followup.recorded", **values, state=turn.t(f"case_states.{transition.to_state}")
    )
    if next_on:
        reply += "\n" + turn.t("followup.next_planned", date=short_date(next_on, turn.language))
    turn.reply(reply)
    await close_same_action_forms(turn, case_id, VISIT_ACTION)
    detail_key = "followup.reporter_visit_next" if next_on else "followup.reporter_visit"
    detail = {"date": day_label(visited_on)}
    if next_on:
        detail["next"] = day_label(next_on)
    await tell_reporter(turn, moved, transition, reason=None, detail=(detail_key, detail))
