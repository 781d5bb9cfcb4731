"""A stranger's own number, shared as a contact the channel vouches is theirs (Telegram's
share-contact whose `user_id` is the sender), that another channel verified for someone we
know: the same person. A WhatsApp-only coordinator told to open the bot on Telegram starts
there as a stranger (/start opens the registration); sharing her number at its phone
question (or anywhere before she is further along) links the Telegram account to her, the
registration dropped, as a new WhatsApp account is linked by its own number
(handlers/identity.py)."""

from __future__ import annotations

from handlers.account_links import channel_name, tell_linked
from handlers.context import Turn
from handlers.events import InboundKind
from handlers.found_again import tell_found_again
from handlers.identifiers import IdentifierError, parse_phone
from handlers.link_recency import refuse_stale_link, vouches_now


async def link_by_shared_contact(turn: Turn) -> bool:
    """When the event is a contact of the sender's own number, the sender is still only
    registering and another channel verified the number for someone without an account
    of this channel yet, whose account there still speaks for them (`vouches_now`; else
    the link is refused, `refuse_stale_link`, and the registration goes on; a forwarded
    contact links nobody): the account becomes theirs (audited `user.channel_linked`), they
    are told here (with their menu, their form or their status) and on their other
    channels (`account_link.linked`). True when so: the event is answered."""
    event, users = turn.event, turn.repos.users
    if event.kind != InboundKind.CONTACT or not event.contact_is_sender or turn.user is None:
        return False
    if event.forwarded:  # a contact forwarded from another chat vouches for nobody here
        return False
    try:
        phone = parse_phone(event.contact_phone or "")
    except IdentifierError:
        return False
    verifier = await users.verified_elsewhere(phone, other_than=event.channel)
    stranger = turn.user
    if verifier is None or verifier.user_id == stranger.id:
        return False
    if not await users.may_link_registering_stranger(stranger.id, to_user=verifier.user_id):
        return False
    if not vouches_now(verifier, turn.now):
        # A number recycled since: the stranger registers on, the contact their answer.
        await refuse_stale_link(turn, verifier, phone)
        return False
    person = await users.get(verifier.user_id)
    assert person is not None
    await users.link_registering_stranger(stranger.id, to_user=person.id)
    identity = await users.identity(event.channel, event.external_user_id)
    assert identity is not None
    await users.set_identity_phone(identity.id, phone, verified=True)
    turn.identity = await users.identity(event.channel, event.external_user_id)
    if person.preferred_channel != event.channel:
        await users.update(person.id, now=turn.now, preferred_channel=event.channel)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=person.id,
        action="user.channel_linked",
        subject=f"user:{person.id}",
        detail={"channel": event.channel, "stranger": stranger.id, "by": "shared_contact"},
    )
    await tell_linked(turn, person, phone)
    others = sorted(
        {i.channel for i in await users.identities_of(person.id) if i.channel != event.channel}
    )
    catalog, language = turn.app.catalog, person.language
    linked = catalog.text(
        language,
        "account_link.linked_here",
        channel=channel_name(catalog, language, event.channel),
        other=" / ".join(channel_name(catalog, language, c) for c in others),
    )
    first = len(turn.replies)
    await tell_found_again(turn, person.id, linked)
    if len(turn.replies) > first:  # the share-contact keyboard has done its work
        turn.replies[first] = turn.replies[first].model_copy(update={"remove_keyboard": True})
    return True
