"""Storing who someone is from a registration-like form (full registration, a training's
light registration): their name and the phone, verified only when the channel vouched for it,
which becomes their channel identity's phone too."""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from storage.models import User


async def store_person(turn: Turn, answers: dict[str, Any], **fields: Any) -> User:
    """Save name and phone from `answers` plus `fields` on the person; returns them."""
    assert turn.user is not None and turn.identity is not None
    phone = answers["phone"]
    turn.user = await turn.repos.users.update(
        turn.user.id,
        now=turn.now,
        full_name=answers["full_name"],
        phone=phone["e164"],
        phone_verified=phone["verified"],
        **fields,
    )
    await turn.repos.users.set_identity_phone(
        turn.identity.id, phone["e164"], verified=phone["verified"]
    )
    return turn.user
