"""A rejected registration reviewed again: back to waiting, decided as any other.

A coordinator finds the rejected person with /pengguna and taps "Tinjau ulang" on their page:
the registration waits again (audited, the person told) and its approve / reject buttons are
shown at once. A rejection by mistake is then undone with one more tap, on the usual path.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.people.changes import change_status, changeable
from handlers.people.common import notify
from handlers.people.done_already import Asked
from handlers.people.screens import show_person
from handlers.registration_correction import RECONSIDERED_ACTION, latest_step
from storage.models import User, UserStatus


async def reconsider(turn: Turn, person_id: int, version: int, pressed: str) -> None:
    """Put a rejected registration back among those awaiting a decision."""
    assert turn.user is not None

    async def done(person: User) -> Asked | None:
        """Tapped again: the registration waits since it was reviewed again (not since a
        correction of the person's own)."""
        step = await latest_step(turn.repos, person.id)
        if person.status != UserStatus.PENDING or step is None:
            return None
        if step.action != RECONSIDERED_ACTION:
            return None
        return Asked("reconsidered", (RECONSIDERED_ACTION,))

    person = await changeable(
        turn, person_id, version, pressed, status=UserStatus.REJECTED, done=done
    )
    if person is None:
        return
    changed = await change_status(turn, person, version, UserStatus.PENDING)
    if changed is None:
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=RECONSIDERED_ACTION,
        subject=f"user:{person.id}",
    )
    await notify(turn, changed, "people.you_reconsidered", by=turn.user.full_name)
    await show_person(
        turn, changed.id, turn.t("people.reconsidered", name=changed.full_name) + "\n\n"
    )
