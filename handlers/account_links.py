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

from datetime import datetime, timedelta

from handlers.admin_numbers import note_numbers_left, number_kept
from handlers.channel_traits import PhoneProof
from handlers.context import AppContext, Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.events import PHONE_KEY_PREFIX, Inbound, Outbound
from handlers.found_again import merge_stranger, tell_found_again
from handlers.i18n import Catalog
from handlers.people.common import masked_phone
from handlers.unreachable import leave_chat
from storage.models import ChannelIdentity, User
from storage.repos import Repos

# The person's notice that their number is another account's waits this long: a new BSUID
# at their number may be theirs (Meta's `user_changed_user_id`, number unchanged, may come
# after their first message from it; both may be redelivered late after our downtime). The
# notice's word, when it comes, drops the notice (`follow_change`): the order never matters.
NUMBER_TAKEN_GRACE = timedelta(hours=1)


def number_taken_thread(identity_id: int) -> str:
    """The outbox thread of the notice that identity `identity_id`'s number was taken."""
    return f"number_taken:{identity_id}"


async def number_taken(turn: Turn, holder: ChannelIdentity) -> None:
    """Another account of `holder`'s channel has `holder`'s number now: nothing more is
    sent to the number for `holder`'s person (a notice or alert goes by their other channel;
    else an alert fails, the coordinators told, and a notice waits for them to write again),
    the number is no longer verified as theirs (it never links anyone to them again), and
    they are told on their other channels. Audited."""
    repos = turn.repos
    numbers = numbers_of(holder)
    await repos.users.release_number(holder, now=turn.now)
    if holder.chat_id:
        await leave_chat(
            repos,
            turn.app.catalog,
            user_id=holder.user_id,
            channel=holder.channel,
            chat_id=holder.chat_id,
            now=turn.now,
        )
    owner = await forget_numbers(turn, holder, numbers, grace=NUMBER_TAKEN_GRACE)
    if owner is None:
        return
    number = holder.phone or f"+{holder.chat_id}"
    await tell_elsewhere(
        turn,
        owner,
        holder.channel,
        "account_link.number_taken",
        number,
        thread=number_taken_thread(holder.id),
    )
    await repos.audit.record(
        now=turn.now,
        actor_id=None,
        action="user.number_taken",
        subject=f"user:{holder.user_id}",
        detail={"channel": holder.channel},
    )


def numbers_of(identity: ChannelIdentity) -> set[str]:
    """The numbers (E.164) an identity is known at: its phone and a chat that is a number."""
    numbers = {identity.phone} if identity.phone else set()
    if identity.chat_id and identity.chat_id.isdigit():
        numbers.add(f"+{identity.chat_id}")
    return numbers


async def forget_numbers(
    turn: Turn,
    identity: ChannelIdentity,
    numbers: set[str],
    *,
    left: bool = True,
    grace: timedelta | None = None,
) -> User | None:
    """`numbers` are no longer verified as the person's, on each of their identities and on
    their profile (none links a new account to them again); `left`: the account has left
    them, a setting's admin number among them given up (handlers/admin_numbers.py), the
    admins told after `grace` when it may be taken back. Returns the person."""
    users = turn.repos.users
    await users.unverify_number(identity.user_id, numbers)
    if left:
        await note_numbers_left(
            turn, user_id=identity.user_id, channel=identity.channel, numbers=numbers, grace=grace
        )
    owner = await users.get(identity.user_id)
    if owner is not None and owner.phone_verified and owner.phone in numbers:
        owner = await users.update(owner.id, now=turn.now, phone_verified=False)
    return owner


async def tell_linked(turn: Turn, person: User, phone: str) -> None:
    """Tell `person`, on each channel they already use, that an account of the event's
    channel was linked to them by `phone` (masked): if it is not theirs, the coordinator
    can cut it off before it does harm."""
    await tell_elsewhere(turn, person, turn.event.channel, "account_link.linked", phone)


