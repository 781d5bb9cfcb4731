"""Which channel gets a linked person's reminders and notices (in /saya and /pengingat).

Someone known on Telegram and WhatsApp (linked only through phones each channel verified
itself, see handlers/identity.py) chooses one; the choice stays until they change it. Without a
choice the channel they used last is used. Replies always go where the message came from.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields
from handlers.permissions import allowed

PREFIX = "dc"
AUTOMATIC = "auto"


async def _linked_channels(turn: Turn) -> list[str]:
    assert turn.user is not None
    identities = await turn.repos.users.identities_of(turn.user.id)
    return sorted({identity.channel for identity in identities if identity.chat_id})


def channel_name(turn: Turn, channel: str) -> str:
    """A channel as people call it ("WhatsApp"); its own name where the catalogue has none
    (the terminal demo's)."""
    key = f"whatsapp.delivery.channels.{channel}"
    return turn.t(key) if turn.app.catalog.has(key) else channel


async def choice(turn: Turn) -> tuple[str, list[list[Button]]] | None:
    """The current choice and buttons to change it, for people on more than one channel."""
    if not allowed(turn.user, "delivery.choose_channel") or turn.user is None:
        return None
    channels = await _linked_channels(turn)
    if len(channels) < 2:
        return None
    chosen = turn.user.delivery_channel
    if chosen in channels:
        current = channel_name(turn, chosen)
    else:
        last = turn.user.preferred_channel or channels[0]
        current = turn.t("whatsapp.delivery.automatic_now", channel=channel_name(turn, last))
    buttons = [
        [
            Button(
                label=turn.t("whatsapp.delivery.via", channel=channel_name(turn, channel)),
                data=f"{PREFIX}:{channel}",
            )
            for channel in channels
        ],
        [Button(label=turn.t("whatsapp.delivery.automatic"), data=f"{PREFIX}:{AUTOMATIC}")],
    ]
    return turn.t("whatsapp.delivery.ask", current=current), buttons


async def offer(turn: Turn) -> None:
    """The choice as a message of its own (after /pengingat's hours)."""
    offered = await choice(turn)
    if offered is not None:
        turn.reply(Outbound.say(*offered))


async def choose(turn: Turn, data: str) -> None:
    """A channel (or "automatic") was tapped."""
    if not allowed(turn.user, "delivery.choose_channel") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    _, value = button_fields(data, 2)
    channels = await _linked_channels(turn)
    if value != AUTOMATIC and value not in channels:
        turn.reply(turn.t("errors.unknown_button"))
        return
    chosen = None if value == AUTOMATIC else value
    turn.user = await turn.repos.users.update(turn.user.id, now=turn.now, delivery_channel=chosen)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="delivery.channel_chosen",
        subject=f"user:{turn.user.id}",
        detail={"channel": chosen},
    )
    text = (
        turn.t("whatsapp.delivery.now_automatic")
        if chosen is None
        else turn.t("whatsapp.delivery.now_via", channel=channel_name(turn, chosen))
    )
    turn.toast = text
    turn.reply(text)
