"""What conversations may assume about a channel, without knowing its name.

Each adapter declares its `ChannelTraits` (bot/channels/<channel>/channel.py); the running bot
puts them in `AppContext.channels`, by channel name. Handlers ask `AppContext.traits(channel)`
and decide from the answer: a channel missing from the table gets `UNKNOWN_CHANNEL`, which
promises nothing (cannot delete, no menu, charges nothing, reports no status; several options
are picked one at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from handlers.events import Outbound


class PhoneProof(StrEnum):
    """How a channel vouches for a person's phone number (a typed number never counts)."""

    SHARED_CONTACT = "shared_contact"  # the person shares their own contact card with a button
    SENDER_NUMBER = "sender_number"  # the number they write from is the channel's own key


class SeveralChoices(StrEnum):
    """How a person picks several options of one question (a multiple choice)."""

    TAP = "tap"  # the options stay on screen as buttons: each tap ticks one, then "done"
    # From a list (a row at a time) or as typed numbers (several at once), then "done". The
    # question's line says only that ("pick one or more, then done"), true of both; numbered
    # text adds how to type the numbers (whatsapp.type_numbers), never a contradicting "one
    # at a time".
    PICK = "pick"


class PhotoAsFile(StrEnum):
    """How a photo ends up sent as a file (a document) on a channel's app: what a photo
    question that got one says to send it as a photo instead."""

    DOCUMENT_MENU = "document_menu"  # picked under 📎 → Dokumen, not Galeri or Kamera
    UNCOMPRESSED = "uncompressed"  # "Kirim tanpa kompresi" ticked (send as file)


@dataclass(frozen=True)
class ChannelTraits:
    """The facts about one channel that change what a conversation does."""

    deletes_sent_within: timedelta | None = None
    """How long after sending the bot can still delete its own message; None: it never can.
    Only such channels get files with personal data that must leave the chat later (exports)."""

    reports_delivery_status: bool = False
    """Status reports for sent messages may arrive for days and may ask to send a message
    again, so a sent message keeps its text until its final status (transcript clearing)."""

    charges_for_templates: bool = False
    """Messages the bot starts outside the person's window are paid templates, so a district
    may choose weekly instead of daily routine reminders on this channel (/pengingat)."""

    phone_proof: PhoneProof = PhoneProof.SHARED_CONTACT
    """How a new number is verified; picks the explanation /nomor gives."""

    several_choices: SeveralChoices = SeveralChoices.PICK
    """How several options of a question are picked; picks the line a multiple choice's
    question says it with (handlers/forms/view.py `several_note`), never its form's label."""

    photo_as_file: PhotoAsFile | None = None
    """How a photo gets sent as a file here, so a photo question that receives a document
    says how to send it as a photo (answer.photo_as_file.*); None: only "send a photo"."""

    has_command_menu: bool = False
    """The chat shows a per-person command menu, so each person is sent the menu of their
    role (handlers/command_menu.py); without one nothing is queued."""

    chat_link_format: str | None = None
    """A link that opens a chat with the bot and starts it with a payload: `{address}` stands
    for the bot's address on the channel (`AppContext.bot_addresses`), `{payload}` for the
    payload, URL-quoted. None: the channel has no such link."""

    prints_numbered_options: Callable[[Outbound], bool] | None = None
    """Whether the channel shows a message's options as numbered text, read back from the
    number typed next (WhatsApp, where they fit neither buttons nor a list), rather than as
    buttons to tap; None: never. A side trip amid a form whose answer ends with such a menu
    leaves the form waiting instead of asking its question below it
    (handlers/side_trip_menus.py)."""

    hides_options: Callable[[Outbound], bool] | None = None
    """Whether the channel shows a message's options behind one button, with no number next
    to them (WhatsApp's list: more than 3 options, up to 10), so a number typed there
    counts nothing the person sees and is refused (handlers/forms/choice_step.py); None:
    never (Telegram's buttons are in sight, as WhatsApp's reply buttons are)."""

    def chat_link(self, address: str, payload: str) -> str | None:
        """The link opening a chat with the bot at `address` that starts with `payload`; None
        when the channel has no such link or the bot's address is not known (yet)."""
        if self.chat_link_format is None or not address:
            return None
        return self.chat_link_format.format(address=address, payload=quote(payload))

    @property
    def deletes_messages(self) -> bool:
        """Whether the bot can delete messages in a chat at all: one in which the person typed
        a NIK or KK (handlers/identifier_messages.py), as the NIK and KK questions tell them
        (handlers/forms/view.py); elsewhere they are asked to delete it themselves."""
        return self.deletes_sent_within is not None

    def can_delete_after(self, delay: timedelta) -> bool:
        """Whether a message sent now can still be deleted `delay` later."""
        return self.deletes_sent_within is not None and delay < self.deletes_sent_within


UNKNOWN_CHANNEL = ChannelTraits()
