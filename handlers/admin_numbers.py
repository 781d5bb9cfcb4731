"""Who the `ADMIN_*` settings make admins, and what the admins hear about accounts.

A Telegram id names one account for good. A WhatsApp number does not: Indonesian prepaid
numbers are recycled. So a number in `ADMIN_WHATSAPP_PHONES` makes an admin only of the
first account known at it. Once an account leaves the number (another account took it:
`account_links.number_taken`; Meta moved it to another number: `follow_change`), the number
is given up: audited `user.admin_number_left` (subject `admin-number:<number>`), the admins
told to remove it from the setting, and a later account at it is a stranger like any other
(the admins told at its first message).

A new account at the number may be the admin's own (Meta's `user_changed_user_id`, the number
unchanged, can come after their first message from the new id): when the number is given up
because another account wrote from it, the admins' notices wait the grace the person's own
notice waits, and Meta's word that it was the admin all along keeps the number
(`number_kept`: audited `user.admin_number_kept`, the notices dropped unsent). Whichever
comes first, the admin stays an admin by the setting. Only the account that gave the number
up (named by `user.admin_number_left`) keeps it: the word about a later owner's new id makes
nobody admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from handlers.context import Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.people.common import masked_phone
from storage.models import ChannelIdentity, Role, User

NUMBER_LEFT = "user.admin_number_left"
NUMBER_KEPT = "user.admin_number_kept"
_SUBJECT = "admin-number:"
# The admins' notices about a number given up, one thread each (a thread keeps its latest).
_NOTICES = ("admin_number_left", "admin_refused")


async def admin_by_setting(turn: Turn, *, identity_id: int | None) -> bool:
    """Whether the settings make the event's sender an admin: their channel id named, or
    their number named and never given up (no other account of the channel has or had it).
    `identity_id`: the sender's identity, None when they are new."""
    event = turn.event
    admins = turn.app.admin_ids.get(event.channel, frozenset())
    if event.external_user_id in admins:
        return True
    phone = event.sender_phone
    if not phone or phone not in admins:
        return False
    return not await _given_up(turn, event.channel, event.chat_id, phone, identity_id)


async def is_configured_admin(turn: Turn, person: User) -> bool:
    """Admins named in the configuration (by an id, or a number not given up) are admins
    again at their next message: nobody else changes them."""
    for identity in await turn.repos.users.identities_of(person.id):
        if identity.external_id in turn.app.admin_ids.get(identity.channel, frozenset()):
            return True
        if await _admin_by_number(turn, identity):
            return True
    return False


async def _admin_by_number(turn: Turn, identity: ChannelIdentity) -> bool:
    """Whether `identity`'s verified phone is a setting's number it holds (not given up)."""
    phone = identity.phone
    if not phone or not identity.phone_verified:
        return False
    if phone not in turn.app.admin_ids.get(identity.channel, frozenset()):
        return False
    chat = identity.chat_id or phone.lstrip("+")
    return not await _given_up(turn, identity.channel, chat, phone, identity.id)


async def _given_up(
    turn: Turn, channel: str, chat: str, phone: str, identity_id: int | None
) -> bool:
    users = turn.repos.users
    if await users.other_account_at_number(channel, chat, phone, other_than=identity_id):
        return True
    return await _left(turn, phone)


async def _left(turn: Turn, number: str) -> bool:
    """Whether the setting's `number` was given up, and not kept again since."""
    return await _left_by(turn, number) is not None


async def _left_by(turn: Turn, number: str) -> int | None:
    """The person whose account gave the setting's `number` up (`user.admin_number_left`
    names them) when it is given up and not kept again since; else None."""
    latest = await turn.repos.audit.latest_of(_SUBJECT + number, (NUMBER_LEFT, NUMBER_KEPT))
    if latest is None or latest.action != NUMBER_LEFT:
        return None
    return latest.detail.get("user", 0)


def _thread(notice: str, number: str) -> str:
    return f"{notice}:{number}"


async def note_numbers_left(
    turn: Turn,
    *,
    user_id: int,
    channel: str,
    numbers: set[str],
    grace: timedelta | None = None,
) -> None:
    """`user_id`'s account of `channel` no longer has `numbers` (E.164): any of them a
    setting's admin number is given up (audited) and the admins told to remove it; after
    `grace` when the account may come back to it (`number_kept`)."""
    for number in sorted(numbers & turn.app.admin_ids.get(channel, frozenset())):
        if await _left(turn, number):
            continue
        await turn.repos.audit.record(
            now=turn.now,
            actor_id=None,
            action=NUMBER_LEFT,
            subject=_SUBJECT + number,
            detail={"channel": channel, "user": user_id},
        )
        await tell_admins(
            turn,
            "account_link.admin_number_left",
            phone=number,
            thread=_thread(_NOTICES[0], number),
            not_before=turn.now + grace if grace else None,
        )


async def number_kept(turn: Turn, *, user_id: int, channel: str, number: str) -> None:
    """The channel vouches that the account which wrote from the setting's `number` after
    the admin's was the admin's own (a new id, the number unchanged): the number given up
    meanwhile is kept (audited `user.admin_number_kept`) and the admins' notices about it,
    still waiting their grace, are dropped unsent. Only the person whose account gave the
    number up keeps it: a recycled number's new owner, whose own id changes, is not the
    admin (the number left them long before, named another person)."""
    if number not in turn.app.admin_ids.get(channel, frozenset()):
        return
    if await _left_by(turn, number) != user_id:
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=None,
        action=NUMBER_KEPT,
        subject=_SUBJECT + number,
        detail={"channel": channel, "user": user_id},
    )
    for admin in await turn.repos.users.active_with_role(Role.ADMIN):
        for notice in _NOTICES:
            await turn.repos.outbox.drop_thread(user_id=admin.id, thread=_thread(notice, number))


async def tell_admins(
    turn: Turn,
    key: str,
    *,
    phone: str,
    thread: str | None = None,
    not_before: datetime | None = None,
    **values: str | Callable[[str], str],
) -> None:
    """A notice (`key`, with `phone` masked and `values`; a value that is a function is
    given each admin's language) to every active admin, each in their language: something
    about accounts a person must look at. `thread`, `not_before`: a notice that may be
    taken back (`OutboxRepo.drop_thread`) waits until then."""
    catalog = turn.app.catalog
    for admin in await turn.repos.users.active_with_role(Role.ADMIN):
        said = {k: v(admin.language) if callable(v) else v for k, v in values.items()}
        text = catalog.text(admin.language, key, phone=masked_phone(phone), **said)
        summary = catalog.text(admin.language, "account_link.summary")
        await deliver(
            turn.repos,
            user_id=admin.id,
            message=Outbound(text=text, summary=summary, thread=thread),
            kind=DeliveryKind.NOTICE,
            now=turn.now,
            not_before=not_before,
        )


async def refused_admin_number(turn: Turn, user_id: int, *, grace: timedelta) -> None:
    """A new account writes from a setting's admin number given up: a stranger, not an
    admin; the admins told (audited `user.admin_refused`) after `grace` (it may be the
    admin's own new id: `number_kept`)."""
    phone = turn.event.sender_phone or ""
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=None,
        action="user.admin_refused",
        subject=f"user:{user_id}",
        detail={"channel": turn.event.channel},
    )
    await tell_admins(
        turn,
        "account_link.admin_refused",
        phone=phone,
        thread=_thread(_NOTICES[1], phone),
        not_before=turn.now + grace,
    )
