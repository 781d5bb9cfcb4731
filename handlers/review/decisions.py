"""The review decisions: a review action pressed on a case's page, its reason asked when it
needs one, the case moved through the workflow only if it is still as the person saw it
(else they are told who changed it, given back what they typed, and shown the page as it
is), and the people concerned told.

A reason is asked after saying what the action does (sending back: the PSM gets the case back
to correct; rejecting: closed for good), with a Batal button that drops the reason's form and
leaves the case as it is: `cn:<case id>`."""

from __future__ import annotations

from typing import Any

from handlers.case_revision import UNCHANGED_FORM
from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.far_location import REPORT_LOCATION
from handlers.forms.runner import (
    buttons_under,
    cancel_form,
    context_values,
    form_context,
    on_complete,
    resume_form,
    start_form,
)
from handlers.permissions import allowed
from handlers.review.action_forms import close_same_action_forms
from handlers.review.buttons import CASE_PREFIX, QUEUE_PREFIX, record_refusal
from handlers.review.case_page import show_case, tell_to_open
from handlers.review.change_said import last_change_said
from handlers.review.deciders import Deciders
from handlers.review.no_validator import nobody_to_validate
from handlers.review.possible_actions import (
    case_deciders,
    may_try,
    own_report,
    possible_actions,
    stands_in,
)
from handlers.review.queue import last_page, next_to_decide
from handlers.review.reporter import REPORT_FORM, tell_reporter
from handlers.review.send_back_notices import tell_verifier_of_undoing
from handlers.review.verification_check import check_line
from handlers.review.workflow import ACTIONS_BY_CODE, TRANSITIONS
from handlers.scope import scope_of
from storage.models import CaseDetail, FormSession
from storage.models import CaseState as S

NOTE_FORM = "review_note"
NOTE_CANCEL_PREFIX = "cn"  # cn:<case id>: the Batal under a reason's question
# The reason's answer by the form's version: `note` (version 1; version 2 for other actions),
# `correction` (version 2, sending back), `rejection` (version 2, rejecting).
NOTE_ANSWERS = ("correction", "rejection", "note")


async def action_button(turn: Turn, data: str) -> None:
    """A review action: done at once, or after asking for the reason."""
    _, code, raw_id, raw_version = button_fields(data, 4)
    action = ACTIONS_BY_CODE.get(code)
    case_id, version = small_number(raw_id), small_number(raw_version)
    if action is None or case_id is None or version is None:
        await record_refusal(turn, None, {"data": data[:64]})
        turn.reply(turn.t("errors.not_allowed"))
        return
    transition = TRANSITIONS[action]
    if not may_try(turn, action):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(turn.t("errors.not_allowed"))
        return
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    if case is None:  # as its page says (show_case): nothing about other regions
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(turn.t("review.case_not_found"))
        return
    if own_report(turn, case.summary, action):  # an old button, a typed one: the page's words
        await record_refusal(turn, case_id, {"action": action, "own": True})
        turn.reply(turn.t("review.own_report"))
        return
    if version != case.version:
        # A button of an older page: the case changed since (maybe by this very person).
        # Said now, with the page as it is, before a reason is asked that could not be used.
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, old_button=True)
        return
    if transition not in await possible_actions(turn, case):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(
            turn.t(
                "review.not_possible",
                number=case.summary.number,
                state=turn.t(f"case_states.{case.summary.state}"),
            )
        )
        return
    if transition.needs_reason:
        if await _asking_already(turn, case_id, action, version):
            return
        await start_form(
            turn,
            transition.form,
            prefix=turn.t(f"review.ask_reason.{action}", number=case.summary.number) + "\n\n",
            context={
                "case_id": case_id,
                "action": action,
                "version": version,
                # A visit cannot be before the case was reported (forms/followup_visit.yaml).
                "reported_on": turn.app.local_date(case.summary.submitted_at).isoformat(),
                # A verification's location far from it is asked about (far_location.py).
                **_report_location(case),
            },
        )
        return
    await apply(turn, case_id, action, version, reason=None)


def _report_location(case: CaseDetail) -> dict[str, Any]:
    """The form context's location of the house reported, when the report has one."""
    if case.latitude is None or case.longitude is None:
        return {}
    return {REPORT_LOCATION: {"lat": case.latitude, "lon": case.longitude}}


