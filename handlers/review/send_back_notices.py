"""Who hears of a send-back (or a rejection) besides the reporter: the one whose verification
it undid (a coordinator sent back or rejected a case the TKSK had verified), told who did it
and the note; and, once the correction comes back, the one who asked for it, told what
changed, when someone else verifies it now (that one hears of it as a case to verify:
`case_notices`). Nobody hears of their own action, nobody twice, nobody who may no longer
see the case."""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import Turn
from handlers.review.case_page import tell_to_open
from handlers.review.deciders import Deciders
from handlers.review.send_back_notes import sent_back_note
from handlers.scope import scope_of
from storage.models import CaseDetail, CaseEvent, Role, SendBackNote, User
from storage.models import CaseState as S


def last_step_into(case: CaseDetail, state: S) -> CaseEvent | None:
    """The case's latest step into `state` (who verified it, who sent it back), if any."""
    return next((event for event in reversed(case.events) if event.to_state == state), None)


async def _told_of(turn: Turn, user_id: int | None, case_id: int) -> User | None:
    """The person, if they are to hear of the case: active, not the one acting now, and still
    seeing it (a TKSK moved to another kecamatan since does not)."""
    if user_id is None or turn.user is None or user_id == turn.user.id:
        return None
    person = await turn.repos.users.get_active(user_id)
    if person is None or await turn.repos.review.detail(case_id, scope_of(person)) is None:
        return None
    return person


# What the verifier of a case hears when it is undone after their verification: the notice,
# and how the note is read (`sent_back_note`'s kind).
UNDONE_AFTER_VERIFICATION = {
    S.NEEDS_REVISION: ("review.sent_back_after_verification", "sent_back"),
    S.REJECTED: ("review.rejected_after_verification", "rejected"),
}


async def tell_verifier_of_undoing(
    turn: Turn, case: CaseDetail, to_state: S, reason: str | None
) -> None:
    """A case sent back or rejected while verified (`case`: as it was): whoever verified it
    (in the field, often) hears from whom (by name), with the note, and what comes next (a
    case sent back is verified again once corrected; a rejected one is closed)."""
    assert turn.user is not None  # who undid it
    verified = last_step_into(case, S.VERIFIED)
    undone = UNDONE_AFTER_VERIFICATION.get(to_state)
    if case.summary.state != S.VERIFIED or verified is None or undone is None:
        return
    verifier = await _told_of(turn, verified.actor_id, case.summary.id)
    if verifier is None or verifier.id == case.summary.reporter_id:
        return
    key, kind = undone
    note = SendBackNote(
        case_id=case.summary.id, at=turn.now, actor_role=turn.user.role, reason=reason
    )
    await tell_to_open(
        turn,
        [verifier],
        key,
        number=case.summary.number,
        case_id=case.summary.id,
        values={"name": turn.user.full_name},
        more=lambda language: sent_back_note(turn, language, note, kind=kind),
    )


async def tell_who_asked_for_correction(
    turn: Turn,
    case: CaseDetail,
    verifiers: Deciders,
    *,
    changed: bool,
    changes: Callable[[str], str],
) -> None:
    """The corrected case (`case`: as it was sent back) came back: whoever sent it back
    hears so, with what changed (`changes`, in a language) or that nothing did, and who
    verifies it now; unless they are among its `verifiers` (told already) or its reporter."""
    asked = last_step_into(case, S.NEEDS_REVISION)
    person = await _told_of(turn, asked.actor_id if asked else None, case.summary.id)
    if person is None or verifiers.includes(person):
        return
    key = "resubmitted_for_sender" if changed else "resubmitted_unchanged_for_sender"
    await tell_to_open(
        turn,
        [person],
        f"review.{key}",
        number=case.summary.number,
        case_id=case.summary.id,
        labels={"verifier": f"reporter.by_role.{_verifying_role(verifiers)}"},  # in a sentence
        more=changes,
    )


def _verifying_role(verifiers: Deciders) -> Role:
    """The role the case waits for now: its TKSK, else the coordinators, else the admins."""
    if verifiers.standing_in:
        return Role.ADMIN
    roles = {person.role for person in verifiers.people}
    return Role.TKSK if Role.TKSK in roles or not roles else Role.COORDINATOR
