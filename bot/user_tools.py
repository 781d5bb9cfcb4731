"""`psm-bot user export ID|--phone NUMBER|--telegram-id N OUT.json`: a person who uses the
bot gets a copy of their own data (UU PDP right of access). The operator names them by our
user id, or by what a data-subject request gives: a phone number (as people write it) or a
Telegram id. Audited, with nothing personal in the log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.export_file import check_output_folder, operator
from bot.runtime import one_transaction
from bot.subject_tools import write_private
from handlers.identifiers import IdentifierError, parse_phone
from storage.models import User
from storage.repos import Repos


@dataclass(frozen=True)
class UserNamed:
    """How the operator names the person: exactly one of the three is set."""

    user_id: int | None = None
    phone: str | None = None  # as typed: 0812..., +62 812..., 62812...
    telegram_id: int | None = None

    @property
    def way(self) -> str:
        """Which one it is, for the audit log (never the value)."""
        if self.phone is not None:
            return "phone"
        return "telegram_id" if self.telegram_id is not None else "id"


class NotOneUser(Exception):
    """Nobody, or more than one person, is named so; the message says which."""


def _who(users: Iterable[User]) -> str:
    return ", ".join(f"{user.id} ({user.role or '-'}, {user.status})" for user in users)


async def find_user(repos: Repos, named: UserNamed) -> int:
    """The id of the one person named, else NotOneUser. By phone, only a number verified
    for them counts (their copy must not go to whoever typed their number)."""
    if named.phone is not None:
        try:
            phone = parse_phone(named.phone)
        except IdentifierError:
            raise NotOneUser(
                "--phone: not an Indonesian mobile number (08..., +628..., 628...)"
            ) from None
        owners = await repos.users.with_phone(phone)
        verified = [user for user, is_verified in owners if is_verified]
        if len(verified) == 1:
            return verified[0].id
        if len(verified) > 1:
            raise NotOneUser(
                f"{len(verified)} users have phone {phone} verified: {_who(verified)};"
                " name one by its id"
            )
        if owners:  # only typed: anyone can type anyone's number at registration
            raise NotOneUser(
                f"phone {phone} was only typed, not verified, by {_who(u for u, _ in owners)}:"
                " it proves nothing about who is asking; check the request, then name them by id"
            )
        raise NotOneUser(f"no user with phone {phone}")
    if named.telegram_id is not None:
        identity = await repos.users.identity("telegram", str(named.telegram_id))
        if identity is None:
            raise NotOneUser(f"no user with Telegram id {named.telegram_id}")
        return identity.user_id
    assert named.user_id is not None
    if await repos.users.get(named.user_id) is None:
        raise NotOneUser(f"no user {named.user_id}")
    return named.user_id


async def export_user(settings: Settings, named: UserNamed, out: Path) -> int:
    """Write everything kept about the person named to a JSON file only its owner can
    read; returns their user id (NotOneUser when nobody, or several people, are named so)."""
    check_output_folder(out)
    async with one_transaction(settings) as (repos, app):
        user_id = await find_user(repos, named)
        data = await repos.users.own_data(user_id)
        assert data is not None
        await repos.audit.record(
            now=datetime.now(UTC),
            actor_id=None,
            action="user.exported",
            subject=f"user:{user_id}",
            detail={"operator": operator(), "found_by": named.way},
        )
    document = {
        "user_id": user_id,
        "exported_at": datetime.now(UTC).astimezone(app.timezone).isoformat(),
        **data,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    await asyncio.to_thread(write_private, out, text)
    return user_id