async def _asking_already(turn: Turn, case_id: int, action: str, version: int) -> bool:
    """The action's form for this case is the one open (the button tapped again, a double
    tap on a slow phone): its question is asked again where it was, rather than a second form
    that would come back once the first is sent, about a case already decided. One opened on
    an earlier version of the case (corrected since, its page shown again) is dropped: False,
    a fresh one is asked about the case as it is now."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or session.form_id != TRANSITIONS[action].form:
        return False
    context = form_context(session)
    if context.get("case_id") != case_id or context.get("action") != action:
        return False
    if context.get("version") != version:
        await cancel_form(turn, session)
        return False
    await resume_form(turn, session)
    return True


@buttons_under(NOTE_FORM)
def cancel_row(turn: Turn, session: FormSession) -> list[list[Button]]:
    """A Batal under the reason's question every time it is asked (first, again after a
    reason too short, resumed), which leaves the case as it is."""
    case_id = form_context(session).get("case_id")
    return [[Button(label=turn.t("review.note_cancel"), data=f"{NOTE_CANCEL_PREFIX}:{case_id}")]]


@context_values(NOTE_FORM)
def _note_values(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """The action the reason is for (version 2 asks each its own question)."""
    return {"review_action": str(context.get("action") or "")}


@on_complete(NOTE_FORM)
async def _note_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    context = form_context(session)
    reason = next((answers[name] for name in NOTE_ANSWERS if answers.get(name)), None)
    await apply(
        turn,
        int(context["case_id"]),
        context["action"],
        int(context["version"]),
        reason=reason,
    )


async def cancel_button(turn: Turn, data: str) -> None:
    """Batal under a reason's question: the reason's form is dropped, the case left as it
    is (said so, with its page); a Batal of a reason no longer asked is an old button."""
    assert turn.user is not None
    _, raw_id = button_fields(data, 2)
    case_id = small_number(raw_id)
    session = await turn.repos.forms.active(turn.user.id)
    context = form_context(session) if session is not None else {}
    if (
        session is None
        or case_id is None
        or context.get("case_id") != case_id
        or context.get("action") not in TRANSITIONS
    ):
        turn.reply(turn.t("errors.old_button"))
        return
    await cancel_form(turn, session)
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    if case is None:  # out of the person's scope since: nothing to show
        turn.reply(turn.t("errors.not_allowed"))
        return
    state = turn.t(f"case_states.{case.summary.state}")
    told = turn.t("review.note_cancelled", number=case.summary.number, state=state)
    await show_case(turn, case_id, told + "\n\n")


def _typed_back(turn: Turn, typed: str | None) -> str:
    """The text the person typed for an action that was not taken, to copy (else lost)."""
    if not typed:
        return ""
    return "\n\n" + turn.t("review.typed_not_used", text=typed)  # escaped by t()


async def _tell_changed(
    turn: Turn, case: CaseDetail, *, old_button: bool = False, typed: str | None = None
) -> None:
    """The case changed since the person saw it: by whom (themselves, someone named), what
    it is now, the text they typed to copy, and the page as it is."""
    text = await last_change_said(turn, case)
    if old_button:
        text = turn.t("review.old_button") + " " + text
    text += _typed_back(turn, typed)
    await show_case(turn, case.summary.id, text + "\n\n")


async def move_case(
    turn: Turn,
    case_id: int,
    action: str,
    version: int,
    reason: str | None,
    typed: str | None = None,
    detail: dict[str, Any] | None = None,
) -> CaseDetail | None:
    """Move the case through the workflow if nobody else did first, and audit it; the case
    as it was, or None (the person told why, and given back the reason or `typed`: the text
    they wrote for it). `detail`: what the step records beyond its reason (a verification's
    check)."""
    assert turn.user is not None
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    transition = TRANSITIONS[action]
    typed = typed or reason
    if case is None or not may_try(turn, action):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(turn.t("errors.not_allowed") + _typed_back(turn, typed))
        return None
    if own_report(turn, case.summary, action):  # its reason typed in a form opened before
        await record_refusal(turn, case_id, {"action": action, "own": True})
        turn.reply(turn.t("review.own_report") + _typed_back(turn, typed))
        return None
    if case.version != version or transition not in await possible_actions(turn, case):
        # Changed while the reason was typed (by someone else, or by the person on another
        # page or channel): said as it is, not blamed on someone else.
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, typed=typed)
        return None
    done = await turn.repos.review.transition(
        case_id,
        version=version,
        from_states=tuple(transition.from_states),
        to_state=transition.to_state,
        actor_id=turn.user.id,
        reason=reason,
        now=turn.now,
        detail=detail,
    )
    if not done:  # the version was checked above in this transaction: not expected
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, typed=typed)
        return None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=f"case.{action}",
        subject=f"case:{case_id}",
        # The number too: the entry outlives the case (retention), and is found by it.
        detail={"number": case.summary.number}
        | ({"stand_in": True} if stands_in(turn, action) else {}),
    )
    return case


async def apply(
    turn: Turn,
    case_id: int,
    action: str,
    version: int,
    reason: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move the case (if nobody else did first) and tell the people concerned (`detail`: as
    `move_case`'s)."""
    typed = (detail or {}).get("note")  # a check's note, given back if it cannot be used
    case = await move_case(turn, case_id, action, version, reason, typed=typed, detail=detail)
    if case is None:
        return
    transition = TRANSITIONS[action]
    state_label = turn.t(f"case_states.{transition.to_state}")
    done = turn.t("review.done", number=case.summary.number, state=state_label)
    turn.reply(await _with_way_on(turn, done, case_id))
    dropped = await _drop_corrections(turn, case) if transition.to_state != S.NEEDS_REVISION else 0
    told = ("reporter.correction_dropped", {}) if dropped else None
    await close_same_action_forms(turn, case_id, action)
    # Who may validate a case just verified: the reporter is told whether anybody may, and
    # they are asked to (looked up once for both).
    approvers = (
        await case_deciders(turn, case.summary, "approve")
        if transition.to_state == S.VERIFIED
        else None
    )
    await tell_reporter(turn, case, transition, reason, told, approvers)
    await tell_verifier_of_undoing(turn, case, transition.to_state, reason)
    if approvers is not None:
        await _ask_for_approval(turn, case, detail, approvers)


