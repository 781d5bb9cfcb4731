"""Who is behind an inbound event: the person found by their channel id, by the chat (a
channel starting to know them by another id) or by a phone another channel verified, or else
created (an admin by the `ADMIN_*` settings); noted as reachable, their verified phone and
last channel kept. The router does this first for every private event."""

from __future__ import annotations

from handlers.account_links import NUMBER_TAKEN_GRACE, number_taken, same_account, tell_linked
from handlers.admin_numbers import admin_by_setting, refused_admin_number
from handlers.context import Turn
from handlers.events import PHONE_KEY_PREFIX
from handlers.link_recency import refuse_stale_link, vouches_now
from handlers.status_explained import STATUS_THREAD
from storage.models import ChannelIdentity, Role, UserStatus


async def identify(turn: Turn) -> None:
    """Find (or create) the person behind the event and note that they can be reached."""
    event, users, now = turn.event, turn.repos.users, turn.now
    # Known: noted as reachable in the same statement that finds them. Their WhatsApp window
    # runs from when they wrote (`sent_at`, the channel's word), not from when we process it.
    wrote_at = event.sent_at
    # Every event of someone who wrote before is one statement; only the first of one who
    # never did (`psm-bot user add` made them), whatever it is ("halo" on WhatsApp, /start on
    # Telegram), and of a stranger, pays for a second.
    key = (event.channel, event.external_user_id)
    identity = await users.touch_started(*key, chat_id=event.chat_id, now=now, wrote_at=wrote_at)
    never_started = False
    if identity is None:
        identity = await users.touch_known(*key, chat_id=event.chat_id, now=now, wrote_at=wrote_at)
        never_started = identity is not None
    if identity is None and (known := await _known_by_chat_or_phone(turn)) is not None:
        identity = await users.touch_identity(
            known.id, chat_id=event.chat_id, now=now, wrote_at=wrote_at
        )
    if identity is None:
        turn.first_contact = True
        is_admin = await admin_by_setting(turn, identity_id=None)
        user = await users.create(
            now=now,
            status=UserStatus.ACTIVE if is_admin else UserStatus.REGISTERING,
            full_name=event.display_name if is_admin else "",
            role=Role.ADMIN if is_admin else None,
            language=turn.app.default_language,
        )
        identity = await users.add_identity(
            user_id=user.id,
            channel=event.channel,
            external_id=event.external_user_id,
            chat_id=event.chat_id,
            now=now,
            wrote_at=wrote_at,
        )
        await turn.repos.audit.record(
            now=now, actor_id=user.id, action="user.first_contact", subject=f"user:{user.id}"
        )
        if not is_admin and _names_admin_number(turn):
            await refused_admin_number(turn, user.id, grace=NUMBER_TAKEN_GRACE)
    else:
        # Whatever waited for them (never started, or a closed WhatsApp window) goes out now.
        # The notice of their account's status first: the answer assumes it.
        turn.released = await turn.repos.outbox.release_waiting(
            user_id=identity.user_id,
            channel=event.channel,
            chat_id=event.chat_id,
            now=now,
            first_thread=STATUS_THREAD,
        )
        user = await users.get(identity.user_id)
        assert user is not None
        turn.first_contact = never_started and not any(
            other.started_at
            for other in await users.identities_of(user.id)
            if other.id != identity.id
        )
        if (user.role != Role.ADMIN or user.status != UserStatus.ACTIVE) and await admin_by_setting(
            turn, identity_id=identity.id
        ):
            before = user.role
            user = await users.update(user.id, now=now, role=Role.ADMIN, status=UserStatus.ACTIVE)
            if before != Role.ADMIN:
                await turn.repos.audit.record(
                    now=now,
                    actor_id=None,
                    action="user.role_changed",
                    subject=f"user:{user.id}",
                    detail={"from": before, "role": Role.ADMIN, "why": "admin_setting"},
                )
    if event.sender_phone and (not identity.phone_verified or identity.phone != event.sender_phone):
        # The number the channel vouches for, also after the person changed number.
        await users.set_identity_phone(identity.id, event.sender_phone, verified=True)
        identity = await users.touch_identity(
            identity.id, chat_id=event.chat_id, now=now, wrote_at=wrote_at
        )
    if user.preferred_channel != event.channel:
        user = await users.update(user.id, now=now, preferred_channel=event.channel)
    turn.user, turn.identity = user, identity


async def _known_by_chat_or_phone(turn: Turn) -> ChannelIdentity | None:
    """A channel may start to know someone by another id (WhatsApp's BSUID arriving after
    the phone: the `wa:` key is replaced); and someone known on another channel by a phone
    that channel verified is the same person, told so on their other channels. A typed
    phone number never links accounts. Another account of the same channel at a number we
    know (a recycled prepaid number: a new WhatsApp account, another BSUID) is a stranger:
    the number is no longer the old account's (`number_taken`)."""
    event, users = turn.event, turn.repos.users
    holder = await users.holder_of_number(event.channel, event.chat_id, event.sender_phone)
    if holder is not None:
        if not same_account(holder.external_id, event.external_user_id):
            await number_taken(turn, holder)
            return None
        if holder.external_id.startswith(PHONE_KEY_PREFIX):
            await users.rekey_identity(holder.id, event.external_user_id)
        return holder
    if event.sender_phone:
        verifier = await users.verified_elsewhere(event.sender_phone, other_than=event.channel)
        if verifier is not None and not vouches_now(verifier, turn.now):
            # A number recycled since: the person behind the silent account is not the writer.
            await refuse_stale_link(turn, verifier, event.sender_phone)
        elif verifier is not None:
            linked = await users.get(verifier.user_id)
            assert linked is not None
            identity = await users.add_identity(
                user_id=linked.id,
                channel=event.channel,
                external_id=event.external_user_id,
                chat_id=event.chat_id,
                now=turn.now,
                wrote_at=event.sent_at,
            )
            await users.set_identity_phone(identity.id, event.sender_phone, verified=True)
            await turn.repos.audit.record(
                now=turn.now,
                actor_id=linked.id,
                action="user.channel_linked",
                subject=f"user:{linked.id}",
                detail={"channel": event.channel},
            )
            await tell_linked(turn, linked, event.sender_phone)
            return await users.identity(event.channel, event.external_user_id)
    return None


def _names_admin_number(turn: Turn) -> bool:
    """Whether the event's number is one the settings name as an admin's."""
    phone = turn.event.sender_phone
    return bool(phone) and phone in turn.app.admin_ids.get(turn.event.channel, frozenset())
