"""What someone not active is told their status lets them do, naming who suspended them or
rejected their registration where that is known.

The notice at the time names who did it ("dinonaktifkan oleh Ibu Sari"); what the person
reads later (any message while suspended or rejected, /bantuan, a training's link) names them
the same way, read from the decision's audit entry (`person.suspended`,
`registration.rejected`). Where it is not known (no entry, or its actor's row is gone) the
text names nobody and keeps its plain wording: it never says a coordinator did what an admin
may have done.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.district_contact import office_text
from handlers.registration_rejection import latest_rejection, reason_of_entry, rejection_text
from storage.models import AuditEntry, User, UserStatus
from storage.repos import Repos

SUSPENDED_ACTION = "person.suspended"
# The thread (`Outbound.thread`) of the notices telling a person their account was suspended
# or is active again: the newer drops an older one still unsent, and one released by the
# person's own message goes before its answer, which then need not say it again.
STATUS_THREAD = "account:status"


def status_notice_released(turn: Turn) -> bool:
    """Whether the person's message just released the notice of their account's status."""
    return STATUS_THREAD in turn.released.threads


async def _actor_name(repos: Repos, entry: AuditEntry | None) -> str | None:
    """The full name of who made the decision an audit entry records; None when unknown."""
    if entry is None or entry.actor_id is None:
        return None
    actor = await repos.users.get(entry.actor_id)
    return actor.full_name if actor is not None else None


async def suspended_by(repos: Repos, person_id: int) -> str | None:
    """Who suspended the person last, by name; None when not known."""
    entries, _ = await repos.audit.page(
        actions=(SUSPENDED_ACTION,), subject=f"user:{person_id}", limit=1
    )
    return await _actor_name(repos, entries[0] if entries else None)


async def rejected_by(repos: Repos, entry: AuditEntry | None) -> str | None:
    """Who made the rejection `entry` records (`latest_rejection`), by name; None when not
    known."""
    return await _actor_name(repos, entry)


def naming(key: str, by: str | None) -> tuple[str, dict[str, Any]]:
    """The catalogue key to say `key` with, and its values: `<key>_by` naming who decided
    when known, else `key` itself (the plain wording)."""
    return (f"{key}_by", {"by": by}) if by else (key, {})


async def status_text(turn: Turn, person: User) -> str:
    """`status_explained.<status>` for `person` (not active): a rejection with its reason and
    what they can do, a suspension, each naming who decided where known and with their
    district office's contact; any other status as it is."""
    key = f"status_explained.{person.status}"
    if person.status == UserStatus.REJECTED:
        entry = await latest_rejection(turn.repos, person.id)
        key, values = naming(key, await rejected_by(turn.repos, entry))
        return await rejection_text(turn, person, reason_of_entry(entry), key, **values)
    if person.status == UserStatus.SUSPENDED:
        key, values = naming(key, await suspended_by(turn.repos, person.id))
        return await office_text(turn, person, key, **values)
    return turn.app.catalog.text(person.language, key)
