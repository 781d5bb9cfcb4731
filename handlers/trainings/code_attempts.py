"""A limit on wrong check-in codes, so nobody can try codes without end: after MAX_WRONG
wrong codes within WINDOW, code check-in is refused to that person for LOCKOUT.

Wrong codes are counted from their audit rows (`training.code_wrong`, read through the
(actor_id, at) index), so a restart does not reset the count. Attempts refused while locked
out are not tried, so they are neither counted nor audited. Expired codes (a real code read
too late) and text that is no code at all cannot guess anything and are not counted.
Coordinators' walk-ins and statuses set by hand do not go through codes and are not limited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.context import Turn
from handlers.trainings.common import audit, clock_time
from storage.trainings import Training, TrainingDay

MAX_WRONG = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACTION = "training.code_wrong"


def locked_until_of(wrong: Sequence[datetime], now: datetime) -> datetime | None:
    """Until when code check-in stays refused, given the times of the wrong codes (oldest
    first): LOCKOUT after any wrong code that was the MAX_WRONG-th within WINDOW."""
    until = None
    for last in range(MAX_WRONG - 1, len(wrong)):
        if wrong[last] - wrong[last - MAX_WRONG + 1] < WINDOW:
            until = wrong[last] + LOCKOUT
    return until if until is not None and until > now else None


async def locked_until(turn: Turn) -> datetime | None:
    """Until when the person of the turn may not try codes; None when they may."""
    assert turn.user is not None
    wrong = await turn.repos.audit.times_of(
        actor_id=turn.user.id, action=ACTION, since=turn.now - WINDOW - LOCKOUT
    )
    return locked_until_of(wrong, turn.now)


async def record_wrong(
    turn: Turn, candidates: list[tuple[Training, TrainingDay]]
) -> datetime | None:
    """Audit a wrong code (the trainings it was tried against); until when the person is now
    locked out, if this one reached the limit."""
    assert turn.user is not None
    tried = {"trainings": [training.id for training, _ in candidates]}
    await audit(turn, candidates[0][0], ACTION, tried)
    return await locked_until(turn)


def locked_text(turn: Turn, until: datetime) -> str:
    """The refusal, saying when to try again (local time, the minute rounded up)."""
    minute = until.replace(second=0, microsecond=0)
    if minute < until:
        minute += timedelta(minutes=1)
    return turn.t(
        "training.code_locked", time=clock_time(turn.app, minute), zone=turn.app.zone_name
    )
