"""Who a WhatsApp message is addressed to: `to` with the phone (wa_id) or `recipient` with
the business-scoped user id. Error 131062 says the field was wrong for this person; the
other one is tried once."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.channels.whatsapp.inbound import BSUID_PREFIX
from handlers.events import PHONE_KEY_PREFIX
from storage.models import ChannelIdentity, OutboxItem
from storage.repos import Repos

log = logging.getLogger(__name__)


def other_recipient(identity: ChannelIdentity | None, chat: str) -> str | None:
    """The same person through the other field, if we know them that way: their BSUID
    instead of the phone, or the phone WhatsApp itself gave (never a typed number)."""
    if identity is None:
        return None
    if chat.startswith(BSUID_PREFIX):
        if identity.phone and identity.phone_verified:
            return identity.phone.lstrip("+")
        return None
    if identity.external_id.startswith(PHONE_KEY_PREFIX):
        return None  # known only by the phone
    return BSUID_PREFIX + identity.external_id


async def resend_with_other_field(repos: Repos, item: OutboxItem, *, now: datetime) -> None:
    """A failed status webhook said 131062 (for it, or for the template announcing it): send
    the message once more with the other field; if that was the other field already, the
    message has failed."""
    if item.other_recipient and item.status == "pending":
        return  # the same report twice: the resend is already queued
    if item.other_recipient:
        log.error("WhatsApp refused both recipient fields for outbox %s (status webhook)", item.id)
        await repos.outbox.mark_failed(item.id, error="131062 with both recipient fields")
        return
    await repos.outbox.resend_other_recipient(
        item.id, now=now, error="131062 reported by status webhook"
    )