async def tell_merged(
    repos: Repos, app: AppContext, person: User, moved: list[ChannelIdentity], *, now: datetime
) -> list[str]:
    """Tell `person`, on each channel account they now have a chat on that is surely theirs
    (theirs and the ones `moved` to them by `psm-bot user merge`), which accounts were merged
    into theirs (numbers masked), that a merge is not undone, and that if one is not theirs
    the coordinator can suspend their account. Not to a chat at a number no longer verified
    as theirs (where the channel's chat is the number): it may be someone else's by now.
    The channels told."""
    told: list[str] = []
    catalog, language = app.catalog, person.language
    accounts = ", ".join(_account_named(catalog, language, identity) for identity in moved)
    text = catalog.text(language, "account_link.merged", accounts=accounts)
    summary = catalog.text(language, "account_link.summary")
    for identity in await repos.users.identities_of(person.id):
        if identity.chat_id is None or not chat_is_theirs(app, identity):
            continue
        await deliver(
            repos,
            user_id=person.id,
            message=Outbound(text=text, summary=summary),
            kind=DeliveryKind.NOTICE,
            now=now,
            channel=identity.channel,
            chat_id=identity.chat_id,
        )
        told.append(identity.channel)
    return told


def chat_is_theirs(app: AppContext, identity: ChannelIdentity) -> bool:
    """Whether `identity`'s chat reaches the person: always where a chat is the account's
    own (Telegram, a WhatsApp chat by BSUID); where the chat is the number written from
    (WhatsApp), only while that number is verified as theirs (a recycled number's chat is
    its new owner's)."""
    chat = identity.chat_id or ""
    if app.traits(identity.channel).phone_proof != PhoneProof.SENDER_NUMBER or not chat.isdigit():
        return True
    return identity.phone_verified and identity.phone == f"+{chat}"


def _account_named(catalog: Catalog, language: str, identity: ChannelIdentity) -> str:
    """ "WhatsApp +62812*****890": the channel's name and the account's number, masked."""
    name = channel_name(catalog, language, identity.channel)
    numbers = sorted(numbers_of(identity))
    return f"{name} {masked_phone(numbers[0])}" if numbers else name


def channel_name(catalog: Catalog, language: str, channel: str) -> str:
    """The channel's name as people know it ("WhatsApp")."""
    key = f"whatsapp.delivery.channels.{channel}"
    return catalog.text(language, key) if catalog.has(key) else channel


async def tell_elsewhere(
    turn: Turn,
    person: User,
    channel: str,
    key: str,
    phone: str,
    *,
    thread: str | None = None,
    free_only: bool = False,
) -> None:
    """A notice (`key`, naming `channel` and `phone` masked) to `person` on each channel
    other than `channel` where they have a chat; one of a `thread` waits `NUMBER_TAKEN_GRACE`
    (it may be taken back). `free_only`: only chats that reach them for nothing (not
    unreachable, not a number that may be someone else's now, no paid template)."""
    app = turn.app
    catalog, language = app.catalog, person.language
    name = channel_name(catalog, language, channel)
    text = catalog.text(language, key, channel=name, phone=masked_phone(phone))
    summary = catalog.text(language, "account_link.summary")
    for identity in await turn.repos.users.identities_of(person.id):
        if identity.chat_id is None or identity.channel == channel:
            continue
        if free_only and (
            identity.unreachable_at is not None
            or app.traits(identity.channel).charges_for_templates
            or not chat_is_theirs(app, identity)
        ):
            continue
        await deliver(
            turn.repos,
            user_id=person.id,
            message=Outbound(text=text, summary=summary, thread=thread),
            kind=DeliveryKind.NOTICE,
            now=turn.now,
            channel=identity.channel,
            chat_id=identity.chat_id,
            not_before=turn.now + NUMBER_TAKEN_GRACE if thread else None,
        )


