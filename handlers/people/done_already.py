"""A /pengguna button tapped when the person already is as it asks: a double tap of "Ya,
nonaktifkan" (the first tap changed their version), or a second coordinator doing what the
first did. It is said as done, by whom and when (the change's audit entry: "sudah Bapak/Ibu
nonaktifkan (07-12-2026 09.30)"), with the page as it is now; not as a change by someone
else, which it was not, or not a different one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from handlers.context import Turn
from handlers.people.screens import show_person
from handlers.review.case_page import local_time
from storage.models import User


@dataclass(frozen=True, slots=True)
class Asked:
    """What a tap asked, found done: `key` (`people.done_already.<key>`, with `_by` naming
    who and `_by_you` for the presser) says so; `actions` are the audit entries recording
    such a change; `values` the texts' values besides the person's `name`, `by` and `at`;
    `worded` the key of an action said in words of its own when its entry is the latest (a
    region changed is not said as a role given: both answer a desa tapped twice)."""

    key: str
    actions: tuple[str, ...]
    values: dict[str, object] = field(default_factory=dict)
    worded: dict[str, str] = field(default_factory=dict)


# Given the person as they are now: what the tap asked, if they already are so; else None.
DoneCheck = Callable[[User], Awaitable[Asked | None]]


async def tell_done_already(turn: Turn, person: User, asked: Asked) -> None:
    """Say the change is made already (by the presser, or by whom the audit names, and when;
    by nobody named when no entry says), over the person's page as it is now."""
    assert turn.user is not None
    entries, _ = await turn.repos.audit.page(
        actions=asked.actions, subject=f"user:{person.id}", limit=1
    )
    entry = entries[0] if entries else None
    key = asked.worded.get(entry.action, asked.key) if entry is not None else asked.key
    key, values = f"people.done_already.{key}", {"name": person.full_name, **asked.values}
    if entry is not None and entry.actor_id == turn.user.id:
        key, values["at"] = f"{key}_by_you", local_time(turn, entry.at)
    elif entry is not None and entry.actor_id is not None:
        actor = await turn.repos.users.get(entry.actor_id)
        if actor is not None:
            key, values["by"] = f"{key}_by", actor.full_name
            values["at"] = local_time(turn, entry.at)
    await show_person(turn, person.id, turn.t(key, **values) + "\n\n")
