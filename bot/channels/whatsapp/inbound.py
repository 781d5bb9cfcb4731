"""WhatsApp webhook messages (as stored in the inbox) to neutral `Inbound` events.

The inbox payload is {"message": <messages[] item>, "contact": <contacts[] item or {}>,
"menu_data": <button data when a typed number picked a numbered option>, "menu_picks":
<[number, button data or null] of a typed list of numbers>, "menu_message": <the outbox id
of the message they were printed in>} (bot/channels/whatsapp/menu.py).
People are keyed by their business-scoped user id (BSUID, `contacts[].user_id`); `wa_id`
(their phone) may be absent for people who use usernames.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from handlers.events import OPEN_WAITING, PHONE_KEY_PREFIX, Inbound, InboundKind, Pick

CHANNEL = "whatsapp"
BSUID_PREFIX = "bsuid:"
_OTHER = ("sticker", "audio", "video", "document", "contacts", "order", "unsupported")


def object_at(value: Any, key: str) -> dict[str, Any]:
    """The object under `key` of a payload's object; {} when either is not an object.
    Meta's payloads are well formed; a field of another type is read as absent, so one odd
    message can neither fail its envelope at the webhook nor its parsing three times."""
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def text_at(value: dict[str, Any], key: str) -> str | None:
    """The string under `key`, or None for anything else."""
    found = value.get(key)
    return found if isinstance(found, str) else None


def sender_ids(payload: dict[str, Any]) -> tuple[str, str | None]:
    """(the key we know the person by, their wa_id if WhatsApp gave it); ("", None) when
    the message names no sender at all.

    Without a matching contact, `from` is the sender's phone (digits) or their BSUID."""
    message, contact = object_at(payload, "message"), object_at(payload, "contact")
    wa_id = text_at(contact, "wa_id") or None
    user_id = text_at(contact, "user_id")
    if user_id:
        return user_id, wa_id
    if wa_id:
        return PHONE_KEY_PREFIX + wa_id, wa_id
    sender = text_at(message, "from") or ""
    if _digits(sender):
        return PHONE_KEY_PREFIX + sender, sender
    return sender, None


def _digits(text: str | None) -> bool:
    return text is not None and re.fullmatch(r"[0-9]+", text) is not None


def sent_at(message: dict[str, Any]) -> datetime | None:
    """When WhatsApp says the message was sent (its `timestamp`, Unix seconds): the start
    of the person's 24-hour window as Meta counts it. None when missing or unreadable."""
    stamp = text_at(message, "timestamp")
    if stamp is None or not (stamp.isascii() and stamp.isdigit()):
        return None
    try:
        return datetime.fromtimestamp(int(stamp), UTC)
    except (OverflowError, OSError, ValueError):  # beyond any date
        return None


def chat_of(payload: dict[str, Any]) -> str:
    """Where replies go: the phone when known, else the BSUID (sent as `recipient`)."""
    key, wa_id = sender_ids(payload)
    return wa_id if wa_id else BSUID_PREFIX + key


def _slash_command(text: str) -> tuple[str, str] | None:
    """(command, arguments) of a text typed as a /command; words typed as commands
    ("batal", "cari Ayu") are read by the router, as on every channel."""
    stripped = text.strip()
    first, _, rest = stripped.partition(" ")
    head = re.sub(r"[^a-z_]", "", first.lower())
    return (head, rest.strip()) if stripped.startswith("/") and head else None


