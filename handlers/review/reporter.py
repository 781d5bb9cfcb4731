"""The review's round-trip to the reporter: told what became of their report (with the
reason and what comes next), the reviewer's note on a case sent back to them, and the
"Perbaiki" buttons that open such a case for correction."""

from __future__ import annotations

from typing import Any

from handlers.case_revision import UNCHANGED_FORM
from handlers.context import Turn
from handlers.correction_sessions import corrected_case, sort_unfinished
from handlers.delivery import DeliveryKind, Topic
from handlers.district_contact import contact_note
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import (
    RETURNS_TO,
    cancel_form,
    form_context,
    resume_form,
    start_form,
)
from handlers.forms.state import prefilled_state
from handlers.i18n import Catalog
from handlers.review.buttons import REVISE_PREFIX, record_refusal
from handlers.review.change_said import last_change_said
from handlers.review.deciders import Deciders
from handlers.review.no_validator import nobody_to_validate
from handlers.review.possible_actions import case_deciders
from handlers.review.send_back_notes import role_name, sent_back_note
from handlers.review.workflow import Transition
from handlers.scope import own_cases
from storage.models import CaseDetail, CaseSummary, FormSession
from storage.models import CaseState as S

REPORT_FORM = "case_report"
# What comes next for the reporter, by the state their case is in now.
NEXT_STEP = {
    S.SUBMITTED: "reporter.next.submitted",
    S.RESUBMITTED: "reporter.next.submitted",
    S.VERIFIED: "reporter.next.verified",
    S.NEEDS_REVISION: "review.reporter_revise_hint",
    S.APPROVED: "reporter.next.approved",
    S.IN_FOLLOW_UP: "reporter.next.in_follow_up",
    S.RESOLVED: "reporter.next.resolved",
    S.REJECTED: "reporter.next.rejected",
}


async def next_step(
    turn: Turn, language: str, case: CaseSummary, approvers: Deciders | None = None
) -> str:
    """One line on what comes next for the case's reporter ("" for a state without one); a
    closed case sends them to the office of the case's district, with its contact when set;
    a verified one nobody may validate (its only coordinator reported it, no admin to stand
    in) says so rather than promise a validation that cannot come (`approvers`: who may
    validate it, when already looked up)."""
    key = NEXT_STEP.get(case.state)
    if key is None:
        return ""
    if case.state == S.VERIFIED:
        if approvers is None:
            approvers = await case_deciders(turn, case, "approve")
        if not approvers.people:
            key = "reporter.next.nobody_to_validate"
            return await nobody_to_validate(turn, language, key, case)
    text = turn.app.catalog.text(language, key)
    if case.state == S.REJECTED:
        text += await contact_note(turn.repos, turn.app.catalog, language, case.kabupaten_code)
    return text


async def tell_reporter(
    turn: Turn,
    case: CaseDetail,
    transition: Transition,
    reason: str | None,
    detail: tuple[str, dict[str, Any]] | None = None,
    approvers: Deciders | None = None,
) -> None:
    """Every PSM hears what became of each report, with the reason (and an extra line:
    a catalogue key and its values, e.g. a visit's dates); not a suspended one
    (`approvers`: who may validate a case just verified, when already looked up)."""
    reporter = await turn.repos.users.get_active(case.summary.reporter_id)
    if reporter is None or reporter.id == (turn.user.id if turn.user else None):
        return
    catalog, language = turn.app.catalog, reporter.language
    text = catalog.text(
        language,
        "review.reporter_told",
        number=case.summary.number,
        state=catalog.text(language, f"case_states.{transition.to_state}"),
        who=role_name(turn, language, turn.user.role if turn.user else None),
    )
    if reason:
        text += "\n" + catalog.text(language, "review.reporter_reason", reason=reason)
    if detail:
        text += "\n" + catalog.text(language, detail[0], **detail[1])
    buttons = []
    moved = case.summary.model_copy(update={"state": transition.to_state})
    if step := await next_step(turn, language, moved, approvers):
        text += "\n" + step
    if transition.to_state == S.NEEDS_REVISION:
        buttons = [
            [
                Button(
                    label=catalog.text(language, "review.revise"),
                    data=f"{REVISE_PREFIX}:{case.summary.id}",
                )
            ]
        ]
    await turn.deliver(
        reporter.id,
        Outbound(text=text, buttons=buttons, summary=case.summary.number),
        DeliveryKind.NOTICE,
        Topic.REVISION if transition.to_state == S.NEEDS_REVISION else None,
    )


