"""A person a channel cannot reach (blocked the bot on Telegram; not on WhatsApp, or unable to
receive there: 131026), whether the channel said so on the send or in a later status report.

That identity is marked unreachable until the person writes there again (`identity_for` then
prefers their other channel). A notice or darurat alert for them goes by their other channel
when they started one, with what was held behind that chat's closed window; otherwise it
fails (one the channel accepted and reported later stays sent), and a darurat alert nobody
could deliver is told to the district's coordinators (the
admins where it has none), so that someone phones the person: the case will not wait for a
TKSK who never heard of it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.delivery import DeliveryKind, choose_identity, deliver
from handlers.events import Button, Outbound
from handlers.i18n import Catalog
from storage.models import OutboxItem, Role, User
from storage.repos import Repos

log = logging.getLogger(__name__)

# Kinds that go to the person wherever they are (replies go where the person wrote; routine
# and bulk messages expire, and the next one takes the other channel by itself).
FOLLOWS_THE_PERSON = frozenset({DeliveryKind.NOTICE, DeliveryKind.ALERT})


# A darurat alert the channel would only try again later than this (Meta holding our
# messages back for an hour or more, or unwell for long) is not left to wait: someone must act
# on the case now (`alert_cannot_wait`, `give_up`).
ALERT_LONGEST_WAIT = 600.0  # seconds


async def reach_elsewhere(
    repos: Repos, catalog: Catalog, item: OutboxItem, *, now: datetime, error: str
) -> bool:
    """`item`'s channel cannot reach its person: mark that, then send it by their other
    channel (True); else False: the caller fails the message (`fail`), or leaves it as the
    channel accepted it (a status report) and tells of an alert (`tell_alert_not_delivered`)."""
    await repos.users.mark_unreachable(item.channel, item.chat_id or "", now=now)
    return await _by_other_channel(repos, item, now=now, error=error)


async def _by_other_channel(repos: Repos, item: OutboxItem, *, now: datetime, error: str) -> bool:
    """Send `item` by its person's other started channel (True), if it follows the person
    and they have one that is not refused either: a chat that never began reaches nobody."""
    if item.user_id is None or item.kind not in FOLLOWS_THE_PERSON:
        return False
    elsewhere = [
        i for i in await repos.users.identities_of(item.user_id) if i.channel != item.channel
    ]
    other = choose_identity(await repos.users.get(item.user_id), elsewhere)
    if other is None or other.chat_id is None or other.unreachable_at is not None:
        return False
    moved = await repos.outbox.move_to_channel(
        item,
        channel=other.channel,
        chat_id=other.chat_id,
        now=now,
        error=f"{error} (sent by {other.channel} instead)",
    )
    log.info("outbox %s: %s message(s) moved to %s", item.id, moved, other.channel)
    return True


async def leave_chat(
    repos: Repos, catalog: Catalog, *, user_id: int, channel: str, chat_id: str, now: datetime
) -> None:
    """`chat_id` is no longer `user_id`'s (their number is another account's): nothing
    queued for it goes there. A notice or darurat alert goes by their other started channel;
    else an alert fails (the coordinators told: an alert never waits), and the rest waits,
    without a chat, until they write again."""
    error = f"{channel} chat {chat_id} is another account's now"
    for item in await repos.outbox.unsent_to_chat(
        user_id=user_id, channel=channel, chat_id=chat_id
    ):
        if await _by_other_channel(repos, item, now=now, error=error):
            continue
        if item.kind == DeliveryKind.ALERT:
            await fail(repos, catalog, item, now=now, error=error)
    await repos.outbox.follow_chat(
        user_id=user_id, channel=channel, old_chat=chat_id, new_chat=None
    )


def alert_cannot_wait(item: OutboxItem, pause_seconds: float) -> bool:
    """Whether `item` is a darurat alert its channel would try again only after more than
    ALERT_LONGEST_WAIT: it is given up now instead (`give_up`)."""
    return item.kind == DeliveryKind.ALERT and pause_seconds > ALERT_LONGEST_WAIT


async def _alert_elsewhere(repos: Repos, item: OutboxItem, *, now: datetime, error: str) -> bool:
    """A darurat alert sent by its person's other started channel (True); this channel is not
    marked unreachable: it only could not send (in time)."""
    return item.kind == DeliveryKind.ALERT and await _by_other_channel(
        repos, item, now=now, error=error
    )


async def give_up(
    repos: Repos, catalog: Catalog, item: OutboxItem, *, now: datetime, error: str
) -> None:
    """`item`'s channel will not send it (in time): a darurat alert goes by its person's other
    started channel if they have one; otherwise it fails (`fail`: an alert's coordinators
    told)."""
    if not await _alert_elsewhere(repos, item, now=now, error=error):
        await fail(repos, catalog, item, now=now, error=error)


async def alert_unannounced(
    repos: Repos, catalog: Catalog, item: OutboxItem, *, now: datetime, error: str
) -> None:
    """`item` stays held behind a closed WhatsApp window with nothing announcing it (a
    template Meta will not send, or holds back): a darurat alert goes by its person's other
    started channel if they have one, else its coordinators are told (it stays held for the
    person's next message)."""
    if not await _alert_elsewhere(repos, item, now=now, error=error):
        await tell_alert_not_delivered(repos, catalog, item, now=now)


async def fail(
    repos: Repos, catalog: Catalog, item: OutboxItem, *, now: datetime, error: str
) -> None:
    """`item` will not be sent: failed, and when it is a darurat alert, the coordinators told
    (not when it was dropped meanwhile: its person suspended while it was being sent)."""
    if await repos.outbox.mark_failed(item.id, error=error):
        await tell_alert_not_delivered(repos, catalog, item, now=now)


async def tell_alert_not_delivered(
    repos: Repos, catalog: Catalog, item: OutboxItem, *, now: datetime
) -> None:
    """When `item` is a darurat alert: the district's coordinators (else the admins) hear
    that it reached nobody at this person's, with the alert's button to open the case (a
    channel that cannot reach them, a send that failed for good, or one held with nothing
    announcing it: a WhatsApp template Meta will not send)."""
    if item.kind != DeliveryKind.ALERT or item.user_id is None:
        return
    person = await repos.users.get(item.user_id)
    if person is None:
        return
    told = [
        u
        for u in await repos.users.active_with_role(
            Role.COORDINATOR, kabupaten_code=person.kabupaten_code
        )
        if u.id != person.id
    ] or [u for u in await repos.users.active_with_role(Role.ADMIN) if u.id != person.id]
    buttons = [
        [Button.model_validate(button) for button in row]
        for row in item.message.get("buttons") or []
    ]
    for user in told:
        await deliver(
            repos,
            user_id=user.id,
            message=Outbound(
                text=_not_delivered_text(catalog, user, person, item),
                summary=item.message.get("summary") or "",
                buttons=buttons,
            ),
            # Not an alert itself: one about an unreachable coordinator must not go round.
            kind=DeliveryKind.NOTICE,
            now=now,
        )


def _not_delivered_text(catalog: Catalog, reader: User, person: User, item: OutboxItem) -> str:
    language = reader.language
    return catalog.text(
        language,
        "delivery.alert_not_delivered",
        number=item.message.get("summary") or "-",
        name=person.full_name or "-",
        role=catalog.text(language, f"roles.{person.role}") if person.role else "-",
    )