def _coordinate(value: Any) -> float | None:
    """A finite number (or a number written as text), else None: the form then asks for
    the location again."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # not a number; an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _forwarded(context: dict[str, Any]) -> bool:
    """Whether the message's `context` marks it forwarded (`forwarded`, or
    `frequently_forwarded` after five forwards)."""
    return context.get("forwarded") is True or context.get("frequently_forwarded") is True


def _picks(payload: dict[str, Any]) -> dict[str, Any]:
    """`Inbound.picks` and `picked_from` of a typed list of numbers read against the menu."""
    listed = payload.get("menu_picks")
    if not isinstance(listed, list):
        return {}
    picks = tuple(
        Pick(number=item[0], data=item[1] if isinstance(item[1], str) else None)
        for item in listed
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
    )
    message = payload.get("menu_message")
    return {"picks": picks, "picked_from": message if isinstance(message, int) else None}


def account_change(message: dict[str, Any]) -> Inbound | None:
    """Meta's system message that a person's account is known otherwise now (no contacts
    array comes with it): `user_changed_number` (a new phone, `system.wa_id`, and with it a
    new BSUID, `system.user_id`) or `user_changed_user_id` (a new BSUID, no phone). The
    previous BSUID is `system.previous_user_id` (since August 2026); `from` is the old phone.
    None for any other system message, or one that names neither the old nor the new."""
    system = object_at(message, "system")
    if text_at(system, "type") not in ("user_changed_number", "user_changed_user_id"):
        return None
    new_phone = text_at(system, "wa_id") if _digits(text_at(system, "wa_id")) else None
    new_key = text_at(system, "user_id") or (PHONE_KEY_PREFIX + new_phone if new_phone else None)
    old_phone = text_at(message, "from") if _digits(text_at(message, "from")) else None
    old_key = text_at(system, "previous_user_id")
    if not new_key or not (old_key or old_phone):
        return None
    return Inbound(
        channel=CHANNEL,
        external_user_id=new_key,
        chat_id=new_phone or BSUID_PREFIX + new_key,
        kind=InboundKind.ACCOUNT_CHANGED,
        message_id=text_at(message, "id"),
        sender_phone=f"+{new_phone}" if new_phone else None,
        sent_at=sent_at(message),
        previous_user_id=old_key,
        previous_chat_id=old_phone,
    )


def to_inbound(payload: dict[str, Any]) -> Inbound | None:
    """The neutral event for a stored WhatsApp message; None for what is not answered:
    reactions (a thumbs-up to our message asks for nothing), system messages other than an
    account's change, and messages without a sender."""
    message = object_at(payload, "message")
    kind = text_at(message, "type")
    if kind == "system":
        return account_change(message)
    key, wa_id = sender_ids(payload)
    if not key or kind == "reaction":
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_user_id": key,
        "chat_id": chat_of(payload),
        "message_id": text_at(message, "id"),
        "display_name": text_at(object_at(object_at(payload, "contact"), "profile"), "name") or "",
        "sender_phone": f"+{wa_id}" if wa_id else None,
        "forwarded": _forwarded(object_at(message, "context")),
        "sent_at": sent_at(message),
    }
    if text_at(payload, "menu_data"):
        return Inbound(**base, kind=InboundKind.BUTTON, data=payload["menu_data"])
    if kind == "text":
        text = text_at(object_at(message, "text"), "body") or ""
        command = _slash_command(text)
        if command:
            return Inbound(
                **base,
                kind=InboundKind.COMMAND,
                command=command[0],
                command_args=command[1],
                text=text,
            )
        return Inbound(**base, kind=InboundKind.TEXT, text=text, **_picks(payload))
    if kind == "interactive":
        interactive = object_at(message, "interactive")
        reply = object_at(interactive, "button_reply") or object_at(interactive, "list_reply")
        context = text_at(object_at(message, "context"), "id")
        return Inbound(
            **{**base, "message_id": context or base["message_id"]},
            kind=InboundKind.BUTTON,
            data=text_at(reply, "id"),
        )
    if kind == "button":
        # The quick reply of our templates ("Buka pesan", "Buka"): show what waits. The send
        # sets no payload, so Meta's is the button's label (whatever the template says).
        return Inbound(**base, kind=InboundKind.BUTTON, data=OPEN_WAITING)
    if kind == "location":
        location = object_at(message, "location")
        return Inbound(
            **base,
            kind=InboundKind.LOCATION,
            latitude=_coordinate(location.get("latitude")),
            longitude=_coordinate(location.get("longitude")),
        )
    if kind == "image":
        image = object_at(message, "image")
        return Inbound(
            **base,
            kind=InboundKind.PHOTO,
            photo_ref=text_at(image, "id"),
            text=text_at(image, "caption"),
        )
    if kind == "document":
        document = object_at(message, "document")
        return Inbound(
            **base,
            kind=InboundKind.OTHER,
            other_type="document",
            text=text_at(document, "caption"),
            file_ref=text_at(document, "id"),
            file_name=text_at(document, "filename"),
            file_mime=text_at(document, "mime_type"),
        )
    return Inbound(**base, kind=InboundKind.OTHER, other_type=kind if kind in _OTHER else "unknown")
