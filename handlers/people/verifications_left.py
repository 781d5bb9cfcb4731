"""What a kecamatan's TKSK leaves to the coordinators: a TKSK suspended, made another role or
moved to another kecamatan no longer verifies its cases, and those waiting for them are the
coordinators' to verify (handlers/review/deciders.py). The coordinator is told how many, in
the question before (so she knows) and with the change made."""

from __future__ import annotations

from handlers.context import Turn
from handlers.reminders import verification_queue
from storage.models import Role, User, UserStatus


async def verifications_left(turn: Turn, tksk: User, *, asked: bool) -> str:
    """The line about the cases waiting for `tksk`'s verification ("" when the person is no
    active TKSK or none waits), to add below a question (`asked`: they will go to the
    coordinators) or below the change made (they do now), with the blank line before it."""
    if tksk.role != Role.TKSK or tksk.status != UserStatus.ACTIVE or not tksk.kecamatan_code:
        return ""
    count, _, _ = await verification_queue(turn.repos, tksk)  # his reminder's count
    if count == 0:
        return ""
    key = "people.verifications_will_move" if asked else "people.verifications_moved"
    return "\n\n" + turn.t(key, count=count)


def stops_verifying(before: User, after: User) -> bool:
    """Whether a change of role or region takes an active TKSK off their kecamatan."""
    return before.role == Role.TKSK and (
        after.role != Role.TKSK or after.kecamatan_code != before.kecamatan_code
    )
