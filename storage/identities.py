"""A person's identities on each channel: which chat is whose, since when they have started
the bot, when they last wrote (a WhatsApp window), whether the channel can reach them.

`UserRepo` (storage/users.py) inherits these queries, so they are asked as
`repos.users.identity(...)`, beside the person's own row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.base import Repo
from storage.models import ChannelIdentity, from_db, to_db

# A person's identities, the one they wrote from most recently first.
_RECENT_FIRST = "last_inbound_at IS NULL, last_inbound_at DESC, id"


def _identity(row: Any) -> ChannelIdentity:
    return ChannelIdentity(
        id=row["id"],
        user_id=row["user_id"],
        channel=row["channel"],
        external_id=row["external_id"],
        chat_id=row["chat_id"],
        phone=row["phone"],
        phone_verified=bool(row["phone_verified"]),
        started_at=from_db(row["started_at"]),
        last_inbound_at=from_db(row["last_inbound_at"]),
        unreachable_at=from_db(row["unreachable_at"]),
        menu_key=row["menu_key"],
    )


def _wrote(wrote_at: datetime | None, now: datetime) -> str:
    """A message's `last_inbound_at`: when the channel says it was written, never after we
    process it (a clock ahead of ours); `now` when the channel does not say."""
    return to_db(min(wrote_at, now) if wrote_at else now)


class ChannelIdentityRepo(Repo):
    """Channel identities: the queries `UserRepo` inherits."""

    async def identity(self, channel: str, external_id: str) -> ChannelIdentity | None:
        """The identity a channel knows a person by."""
        row = await self._one(
            "SELECT * FROM channel_identities WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        return _identity(row) if row else None

    async def identities_of(self, user_id: int) -> list[ChannelIdentity]:
        """Every channel identity of a user, most recently used first."""
        rows = await self._all(
            f"SELECT * FROM channel_identities WHERE user_id = ? ORDER BY {_RECENT_FIRST}",
            (user_id,),
        )
        return [_identity(row) for row in rows]

    async def identities_of_many(self, user_ids: list[int]) -> dict[int, list[ChannelIdentity]]:
        """`identities_of` for many people in one query (a broadcast's audience)."""
        rows = await self._all(
            "SELECT * FROM channel_identities WHERE user_id IN (SELECT value FROM json_each(?))"
            f" ORDER BY user_id, {_RECENT_FIRST}",
            (json.dumps(user_ids),),
        )
        found: dict[int, list[ChannelIdentity]] = {}
        for row in rows:
            found.setdefault(row["user_id"], []).append(_identity(row))
        return found

    async def add_identity(
        self,
        *,
        user_id: int,
        channel: str,
        external_id: str,
        chat_id: str | None = None,
        now: datetime | None = None,
        wrote_at: datetime | None = None,
    ) -> ChannelIdentity:
        """Link a channel identity to a user; `now` marks that the person has started the bot,
        their message written at `wrote_at` (default `now`; see `touch_identity`)."""
        started = to_db(now) if now else None
        wrote = _wrote(wrote_at, now) if now else None
        row = await self._one(
            "INSERT INTO channel_identities (user_id, channel, external_id, chat_id, started_at,"
            " last_inbound_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (user_id, channel, external_id, chat_id, started, wrote),
        )
        return _identity(row)

    async def touch_identity(
        self, identity_id: int, *, chat_id: str, now: datetime, wrote_at: datetime | None = None
    ) -> ChannelIdentity:
        """Record an inbound message processed `now`: the person has started the bot and can
        be reached. `last_inbound_at` becomes `wrote_at` (when the channel says they wrote
        it, never after `now`; default `now`), unless it already is later: a message
        redelivered late or out of order does not take back a window a later one opened."""
        identity = await self._touch(
            "id = ?", (identity_id,), chat_id=chat_id, now=now, wrote_at=wrote_at
        )
        assert identity is not None
        return identity

    async def touch_known(
        self,
        channel: str,
        external_id: str,
        *,
        chat_id: str,
        now: datetime,
        wrote_at: datetime | None = None,
    ) -> ChannelIdentity | None:
        """`identity` and `touch_identity` in one statement: None (and nothing written)
        when the channel does not know the person by this id."""
        return await self._touch(
            "channel = ? AND external_id = ?",
            (channel, external_id),
            chat_id=chat_id,
            now=now,
            wrote_at=wrote_at,
        )

    async def touch_started(
        self,
        channel: str,
        external_id: str,
        *,
        chat_id: str,
        now: datetime,
        wrote_at: datetime | None = None,
    ) -> ChannelIdentity | None:
        """`touch_known` for an identity that wrote to the bot before: None (and nothing
        written) for one that never did (`psm-bot user add` made it) as for an unknown one,
        so that its first event is told apart with no read on every later one."""
        return await self._touch(
            "channel = ? AND external_id = ? AND started_at IS NOT NULL",
            (channel, external_id),
            chat_id=chat_id,
            now=now,
            wrote_at=wrote_at,
        )

    async def _touch(
        self,
        where: str,
        params: tuple[Any, ...],
        *,
        chat_id: str,
        now: datetime,
        wrote_at: datetime | None,
    ) -> ChannelIdentity | None:
        wrote = _wrote(wrote_at, now)
        row = await self._one(
            "UPDATE channel_identities SET chat_id = ?, started_at = COALESCE(started_at, ?),"
            " last_inbound_at = MAX(COALESCE(last_inbound_at, ?3), ?3), unreachable_at = NULL"
            f" WHERE {where} RETURNING *",
            (chat_id, to_db(now), wrote, *params),
        )
        return _identity(row) if row else None

    async def set_menu_key(self, identity_id: int, key: str) -> None:
        """Remember which command menu this chat was given (handlers/command_menu.py)."""
        await self._run(
            "UPDATE channel_identities SET menu_key = ? WHERE id = ?", (key, identity_id)
        )

    async def set_identity_phone(self, identity_id: int, phone: str, *, verified: bool) -> None:
        """Store the phone a channel gave (verified) or the person typed (unverified)."""
        await self._run(
            "UPDATE channel_identities SET phone = ?, phone_verified = ? WHERE id = ?",
            (phone, int(verified), identity_id),
        )

    async def identity_by_chat(self, channel: str, chat_id: str) -> ChannelIdentity | None:
        """The identity that owns a chat."""
        row = await self._one(
            "SELECT * FROM channel_identities WHERE channel = ? AND chat_id = ?",
            (channel, chat_id),
        )
        return _identity(row) if row else None

    async def rekey_identity(self, identity_id: int, external_id: str) -> None:
        """The channel now knows the person by another id (e.g. a WhatsApp BSUID)."""
        await self._run(
            "UPDATE channel_identities SET external_id = ? WHERE id = ?",
            (external_id, identity_id),
        )

    async def holder_of_number(
        self, channel: str, chat_id: str, phone: str | None
    ) -> ChannelIdentity | None:
        """The identity of this channel that a number belongs to, as far as we know: the one
        whose chat it is, else one the channel vouched for that phone (a WhatsApp account
        written to by its BSUID). None: no account of this channel has it."""
        row = await self._one(
            "SELECT * FROM channel_identities WHERE channel = ?1 AND (chat_id = ?2"
            " OR (?3 IS NOT NULL AND phone = ?3 AND phone_verified = 1))"
            " ORDER BY chat_id IS NOT ?2, id LIMIT 1",
            (channel, chat_id, phone),
        )
        return _identity(row) if row else None

    async def readdress_identity(
        self, identity_id: int, *, external_id: str, chat_id: str, phone: str | None, verified: bool
    ) -> None:
        """The channel now knows the person by another id, chat or number (Meta's number
        change), or their number is no longer theirs (written to by their id instead)."""
        await self._run(
            "UPDATE channel_identities SET external_id = ?, chat_id = ?, phone = ?,"
            " phone_verified = ? WHERE id = ?",
            (external_id, chat_id, phone, int(verified), identity_id),
        )

    async def release_number(self, identity: ChannelIdentity, *, now: datetime) -> None:
        """The number at `identity`'s chat is another account's now: the identity keeps its
        id but has no chat (nothing is sent to the number; notices wait until the person
        writes again, or go by another channel: `unreachable_at`), and the number, on each
        of the person's identities, is no longer verified as theirs: it never links a new
        account to them again (`verified_elsewhere`)."""
        await self._run(
            "UPDATE channel_identities SET chat_id = NULL, unreachable_at = ? WHERE id = ?",
            (to_db(now), identity.id),
        )
        await self.unverify_number(identity.user_id, {identity.phone, identity.chat_id} - {None})

    async def unverify_number(self, user_id: int, numbers: set[str]) -> None:
        """`numbers` (E.164, or a chat's digits) are no longer verified as the person's on any
        of their identities: none links a new account to them again."""
        for number in numbers:
            await self._run(
                "UPDATE channel_identities SET phone_verified = 0 WHERE user_id = ?"
                " AND (phone = ? OR phone = '+' || ?)",
                (user_id, number, number),
            )

    async def other_account_at_number(
        self, channel: str, chat_id: str, phone: str | None, *, other_than: int | None
    ) -> bool:
        """Whether an identity of this channel other than `other_than` has or had this number
        (its chat, or its phone, verified or no longer: a number taken from it keeps it)."""
        row = await self._one(
            "SELECT 1 FROM channel_identities WHERE channel = ?1 AND id IS NOT ?4 AND"
            " (chat_id = ?2 OR (?3 IS NOT NULL AND phone = ?3)) LIMIT 1",
            (channel, chat_id, phone, other_than),
        )
        return row is not None

    async def merge_registering_stranger(self, user_id: int, *, into: int) -> bool:
        """The channel vouches that a stranger is the person of identity `into` (they wrote
        from their new account before the channel's word came). When the stranger is still
        only registering (no role, requested role, region, case, nor another identity: nothing
        approved, nothing done for anyone; a name typed is no reason to keep them apart):
        their identity is deleted (its id and chat free for the person), their forms
        cancelled (the answers kept as cancelled, never used), what was queued for them
        dropped, and `into` takes when they wrote (the window their message opened, and the
        chat it was written from, are the person's now). The row stays for the audit. False,
        and nothing changed, for anyone else."""
        if not await self._only_registering(user_id):
            return False
        await self._run(
            "UPDATE channel_identities SET"
            " started_at = COALESCE(channel_identities.started_at, s.started_at),"
            " last_inbound_at = MAX(COALESCE(channel_identities.last_inbound_at, s.wrote),"
            " COALESCE(s.wrote, channel_identities.last_inbound_at)), unreachable_at = NULL"
            " FROM (SELECT started_at, last_inbound_at AS wrote FROM channel_identities"
            " WHERE user_id = ?1) AS s WHERE id = ?2",
            (user_id, into),
        )
        await self._run("DELETE FROM channel_identities WHERE user_id = ?", (user_id,))
        await self._drop_stranger(user_id)
        return True

    async def verified_elsewhere(self, phone: str, *, other_than: str) -> ChannelIdentity | None:
        """The identity of another channel than `other_than` that vouched for `phone` (the
        first such person's, their most recently heard from when several): the account a
        new one is linked to by the number, if it still speaks for its person
        (handlers/link_recency.py)."""
        row = await self._one(
            "SELECT * FROM channel_identities WHERE phone = ? AND phone_verified = 1"
            f" AND channel != ? ORDER BY user_id, {_RECENT_FIRST} LIMIT 1",
            (phone, other_than),
        )
        return _identity(row) if row else None

    async def may_link_registering_stranger(self, user_id: int, *, to_user: int) -> bool:
        """Whether `link_registering_stranger` would link: the stranger still only registering
        (as `merge_registering_stranger` asks) and `to_user` without an account on the
        stranger's channel yet."""
        if not await self._only_registering(user_id):
            return False
        taken = await self._one(
            "SELECT 1 FROM channel_identities s JOIN channel_identities t"
            " ON t.channel = s.channel WHERE s.user_id = ? AND t.user_id = ?",
            (user_id, to_user),
        )
        return taken is None

    async def link_registering_stranger(self, user_id: int, *, to_user: int) -> bool:
        """The channel vouches that a stranger's number is the one another channel verified
        for `to_user` (a Telegram contact shared as the sender's own): when it may
        (`may_link_registering_stranger`), the stranger's identity becomes `to_user`'s,
        their forms are cancelled and what was queued for them dropped (True). The row stays
        for the audit. False, and nothing changed, otherwise."""
        if not await self.may_link_registering_stranger(user_id, to_user=to_user):
            return False
        await self._run(
            "UPDATE channel_identities SET user_id = ? WHERE user_id = ?", (to_user, user_id)
        )
        await self._drop_stranger(user_id)
        return True

    async def _only_registering(self, user_id: int) -> bool:
        """Whether the user is a stranger only registering: no role, requested role, region,
        case, nor another identity (nothing approved, nothing done for anyone)."""
        row = await self._one(
            "SELECT 1 FROM users u WHERE u.id = ?1 AND u.status = 'registering'"
            " AND u.role IS NULL AND u.requested_role IS NULL AND u.kabupaten_code IS NULL"
            " AND (SELECT COUNT(*) FROM channel_identities WHERE user_id = ?1) = 1"
            " AND NOT EXISTS (SELECT 1 FROM cases WHERE reporter_id = ?1)",
            (user_id,),
        )
        return row is not None

    async def _drop_stranger(self, user_id: int) -> None:
        """A stranger found to be someone known: their forms cancelled (the answers kept as
        cancelled, never used), what was queued for them dropped."""
        await self._run(
            "UPDATE form_sessions SET status = 'cancelled' WHERE user_id = ?"
            " AND status IN ('active', 'paused')",
            (user_id,),
        )
        await self._run(
            "UPDATE outbox SET status = 'failed', last_error = 'the stranger was someone known'"
            " WHERE user_id = ? AND status IN ('pending', 'waiting')",
            (user_id,),
        )

    async def mark_unreachable(self, channel: str, chat_id: str, *, now: datetime) -> None:
        """The channel refused delivery (blocked, deactivated) until the person writes again."""
        await self._run(
            "UPDATE channel_identities SET unreachable_at = ? WHERE channel = ? AND chat_id = ?",
            (to_db(now), channel, chat_id),
        )

    async def note_window_closed(
        self, channel: str, chat_id: str, *, sent_at: datetime, window: timedelta
    ) -> None:
        """The channel refused, for a closed window, a message it accepted at `sent_at`
        (WhatsApp's late 131047): as the channel counts it, the person last wrote `window`
        or more before then, whatever our record says (the safety net: a message without a
        readable time is recorded when we process it, maybe hours after they wrote): it is
        moved back to that, unless they wrote after the send (their window is open again)."""
        closed_before = to_db(sent_at - window)
        await self._run(
            "UPDATE channel_identities SET last_inbound_at = ?1 WHERE channel = ?2"
            " AND chat_id = ?3 AND last_inbound_at > ?1 AND last_inbound_at <= ?4",
            (closed_before, channel, chat_id, to_db(sent_at)),
        )