async def _with_way_on(turn: Turn, done: str, case_id: int) -> Outbound:
    """A decision said, with the way on from it for whoever has a queue: "Berikutnya", the
    next case waiting for their decision (said when there is none), and "Ke antrian", the
    queue page they saw last."""
    if not allowed(turn.user, "case.queue"):
        return Outbound.say(done)
    rows = []
    following = await next_to_decide(turn, case_id)
    if following is not None:
        label = turn.t("review.next_case")
        rows.append([Button(label=label, data=f"{CASE_PREFIX}:{following}")])
    else:
        done += "\n" + turn.t("review.none_next")
    page = await last_page(turn)
    rows.append([Button(label=turn.t("review.to_queue"), data=f"{QUEUE_PREFIX}:{page}")])
    return Outbound.say(done, rows)


async def _drop_corrections(turn: Turn, case: CaseDetail) -> int:
    """The reporter's correction of a case that no longer waits for one (rejected while they
    were correcting it) is closed, with its question about an unchanged correction: sending it
    would only be refused. How many sessions were closed."""
    sessions = await turn.repos.forms.of_user(case.summary.reporter_id, ("active", "paused"))
    closed = 0
    for session in sessions:
        context = form_context(session)
        if (session.form_id == REPORT_FORM and context.get("revising") == case.summary.id) or (
            session.form_id == UNCHANGED_FORM and context.get("case_id") == case.summary.id
        ):
            await cancel_form(turn, session)
            closed += 1
    return closed


async def _ask_for_approval(
    turn: Turn, case: CaseDetail, check: dict[str, Any] | None, who: Deciders
) -> None:
    """Whoever may approve the case just verified (`who`) hears of it (not of their own
    action), with the check in the field in one line; where nobody may (its only coordinator
    reported it, no admin to stand in) the verifier is told so, and what to ask for."""
    assert turn.user is not None  # the case was just moved by them
    if not who.people:
        key = "review.nobody_to_validate"
        turn.reply(await nobody_to_validate(turn, turn.language, key, case.summary))
        return
    key = "review.verified_for_stand_in" if who.standing_in else "review.verified_for_coordinator"
    others = [person for person in who.people if person.id != turn.user.id]
    # Who verified, by their role: the TKSK, a coordinator where the kecamatan has none, or
    # an admin standing in.
    await tell_to_open(
        turn,
        others,
        key,
        number=case.summary.number,
        case_id=case.summary.id,
        labels={"verifier": f"reporter.by_role.{turn.user.role}"},  # in a sentence
        more=lambda language: _check_said(turn, language, check),
    )


def _check_said(turn: Turn, language: str, check: dict[str, Any] | None) -> str:
    """The verifier's check in the field, one line of the notice ("" without one)."""
    line = check_line(turn.app, language, check)
    return turn.app.catalog.text(language, "verification.notice_line", check=line) if line else ""
