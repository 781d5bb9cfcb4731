"""Queueing outgoing messages, and a newer message of a thread dropping the older ones
not sent yet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.base import Repo
from storage.models import to_db

_ENQUEUE = (
    "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
    " not_before, expires_at, created_at, delete_after, topic, broadcast_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMessage:
    """One message to queue: `waiting` holds it until the person starts the bot;
    `delete_after`: seconds after sending at which the channel's copy is deleted; a
    `thread` in `message` (e.g. "training:12") drops the person's older unsent ones of it."""

    user_id: int | None
    channel: str
    chat_id: str | None
    kind: str
    priority: int
    message: dict[str, Any]
    now: datetime
    expires_at: datetime | None = None
    waiting: bool = False
    not_before: datetime | None = None
    delete_after: int | None = None
    topic: str | None = None
    broadcast_id: int | None = None


def _enqueued(new: NewMessage) -> tuple[Any, ...]:
    """The values of `_ENQUEUE` for one message."""
    return (
        new.user_id,
        new.channel,
        new.chat_id,
        new.kind,
        new.priority,
        json.dumps(new.message, ensure_ascii=False),
        "waiting" if new.waiting else "pending",
        to_db(new.not_before or new.now),
        to_db(new.expires_at) if new.expires_at else None,
        to_db(new.now),
        new.delete_after,
        new.topic,
        new.broadcast_id,
    )


# A newer message of a thread (a training's reschedule after its invitation) makes the
# person's older ones of it that are not sent yet stale: they are dropped, whichever channel
# holds them, so what a released hold shows is the current word only. The newest one stays.
# A thread below it ("training:12/reminder": the invitation's reminder) goes with it; its
# own messages drop only their like, never the thread above.
def _of_thread(message: str, thread: str) -> str:
    """SQL: the `message` column's thread is the thread `thread` names, or below it."""
    return (
        f"(json_extract({message}, '$.thread') = {thread} OR substr(json_extract({message},"
        f" '$.thread'), 1, length({thread}) + 1) = {thread} || '/')"
    )


_SUPERSEDE_OLDER = (
    "UPDATE outbox SET status = 'expired' WHERE user_id = ?1 AND status IN ('pending', 'waiting')"
    f" AND {_of_thread('message', '?2')} AND id < (SELECT MAX(id) FROM outbox"
    " WHERE user_id = ?1 AND status IN ('pending', 'waiting')"
    " AND json_extract(message, '$.thread') = ?2)"
)


def _threads(messages: list[NewMessage]) -> list[tuple[int, str]]:
    """The (person, thread) pairs whose older unsent messages `messages` supersede."""
    pairs = {(new.user_id, new.message.get("thread")) for new in messages}
    return [(user_id, thread) for user_id, thread in pairs if user_id and thread]


class OutboxEnqueue(Repo):
    """Queueing into the outbox (part of `OutboxRepo`)."""

    async def enqueue(self, new: NewMessage) -> int:
        """Queue one message (dropping what it supersedes of its thread); returns its id."""
        cursor = await self._run(_ENQUEUE, _enqueued(new))
        item_id = int(cursor.lastrowid)
        await self._supersede_older([new])
        return item_id

    async def enqueue_many(self, messages: list[NewMessage]) -> None:
        """Several `enqueue` (queued in this order) in one round trip."""
        if messages:
            await self.conn.executemany(_ENQUEUE, [_enqueued(new) for new in messages])
            await self._supersede_older(messages)

    async def _supersede_older(self, messages: list[NewMessage]) -> None:
        """Drop the unsent messages the newest of each of their threads supersedes (only
        messages with a thread cost a statement)."""
        threads = _threads(messages)
        if threads:
            await self.conn.executemany(_SUPERSEDE_OLDER, threads)