def revise_buttons(catalog: Catalog, language: str, cases: list[CaseSummary]) -> list[list[Button]]:
    """One "Perbaiki <number>" button per case sent back (for /laporan_saya, a hand-over,
    the daily reminder naming one)."""
    return [
        [
            Button(
                label=catalog.text(language, "case.revise_button", number=case.number),
                data=f"{REVISE_PREFIX}:{case.id}",
            )
        ]
        for case in cases
    ]


async def revise_button(turn: Turn, data: str) -> None:
    """The reporter opens a case sent back to them: the summary of their answers to change.
    Only its current reporter (after a hand-over: the receiver), only while it waits. A
    correction of it already begun (open, or a draft) is brought back, never a second one."""
    assert turn.user is not None
    _, raw_id = button_fields(data, 2)
    case_id = small_number(raw_id)
    case = await revisable_case(turn, case_id) if case_id is not None else None
    if case is None:
        await record_refusal(turn, case_id, {"view": "revise", "data": data[:64]})
        # A correction of it begun before it left "sent back" is closed, and said instead.
        if case_id is None or not await _close_leftover_correction(turn, case_id):
            turn.reply(await _not_waiting(turn, case_id))
        return
    heading = await revision_heading(turn, case) + "\n\n"
    begun = await _begun_revision(turn, case)
    if begun is not None:
        await _drop_unchanged_question(turn, begun)  # "Perbaiki" answers it: change answers
        begun = await turn.repos.forms.activate(begun.id, now=turn.now)
        await resume_form(turn, begun, heading)
        return
    state = prefilled_state(turn.app.forms[REPORT_FORM], case.answers)
    await start_form(
        turn,
        REPORT_FORM,
        heading,
        state=state,
        context={"revising": case.summary.id, "version": case.version},
    )


async def _close_leftover_correction(turn: Turn, case_id: int) -> bool:
    """The person's unfinished corrections of a case that no longer waits for them: closed,
    with a note (`sort_unfinished`). Whether there was one."""
    assert turn.user is not None
    sessions = await turn.repos.forms.of_user(turn.user.id, ("active", "paused"))
    leftovers = [s for s in sessions if corrected_case(s) == case_id]
    await sort_unfinished(turn, leftovers)
    return bool(leftovers)


async def _not_waiting(turn: Turn, case_id: int | None) -> str:
    """An old "Perbaiki" of one of the person's cases: which, what was done last, by whom and
    when, and its state now (corrected and sent already, decided meanwhile); the plain refusal
    for a case not theirs (any more)."""
    assert turn.user is not None
    case = await turn.repos.review.detail(case_id, own_cases(turn.user)) if case_id else None
    if case is None:
        return turn.t("review.nothing_to_revise")
    return turn.t("review.old_button") + " " + await last_change_said(turn, case)


async def revisable_case(turn: Turn, case_id: int) -> CaseDetail | None:
    """One of the person's own cases (`own_cases`) that waits for their correction."""
    assert turn.user is not None
    case = await turn.repos.review.detail(case_id, own_cases(turn.user))
    return case if case is not None and case.summary.state == S.NEEDS_REVISION else None


async def revision_heading(turn: Turn, case: CaseDetail) -> str:
    """The top of a correction, opened or taken up again (a draft): which report, and the
    latest send-back's note with who gave it, however long ago the notice came."""
    heading = turn.t("review.revising", number=case.summary.number)
    notes = await turn.repos.reporter_cases.send_back_notes([case.summary.id])
    if case.summary.id in notes:
        heading += "\n\n" + sent_back_note(turn, turn.language, notes[case.summary.id])
    return heading


async def _begun_revision(turn: Turn, case: CaseDetail) -> FormSession | None:
    """The person's unfinished correction of the case as it was sent back this time (open
    or a draft; the newest, should there be several)."""
    assert turn.user is not None
    for session in await turn.repos.forms.of_user(turn.user.id, ("active", "paused")):
        context = form_context(session)
        if (
            session.form_id == REPORT_FORM
            and context.get("revising") == case.summary.id
            and context.get("version") == case.version
        ):
            return session
    return None


async def _drop_unchanged_question(turn: Turn, report: FormSession) -> None:
    """The question asked beside a correction sent with nothing changed (change or send
    anyway?), if it waits: dropped, as the report is opened again to change it."""
    assert turn.user is not None
    active = await turn.repos.forms.active(turn.user.id)
    if (
        active is not None
        and active.form_id == UNCHANGED_FORM
        and active.state.get(RETURNS_TO) == report.id
    ):
        await cancel_form(turn, active)
