"""Neutral inbound events and outbound messages shared by every channel adapter.

An adapter turns a channel's update into an `Inbound`, and renders an `Outbound` into the
channel's API call. Conversations only ever see these two types.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InboundKind(StrEnum):
    """What the person sent."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"  # a tap on one of our buttons (Telegram callback, WhatsApp reply)
    CONTACT = "contact"
    LOCATION = "location"
    PHOTO = "photo"
    OTHER = "other"  # sticker, voice note, document, video...
    # The channel says an account it knew by `previous_user_id` / `previous_chat_id` is the
    # same person's under `external_user_id` / `chat_id` now (WhatsApp's user_changed_number
    # and user_changed_user_id): nobody wrote anything, nothing is answered.
    ACCOUNT_CHANGED = "account_changed"


# What people send by speaking: Telegram's voice notes, audio files and round videos;
# WhatsApp's audio (its voice notes included). The bot cannot listen, and says so.
SPOKEN_TYPES = frozenset({"voice", "audio", "video_note"})

# Button data of "show me what waits for me" (WhatsApp's template quick reply).
OPEN_WAITING = "open"

# The key of someone a channel knows only by their phone ("wa:6281..."), until it names
# their account (WhatsApp's BSUID): the one key that may be replaced by another
# (handlers/identity.py).
PHONE_KEY_PREFIX = "wa:"


class Pick(BaseModel):
    """One number of a typed list, as read by the channel that printed the numbers."""

    model_config = ConfigDict(frozen=True)

    number: str  # as the person typed it ("8")
    data: str | None = None  # the button printed next to it; None: no option had that number


class Inbound(BaseModel):
    """One event from a person, whatever the channel."""

    model_config = ConfigDict(frozen=True)

    channel: str
    external_user_id: str
    chat_id: str
    is_private: bool = True
    kind: InboundKind
    message_id: str | None = None
    display_name: str = ""
    sender_phone: str | None = None  # E.164, when the channel itself vouches for it (WhatsApp)
    text: str | None = None  # message text or photo caption
    command: str | None = None  # without the slash, lower case
    command_args: str = ""
    data: str | None = None  # button payload
    callback_id: str | None = None
    contact_phone: str | None = None
    contact_is_sender: bool = False  # the channel vouches the shared number is the sender's
    latitude: float | None = None
    longitude: float | None = None
    # The channel says the message was forwarded from another chat: a forwarded location is
    # not where the sender is (a check-in refuses it).
    forwarded: bool = False
    # When the channel says the person sent it (WhatsApp's `timestamp`; None on Telegram or
    # when unreadable): WhatsApp's 24-hour window runs from there, not from when we process
    # it (a message Meta redelivers after our downtime may be hours old).
    sent_at: datetime | None = None
    photo_ref: str | None = None
    media_group_id: str | None = None
    album_continues: bool = False  # more photos of the same album are waiting behind this one
    # How many of them are pictures (photos, pictures sent as files), as far as the inbox
    # worker knows: an answer past the limit says how many were not kept.
    album_rest: int = 0
    other_type: str | None = None
    # A document (other_type "document"): the channel's file id, then (once the inbox worker
    # fetched a spreadsheet we read) its path under MEDIA_PATH/tmp; and the name it was sent as.
    file_ref: str | None = None
    file_name: str | None = None
    file_mime: str | None = None  # the document's type as the channel says ("image/jpeg")
    # Text that is a list of numbers ("1, 8") typed back to options the channel printed as
    # numbered text, or one number it did not print: each number with the button printed next
    # to it, read by the channel (only it knows what it printed). A single printed number
    # comes as a BUTTON instead. The text stays as typed. A multiple choice takes the list as
    # that many taps; anything else is one pick at a time (handlers/forms/choice_step.py,
    # handlers/typed_numbers.py).
    picks: tuple[Pick, ...] = ()
    picked_from: int | None = None  # the outbox id of the message the numbers were printed in
    # ACCOUNT_CHANGED: the key and the chat the channel knew the person by before.
    previous_user_id: str | None = None
    previous_chat_id: str | None = None

    @property
    def spoken(self) -> bool:
        """A voice note or other recording, where the bot needs typed words."""
        return self.kind == InboundKind.OTHER and self.other_type in SPOKEN_TYPES

    @property
    def image_document(self) -> bool:
        """A picture sent as a file (📎 → Dokumen, "Kirim tanpa kompresi"): the person meant
        a photo. The inbox worker fetches it as one (bot/inbox_fetches.py); one it could not
        take (too large, unreadable) stays a document and is told what a photo would be."""
        return (
            self.kind == InboundKind.OTHER
            and self.other_type == "document"
            and (self.file_mime or "").startswith("image/")
        )


class Button(BaseModel):
    """One option a person can tap; `data` is our short payload (<= 64 bytes)."""

    model_config = ConfigDict(frozen=True)

    label: str
    data: str


OutboundType = Literal["text", "document", "image", "edit", "delete", "callback_answer", "menu"]


class Outbound(BaseModel):
    """One message to send, in channel-neutral terms."""

    model_config = ConfigDict(frozen=True)

    type: OutboundType = "text"
    text: str = ""  # limited HTML: <b>, <i>; every placeholder value escaped
    buttons: list[list[Button]] = Field(default_factory=list)
    request: Literal["location", "contact"] | None = None
    request_label: str = ""
    remove_keyboard: bool = False
    file_path: str | None = None
    target_message_id: str | None = None  # edit or delete this message
    callback_id: str | None = None
    # A short line with nothing personal (e.g. a case number) for channels that must
    # announce a message before delivering it (WhatsApp templates outside the 24-hour window).
    summary: str = ""
    # Channels that can delete what they sent do so this many seconds after sending (a chat
    # export); the deletion is scheduled from the database (handlers/export_expiry.py).
    delete_after: int | None = None
    # The options may be picked several at a time (a multiple-choice question): a channel
    # that prints options as numbered text says a list of numbers is understood.
    several: bool = False
    # A `menu`: the (command, description) pairs of the person's command menu, for channels
    # that have one (handlers/command_menu.py).
    commands: list[tuple[str, str]] = Field(default_factory=list)
    # Never sent after this moment, whatever its kind (an invitation past its RSVP deadline:
    # its buttons would be refused), also when it was held for the person (handlers/delivery.py).
    expires_at: datetime | None = None
    # What the message is the latest word on, for one person (e.g. "training:12"): a newer
    # message of the same thread drops this one if it is not sent yet (storage/outbox_enqueue.py).
    thread: str | None = None

    @property
    def best_effort(self) -> bool:
        """Callback answers and edits are never replayed later."""
        return self.type in ("edit", "callback_answer")

    @classmethod
    def say(cls, text: str, buttons: list[list[Button]] | None = None) -> Outbound:
        """A text message, optionally with buttons."""
        return cls(text=text, buttons=buttons or [])


def button_fields(data: str, count: int) -> list[str]:
    """Split button data "ap:12:a" into exactly `count` fields (missing ones empty)."""
    fields = data.split(":")[:count]
    return fields + [""] * (count - len(fields))


def small_number(text: str) -> int | None:
    """A short run of ASCII digits as an int (button indexes, ids); None for anything else."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None
