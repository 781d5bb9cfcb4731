"""The case workflow: which action moves a case from which states to which, and who may.

The states are the foundation's `CaseState`; the roles per action are rows of
handlers/permissions.yaml (`case.<action>`). Resubmission is not an action here: it happens
when the reporter sends the corrected form (needs_revision -> resubmitted).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import CaseState as S


@dataclass(frozen=True)
class Transition:
    """One review action."""

    action: str
    from_states: tuple[S, ...]
    to_state: S
    needs_reason: bool  # a form is asked first (why: sent back, rejected; a visit; a check)
    form: str = "review_note"  # the form that asks for it (forms/<form>.yaml)


WAITING = (S.SUBMITTED, S.RESUBMITTED)
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "verify",
            WAITING,
            S.VERIFIED,
            needs_reason=True,
            form="verification",  # the check in the field: how, what was found, a note, where
        ),
        Transition("send_back", (*WAITING, S.VERIFIED), S.NEEDS_REVISION, needs_reason=True),
        # Also a case sent back that its reporter never corrects (left, suspended): closed.
        Transition(
            "reject", (*WAITING, S.VERIFIED, S.NEEDS_REVISION), S.REJECTED, needs_reason=True
        ),
        Transition("approve", (S.VERIFIED,), S.APPROVED, needs_reason=False),
        Transition(
            "follow_up",
            (S.APPROVED, S.IN_FOLLOW_UP),
            S.IN_FOLLOW_UP,
            needs_reason=True,
            form="followup_visit",  # a visit: date, what was done, next visit
        ),
        Transition("resolve", (S.APPROVED, S.IN_FOLLOW_UP), S.RESOLVED, needs_reason=True),
        Transition("reopen", (S.RESOLVED,), S.IN_FOLLOW_UP, needs_reason=True),
    )
}
# Short codes for button data (<= 64 bytes with the case id and version).
CODES = {
    "verify": "v",
    "send_back": "b",
    "reject": "x",
    "approve": "a",
    "follow_up": "f",
    "resolve": "r",
    "reopen": "o",
}
ACTIONS_BY_CODE = {code: action for action, code in CODES.items()}
