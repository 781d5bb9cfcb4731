"""A case sent back for revision comes back: the corrections reach the case (household,
members, photos, consent, region, urgency), the old answers are kept as a version, and the
reviewers hear of it, with what changed (docs/model.md "Case states").

Sent with no answer changed, it is not resubmitted as "corrected": the reporter is told so,
with the reviewer's note, and chooses (form `revision_unchanged`) to go back and change the
answers or to send it as it is with an explanation, which the reviewers read."""

from __future__ import annotations

from typing import Any

from handlers.case_changes import changes_anything
from handlers.case_notices import (
    alert_darurat,
    flag_to_coordinators,
    tell_reviewers_of_revision,
)
from handlers.case_submission import (
    CaseFacts,
    case_facts,
    duplicates_of,
    find_duplicates,
    record_household,
)
from handlers.context import Turn
from handlers.events import Outbound
from handlers.forms.runner import (
    RETURNS_TO,
    final_answers,
    form_context,
    on_complete,
    reopen_form,
    resume_form,
    start_form,
)
from handlers.main_menu import main_menu
from handlers.review.case_moves import move_of, record_move
from handlers.review.send_back_notes import sent_back_note
from handlers.scope import own_cases
from handlers.temp_files import remove_photos_once_unused
from storage.models import CaseDetail, CaseState, FormSession, RevisedFacts

UNCHANGED_FORM = "revision_unchanged"


def _consent(case: CaseDetail, facts: CaseFacts) -> dict[str, Any]:
    """The consent record stays the one first made unless the answer about it changed."""
    old = case.consent
    if old.get("by") == facts.consent["by"] and old.get("method") == facts.consent["method"]:
        return old
    return facts.consent


async def resubmit(
    turn: Turn,
    session: FormSession,
    answers: dict[str, Any],
    facts: CaseFacts,
    explanation: str | None = None,
) -> None:
    """Apply the corrected report to the case sent back, if it still waits for it; one with
    no answer changed only with the reporter's `explanation` (else they are asked first)."""
    assert turn.user is not None
    context = form_context(session)
    case = await turn.repos.review.detail(int(context["revising"]), own_cases(turn.user))
    if (
        case is None
        or case.summary.state != CaseState.NEEDS_REVISION
        or case.version != int(context["version"])
    ):
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    # The answers as sent back, read as the correction's are (only those still relevant).
    sent_back = await final_answers(turn, session, {**session.state, "answers": case.answers})
    if explanation is None and not changes_anything(turn.app, sent_back, answers):
        await _ask_about_unchanged(turn, session, case)
        return
    number = case.summary.number
    people = [(s["name"], s["nik"], s["birth_date"]) for s in case.subjects]
    known = await duplicates_of(turn, people, case.no_kk, case.summary.desa_code)
    household_id, subject_ids = await record_household(
        turn, facts, revising=(case.summary.id, case.household_id)
    )
    revised = await turn.repos.review.revise(
        case.summary.id,
        version=case.version,
        answers=answers,
        details=facts.details,
        description=facts.description,
        categories=facts.categories,
        urgency=facts.urgency,
        actor_id=turn.user.id,
        now=turn.now,
        facts=RevisedFacts(
            household_id=household_id,
            kabupaten_code=facts.kabupaten_code,
            kecamatan_code=facts.kecamatan_code,
            desa_code=facts.desa_code,
            protected=facts.protected,
            consent=_consent(case, facts),
            subject_ids=subject_ids,
            photos=facts.photos,
        ),
        reason=explanation,
    )
    if not revised:
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="case.resubmitted",
        subject=f"case:{case.summary.id}",
        detail={"number": number},
    )
    if move := move_of(case.summary, facts.desa_code):
        await record_move(turn, case.summary.id, move)
    done = "review.unchanged.sent" if explanation else "review.resubmitted"
    turn.reply(Outbound(text=turn.t(done, number=number), remove_keyboard=True))
    turn.reply(main_menu(turn))  # what next, as after a new report
    await tell_reviewers_of_revision(
        turn,
        facts,
        case,
        sent_back=sent_back,
        corrected=answers,
        explanation=explanation,
    )
    if facts.urgency == "darurat":
        # Alerted as new to it; else only those to whom it is new: another kecamatan's TKSK,
        # another kabupaten's coordinators.
        was_darurat = case.summary.urgency == "darurat"
        new_kabupaten = facts.kabupaten_code != case.summary.kabupaten_code
        if not was_darurat or new_kabupaten:
            await alert_darurat(turn, facts, number, case.summary.id)
        elif move:
            await alert_darurat(turn, facts, number, case.summary.id, coordinators=False)
    # Only matches the correction brought: those of the report as sent were dealt with then.
    seen = {m.case_id for m in known} | {case.summary.id}
    matches = [m for m in await find_duplicates(turn, facts) if m.case_id not in seen]
    await flag_to_coordinators(
        turn,
        facts,
        number,
        case.summary.id,
        matches,
        protected=facts.protected and not case.protected,
    )
    # Photos taken out of the case go once no case shows them (files are shared by hash).
    removed = set(case.photos) - set(facts.photos)
    remove_photos_once_unused(turn.repos, turn.app, removed)


async def _ask_about_unchanged(turn: Turn, session: FormSession, case: CaseDetail) -> None:
    """Nothing was changed: said, with the reviewer's note, and the choice asked beside the
    report, which waits at its summary (and comes back after the choice, or its /batal)."""
    report = await reopen_form(turn, session, {**session.state, "phase": "summary"})
    text = turn.t("review.unchanged.notice", number=case.summary.number)
    notes = await turn.repos.reporter_cases.send_back_notes([case.summary.id])
    if note := notes.get(case.summary.id):  # as on the correction screen: who, when, what
        text += "\n" + sent_back_note(turn, turn.language, note)
    await start_form(
        turn,
        UNCHANGED_FORM,
        text + "\n\n",
        context={"case_id": case.summary.id},
        returns_to=report.id,
    )


@on_complete(UNCHANGED_FORM)
async def _unchanged_decided(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Back to the report's summary to change answers (brought back here, in one message:
    what to do, then the summary), or the report sent as it is with the explanation."""
    assert turn.user is not None
    choice = answers.get("choice") or {}
    report_id = session.state.get(RETURNS_TO)
    report = await turn.repos.forms.get(int(report_id)) if report_id is not None else None
    if (
        report is None
        or report.user_id != turn.user.id
        or report.status != "paused"
        or form_context(report).get("revising") is None
    ):
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    if choice.get("name") != "send":
        report = await turn.repos.forms.activate(report.id, now=turn.now)
        await resume_form(turn, report, turn.t("review.unchanged.change") + "\n\n")
        return
    report_answers = await final_answers(turn, report, report.state)
    sent = await turn.repos.forms.save(
        report.id, state=report.state, status="completed", now=turn.now
    )
    facts = case_facts(report_answers, sent, turn)
    await resubmit(turn, sent, report_answers, facts, explanation=answers.get("explanation"))
