"""Chat exports leave the chat: a scheduler kind that deletes each export's message once
its `delete_after` has passed since it was sent (EXPORT_MESSAGE_TTL_HOURS, under Telegram's
48 hours). Driven by the outbox rows, so a restart or a missed tick loses no deletion; the
deletion itself is an outbox message like any other (at least once)."""

from __future__ import annotations

from datetime import datetime

from handlers.context import AppContext
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.repos import Repos


async def delete_expired_exports(repos: Repos, app: AppContext, now: datetime) -> None:
    """Queue the deletion of every export message whose time is up."""
    for item in await repos.outbox.due_deletions(now):
        if item.sent and item.ext_message_id and item.chat_id:
            await deliver(
                repos,
                user_id=item.user_id,
                message=Outbound(type="delete", target_message_id=item.ext_message_id),
                kind=DeliveryKind.NOTICE,
                now=now,
                channel=item.channel,
                chat_id=item.chat_id,
            )
        await repos.outbox.deletion_queued(item.outbox_id)
