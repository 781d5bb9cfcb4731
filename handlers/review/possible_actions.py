"""Which review actions a person may take on a case now: by their role
(handlers/permissions.yaml), by the case's state (the workflow), and four eyes (no decision
on one's own report; who decides, handlers/review/deciders.py, the admins standing in where
nobody in the region may)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping

from handlers.context import Turn
from handlers.permissions import allowed
from handlers.review.deciders import DECIDING, NOT_ON_OWN, STAND_IN, Deciders, deciders
from handlers.review.workflow import TRANSITIONS, Transition
from storage.models import CaseDetail, CaseSummary

# The order the actions are offered in, the same for every role and state: the step forward
# first (verify, approve, a visit or reopen: one at a time), then send back, reject, resolve.
# An action keeps its place among the others, so training material can say where to tap
# (the workflow's order put approve after send back and reject, but verify before them).
SHOWN_ORDER = ("verify", "approve", "follow_up", "reopen", "send_back", "reject", "resolve")


def case_deciders(turn: Turn, case: CaseSummary, action: str) -> Awaitable[Deciders]:
    """Who may take `action` (verify or approve) on this case."""
    return deciders(
        turn.repos,
        action,
        kecamatan_code=case.kecamatan_code,
        kabupaten_code=case.kabupaten_code,
        authors=case.authors,
    )


async def waiting_deciders(turn: Turn, case: CaseSummary) -> dict[str, Deciders]:
    """Who may take each decision the case's state waits for (verify or approve: at most
    one), worked out once for a page that reads it twice, for its buttons
    (`possible_actions`) and for what it says (nobody to validate)."""
    return {
        action: await case_deciders(turn, case, action)
        for action in sorted(DECIDING)
        if case.state in TRANSITIONS[action].from_states
    }


def own_report(turn: Turn, case: CaseSummary, action: str) -> bool:
    """Whether `action` is a decision the viewer may not take because the case is their own
    (written by them, or handed over to them)."""
    return action in NOT_ON_OWN and turn.user is not None and turn.user.id in case.authors


def waits_for_other_eyes(turn: Turn, case: CaseSummary) -> bool:
    """Whether the viewer would decide on this case now (verify, approve, send back,
    reject), were it not their own."""
    user = turn.user
    if user is None or user.id not in case.authors:
        return False
    return any(
        case.state in TRANSITIONS[action].from_states and allowed(user, f"case.{action}")
        for action in NOT_ON_OWN
    )


async def awaits_decision_by(turn: Turn, case: CaseSummary) -> bool:
    """Whether the case waits for this person's own decision now: its state wants a
    verification or an approval, and they are among who may give it (four eyes, the TKSK
    before the coordinators, the admins standing in)."""
    for action in DECIDING:
        if case.state in TRANSITIONS[action].from_states:
            return (await case_deciders(turn, case, action)).includes(turn.user)
    return False


async def possible_actions(
    turn: Turn, case: CaseDetail, waiting: Mapping[str, Deciders] | None = None
) -> list[Transition]:
    """The review actions this person may take on this case now, in `SHOWN_ORDER`;
    `waiting`: `waiting_deciders` of the case, when already worked out."""
    result = []
    for transition in (TRANSITIONS[action] for action in SHOWN_ORDER):
        if case.summary.state not in transition.from_states or turn.user is None:
            continue
        if own_report(turn, case.summary, transition.action):  # four eyes
            continue
        if transition.action in DECIDING:
            # Four eyes, the TKSK before the coordinators, the admins standing in.
            who = (
                waiting[transition.action]
                if waiting is not None
                else await case_deciders(turn, case.summary, transition.action)
            )
            if not who.includes(turn.user):
                continue
        elif not allowed(turn.user, f"case.{transition.action}"):
            continue
        result.append(transition)
    return result


def stands_in(turn: Turn, action: str) -> bool:
    """Whether the person takes this deciding action (one of `possible_actions`'s) only as an
    admin standing in, not by their role."""
    return action in DECIDING and not allowed(turn.user, f"case.{action}")


def may_try(turn: Turn, action: str) -> bool:
    """Whether the person's role may take this action at all (an admin standing in may
    verify and approve), whatever the case's state."""
    standing_in = action in DECIDING and allowed(turn.user, STAND_IN)
    return allowed(turn.user, f"case.{action}") or standing_in