async def follow_change(turn: Turn) -> None:
    """The channel says the account it knew by `previous_user_id`, else at the number
    `previous_chat_id`, is known by `external_user_id` at `chat_id` now: the same person.

    Their number is the one the channel gives (verified; none given: the one we had, no
    longer verified), the old one unverified everywhere (not the number the notice comes
    from when it is the chat we knew: a new id alone, the number kept); what waits for them
    follows; any other account we knew at the new number loses it (`number_taken`). The new
    id may be a stranger already (they wrote from the new number before the notice came):
    someone still registering, even with answers given, is dropped, becomes the person and is
    told so; anyone else stays, and the admins are told. Nothing changes when we never knew
    the account."""
    event, users = turn.event, turn.repos.users
    known = await _changed_account(turn)
    if known is None:
        return
    taken = await users.identity(event.channel, event.external_user_id)
    merged = taken is not None and taken.id != known.id
    if merged and not await merge_stranger(turn, taken, known):
        return
    undone = merged and await _number_not_taken(turn, known, taken)
    if undone:
        known = known.model_copy(update={"chat_id": taken.chat_id, "phone_verified": True})
    while (
        holder := await users.holder_of_number(event.channel, event.chat_id, event.sender_phone)
    ) is not None and holder.id != known.id:
        await number_taken(turn, holder)
    kept = _kept_numbers(known, event)
    await forget_numbers(turn, known, numbers_of(known) - kept, left=bool(event.sender_phone))
    phone = event.sender_phone or known.phone
    await users.readdress_identity(
        known.id,
        external_id=event.external_user_id,
        chat_id=event.chat_id,
        phone=phone,
        verified=bool(event.sender_phone) or (known.phone_verified and phone in kept),
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
        detail={"channel": event.channel, **({"number_taken_undone": True} if undone else {})},
    )
    if merged:
        await tell_found_again(turn, known.user_id)


async def _number_not_taken(
    turn: Turn, known: ChannelIdentity, stranger: ChannelIdentity | None
) -> bool:
    """The merged stranger wrote from the number `known` lost to them as another account's
    (`number_taken`: their new BSUID came before Meta's word, the number unchanged): it was
    the person all along. The notice that the number was taken, still waiting its grace,
    is dropped, and the number, vouched by the channel for the stranger, is the person's
    again on their profile when the word comes from it (the identity takes it in
    `follow_change`, as `_kept_numbers` says), and a setting's admin number given up so is
    kept (`number_kept`). True when so."""
    if stranger is None or known.chat_id is not None or not stranger.phone_verified:
        return False
    if not stranger.phone or stranger.phone != known.phone:
        return False
    repos = turn.repos
    await repos.outbox.drop_thread(user_id=known.user_id, thread=number_taken_thread(known.id))
    if turn.event.previous_chat_id != stranger.chat_id:
        return True  # Meta's word not from the number: it may have changed since (unvouched)
    await number_kept(turn, user_id=known.user_id, channel=known.channel, number=stranger.phone)
    owner = await repos.users.get(known.user_id)
    if owner is not None and owner.phone == stranger.phone and not owner.phone_verified:
        await repos.users.update(owner.id, now=turn.now, phone_verified=True)
    return True


def _kept_numbers(known: ChannelIdentity, event: Inbound) -> set[str]:
    """The numbers that stay the person's after the change: the one the channel gives. A new
    id alone: the number of the chat we knew when the notice comes from it (only the id
    changed; unverified, nothing would verify her profile's number again), else none (the
    number may have changed unseen: no longer vouched for, but not left either)."""
    if event.sender_phone:
        return {event.sender_phone}
    chat = known.chat_id
    if chat and chat.isdigit() and event.previous_chat_id == chat:
        return {f"+{chat}"}
    return set()


async def _changed_account(turn: Turn) -> ChannelIdentity | None:
    """The identity the change is about: by its previous id; else (an id we never knew: a
    person still keyed by the number alone) the account at the previous number, when
    that is not another account (another id)."""
    event, users = turn.event, turn.repos.users
    if event.previous_user_id:
        known = await users.identity(event.channel, event.previous_user_id)
        if known is not None:
            return known
    if not event.previous_chat_id:
        return None
    phone = f"+{event.previous_chat_id}"
    holder = await users.holder_of_number(event.channel, event.previous_chat_id, phone)
    if holder is None:
        return None
    if event.previous_user_id and not same_account(holder.external_id, event.previous_user_id):
        return None
    return holder


def same_account(known: str, given: str) -> bool:
    """Whether the key an event gives is the account we know at its number: the same key,
    or either one the phone's placeholder (a payload without the account's id names the
    number only, and that number is this account's)."""
    return (
        known == given or known.startswith(PHONE_KEY_PREFIX) or given.startswith(PHONE_KEY_PREFIX)
    )
