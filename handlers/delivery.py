"""The one delivery path: every message the bot sends goes through `deliver`.

Messages are written to the outbox in the caller's transaction, so a reply or notice exists
exactly when the change that causes it does; channel senders drain the outbox afterwards.
The NIK/KK mask is applied here, before anything is stored or sent, and a text whose HTML
Telegram would refuse is repaired (`handlers.markup`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from handlers.events import Button, Outbound
from handlers.markup import safe_html
from handlers.masking import mask_identifiers
from storage.models import ChannelIdentity, User
from storage.outbox_enqueue import NewMessage
from storage.repos import Repos

log = logging.getLogger(__name__)


class DeliveryKind(StrEnum):
    """How a message is delivered (see docs/model.md, Delivery)."""

    REPLY = "reply"  # answer to the person's own message: at least once, first in line
    TRANSIENT = "transient"  # callback answers and edits: best effort, never replayed
    ALERT = "alert"  # an emergency (darurat): at least once, first in line, never held
    NOTICE = "notice"  # something happened that concerns them: at least once, waits for start
    ROUTINE = "routine"  # reminders: at most once, expire
    BULK = "bulk"  # broadcasts: at most once, behind everything else


class Topic(StrEnum):
    """Messages that go first when a channel can reach only some people today (WhatsApp's
    messaging limit): after darurat alerts, before routine reminders."""

    REVISION = "revision"  # a case sent back to its reporter
    TRAINING = "training"  # invitations, reminders and changes of a Bimtek


PRIORITY = {
    DeliveryKind.REPLY: 0,
    DeliveryKind.TRANSIENT: 0,
    DeliveryKind.ALERT: 0,
    DeliveryKind.NOTICE: 1,
    DeliveryKind.ROUTINE: 2,
    DeliveryKind.BULK: 3,
}
AT_MOST_ONCE = frozenset({DeliveryKind.ROUTINE, DeliveryKind.BULK})
ROUTINE_LIFETIME = timedelta(hours=12)
PLAIN_TEXT_TYPES = frozenset({"callback_answer", "menu", "delete"})


def masked(message: Outbound) -> Outbound:
    """The message with every NIK/KK-like number masked in its text, buttons and summary
    (a WhatsApp template's parameter), and its text's HTML one Telegram can parse."""
    return message.model_copy(
        update={
            "text": _html_checked(message, mask_identifiers(message.text)),
            "request_label": mask_identifiers(message.request_label),
            "summary": mask_identifiers(message.summary),
            "buttons": [
                [Button(label=mask_identifiers(b.label), data=b.data) for b in row]
                for row in message.buttons
            ],
        }
    )


def _html_checked(message: Outbound, text: str) -> str:
    """Texts and captions are HTML; a callback answer's toast is plain text, left as it is."""
    return text if message.type in PLAIN_TEXT_TYPES else safe_html(text)


async def deliver(
    repos: Repos,
    *,
    user_id: int,
    message: Outbound,
    kind: DeliveryKind,
    now: datetime,
    channel: str | None = None,
    chat_id: str | None = None,
    not_before: datetime | None = None,
    topic: str | None = None,
) -> int | None:
    """Queue a message for a person; returns the outbox id, or None if they have no channel.

    Without an explicit channel the one the person chose is used (else the one they used
    last; see `identity_for`). Someone who never started the bot cannot be written to:
    notices wait until they do, routine messages expire. `topic` ("revision", "training")
    puts a message first when a channel can reach only some people today. A message's own
    `expires_at` bounds it whatever its kind; its `thread` drops the person's older unsent
    message of that thread (`OutboxRepo.enqueue`).
    """
    fields = dict(
        user_id=user_id, message=message, kind=kind, now=now, not_before=not_before, topic=topic
    )
    if channel is None or chat_id is None:
        row = _queued_to(await identity_for(repos, user_id), **fields)
        if row is None:
            return None
    else:
        row = _queued(channel=channel, chat_id=chat_id, **fields)
    return await repos.outbox.enqueue(row)


async def deliver_to_chat(
    repos: Repos,
    *,
    user_id: int | None,
    messages: list[Outbound],
    kind: DeliveryKind,
    now: datetime,
    channel: str,
    chat_id: str,
) -> None:
    """`deliver` for messages to the chat an event came from (a turn's replies), queued in
    one round trip; best-effort ones (callback answers, edits) go as transient."""
    await repos.outbox.enqueue_many(
        [
            _queued(
                user_id=user_id,
                message=message,
                kind=kind,
                now=now,
                channel=channel,
                chat_id=chat_id,
            )
            for message in messages
        ]
    )


def _queued(
    *,
    user_id: int | None,
    message: Outbound,
    kind: DeliveryKind,
    now: datetime,
    channel: str,
    chat_id: str | None,
    waiting: bool = False,
    not_before: datetime | None = None,
    topic: str | None = None,
    broadcast_id: int | None = None,
) -> NewMessage:
    """The outbox row for one message."""
    if message.best_effort and kind != DeliveryKind.TRANSIENT:
        kind = DeliveryKind.TRANSIENT
    lifetime = (not_before or now) + ROUTINE_LIFETIME if kind in AT_MOST_ONCE else None
    expires_at = min((t for t in (lifetime, message.expires_at) if t), default=None)
    return NewMessage(
        user_id=user_id,
        channel=channel,
        chat_id=chat_id,
        kind=kind,
        priority=PRIORITY[kind],
        message=masked(message).model_dump(mode="json", exclude_defaults=True),
        now=now,
        expires_at=expires_at,
        waiting=waiting,
        not_before=not_before,
        delete_after=message.delete_after,
        topic=topic,
        broadcast_id=broadcast_id,
    )


async def identity_for(repos: Repos, user_id: int) -> ChannelIdentity | None:
    """Where reminders and notices go (`choose_identity`)."""
    user = await repos.users.get(user_id)
    return choose_identity(user, await repos.users.identities_of(user_id))


def choose_identity(user: User | None, identities: list[ChannelIdentity]) -> ChannelIdentity | None:
    """The channel the person chose, unless it cannot reach them (blocked); otherwise the
    one they used last (`identities` most recently used first), a reachable one first."""
    preferred = user and (user.delivery_channel or user.preferred_channel)
    identities = sorted(
        identities, key=lambda i: (i.unreachable_at is not None, i.channel != preferred)
    )
    return identities[0] if identities else None


async def deliver_to_people(
    repos: Repos,
    messages: list[tuple[User, Outbound]],
    *,
    kind: DeliveryKind,
    now: datetime,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
) -> int:
    """`deliver` to many people at once (a broadcast to a district's thousands): their
    channels read in one query, the messages queued in one round trip, so the transaction
    holds the writer for milliseconds, not seconds. Returns how many were queued (someone
    without a channel is skipped, as `deliver` skips them)."""
    identities = await repos.users.identities_of_many([user.id for user, _ in messages])
    rows = []
    for user, message in messages:
        row = _queued_to(
            choose_identity(user, identities.get(user.id, [])),
            user_id=user.id,
            message=message,
            kind=kind,
            now=now,
            not_before=not_before,
            broadcast_id=broadcast_id,
        )
        if row is not None:
            rows.append(row)
    await repos.outbox.enqueue_many(rows)
    return len(rows)


def _queued_to(
    identity: ChannelIdentity | None, *, user_id: int, **fields: Any
) -> NewMessage | None:
    """The outbox row of a message to the person at `identity` (held until they start the
    bot); None, logged, when they have no channel (notices wait, routine ones expire)."""
    if identity is None:
        log.warning("user %s has no channel identity; message not queued", user_id)
        return None
    return _queued(
        user_id=user_id,
        channel=identity.channel,
        chat_id=identity.chat_id,
        waiting=identity.chat_id is None,
        **fields,
    )
