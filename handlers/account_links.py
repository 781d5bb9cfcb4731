"""Which person a channel account belongs to when accounts and numbers change hands.

- A number we know written from by another account of the same channel (Indonesian prepaid
  numbers are recycled; the new owner's WhatsApp account has a BSUID of its own): the
  number is no longer the old account's (`number_taken`); the writer is a stranger.
- A new account linked to someone by the phone another channel verified, maybe years ago:
  they are told on the channels they already use (`tell_linked`), so a takeover is noticed.
- The channel's own word that an account changed number or id (WhatsApp's system messages
  `user_changed_number`, `user_changed_user_id`): the person follows (`follow_change`).
"""

from __future__ import annotations

import logging

from handlers.context import Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.people.common import masked_phone
from storage.models import ChannelIdentity, User

log = logging.getLogger(__name__)


async def number_taken(turn: Turn, holder: ChannelIdentity) -> None:
    """Another account of `holder`'s channel writes from `holder`'s number: nothing more is
    sent to the number for `holder`'s person (what waited for it waits for them to write
    again), the number is no longer verified as theirs (it never links anyone to them
    again), and they are told on their other channels. Audited."""
    repos = turn.repos
    numbers = {holder.phone, f"+{holder.chat_id}" if holder.chat_id else None} - {None}
    await repos.users.release_number(holder, now=turn.now)
    if holder.chat_id:
        await repos.outbox.follow_chat(
            user_id=holder.user_id, channel=holder.channel, old_chat=holder.chat_id, new_chat=None
        )
    owner = await repos.users.get(holder.user_id)
    if owner is None:
        return
    if owner.phone_verified and owner.phone in numbers:
        owner = await repos.users.update(owner.id, now=turn.now, phone_verified=False)
    number = holder.phone or f"+{holder.chat_id}"
    await _tell_elsewhere(turn, owner, holder.channel, "account_link.number_taken", number)
    await repos.audit.record(
        now=turn.now,
        actor_id=None,
        action="user.number_taken",
        subject=f"user:{holder.user_id}",
        detail={"channel": holder.channel},
    )


async def tell_linked(turn: Turn, person: User, phone: str) -> None:
    """Tell `person`, on each channel they already use, that an account of the event's
    channel was linked to them by `phone` (masked): if it is not theirs, the coordinator
    can cut it off before it does harm."""
    await _tell_elsewhere(turn, person, turn.event.channel, "account_link.linked", phone)


async def _tell_elsewhere(turn: Turn, person: User, channel: str, key: str, phone: str) -> None:
    """A notice (`key`, naming `channel` and `phone` masked) to `person` on each channel
    other than `channel` where they have a chat."""
    catalog, language = turn.app.catalog, person.language
    channel_key = f"whatsapp.delivery.channels.{channel}"
    name = catalog.text(language, channel_key) if catalog.has(channel_key) else channel
    text = catalog.text(language, key, channel=name, phone=masked_phone(phone))
    summary = catalog.text(language, "account_link.summary")
    for identity in await turn.repos.users.identities_of(person.id):
        if identity.chat_id is None or identity.channel == channel:
            continue
        await deliver(
            turn.repos,
            user_id=person.id,
            message=Outbound(text=text, summary=summary),
            kind=DeliveryKind.NOTICE,
            now=turn.now,
            channel=identity.channel,
            chat_id=identity.chat_id,
        )


async def follow_change(turn: Turn) -> None:
    """The channel says the account it knew by `previous_user_id` (else at the number
    `previous_chat_id`) is known by `external_user_id` at `chat_id` now: the same person,
    their number the one the channel gives (verified; none given: the one we had, no longer
    verified), what waits for them following. Nothing
    changes when we never knew that account, or when the new id is another person's
    already (they wrote from it before the notice came: logged for the operators)."""
    event, users = turn.event, turn.repos.users
    if event.previous_user_id:
        known = await users.identity(event.channel, event.previous_user_id)
    else:
        known = await users.identity_by_chat(event.channel, event.previous_chat_id or "")
    if known is None:
        return
    taken = await users.identity(event.channel, event.external_user_id)
    if taken is not None and taken.id != known.id:
        log.warning(
            "%s account change for user %s: the new id is user %s's already; left as is",
            event.channel,
            known.user_id,
            taken.user_id,
        )
        return
    await users.readdress_identity(
        known.id,
        external_id=event.external_user_id,
        chat_id=event.chat_id,
        # No number given (a new BSUID only): the number may have changed too, unseen.
        phone=event.sender_phone or known.phone,
        verified=bool(event.sender_phone),
    )
    if known.chat_id and known.chat_id != event.chat_id:
        await turn.repos.outbox.follow_chat(
            user_id=known.user_id,
            channel=event.channel,
            old_chat=known.chat_id,
            new_chat=event.chat_id,
        )
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=known.user_id,
        action="user.number_changed",
        subject=f"user:{known.user_id}",
        detail={"channel": event.channel},
    )
