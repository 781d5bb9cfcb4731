"""Shared pieces of the durability suite: an in-process bot with a recording channel that
renders every message through the real Telegram adapter and checks it against Telegram's
limits, plus small database helpers."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.channels.base import SendOutcome
from bot.channels.telegram import outbound
from bot.channels.telegram.channel import TRAITS as TELEGRAM_TRAITS
from bot.config import Settings, load_settings
from bot.pacing import UNPACED, Pacing
from bot.runtime import Runtime
from handlers.channel_traits import ChannelTraits
from handlers.events import Inbound, InboundKind, Outbound
from handlers.masking import mask_identifiers
from storage.models import Role, UserStatus
from tests.fakes.telegram_api import TINY_JPEG, parse_telegram_html

CHANNEL = "fuzz"
_MESSAGE_IDS = itertools.count(1000)
#: `make soak` runs the tests marked `soak`, their counts multiplied by this factor.
SOAK_FACTOR = max(1, int(os.environ.get("PSM_SOAK_FACTOR") or "5"))
KABUPATEN, KECAMATAN, DESA = "32.08", "32.08.01", "32.08.01.2006"  # Kadugede, Babatan


def integrity(path: Path) -> list[str]:
    """`PRAGMA integrity_check` rows of a database file (["ok"] when sound)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on a read-only connection (safe beside a running bot)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


# -- rendering through the real Telegram adapter -----------------------------------------------


class RecordingBot:
    """Stands in for `telegram.Bot` under `outbound.render`: records and checks every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.problems: list[str] = []
        self._ids = itertools.count(1)

    def _check_html(self, what: str, text: Any, limit: int, *, required: bool) -> None:
        if text is None:
            if required:
                self.problems.append(f"{what}: no text")
            return
        try:
            visible = parse_telegram_html(str(text))
        except ValueError as exc:
            self.problems.append(f"{what}: Telegram refuses the HTML ({exc}): {str(text)[:300]!r}")
            return
        if required and not visible.strip():
            self.problems.append(f"{what}: the visible text is empty: {str(text)[:300]!r}")
        if len(visible) > limit:
            self.problems.append(f"{what}: {len(visible)} characters > {limit}")
        if mask_identifiers(visible) != visible:
            self.problems.append(f"{what}: shows a full NIK/KK: {visible[:300]!r}")

    def _check_markup(self, what: str, markup: Any) -> None:
        """A reply markup as the Bot API's JSON (outbound sends them as dicts)."""
        if markup is None or markup == {"remove_keyboard": True}:
            return
        if not isinstance(markup, dict):
            self.problems.append(f"{what}: unexpected markup {markup!r}")
        elif "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    size = len(button.get("callback_data", "").encode())
                    if not 0 < size <= outbound.CALLBACK_DATA_LIMIT:
                        self.problems.append(f"{what}: callback_data of {size} bytes")
                    if not button["text"].strip():
                        self.problems.append(f"{what}: a button without a label")
                    if mask_identifiers(button["text"]) != button["text"]:
                        self.problems.append(f"{what}: a button shows a NIK/KK: {button['text']!r}")
        elif "keyboard" in markup:
            for row in markup["keyboard"]:
                for key in row:
                    if not key["text"].strip():
                        self.problems.append(f"{what}: a keyboard key without a label")
        else:
            self.problems.append(f"{what}: unexpected markup {markup!r}")

    def _message(self) -> dict[str, Any]:
        return {"message_id": next(self._ids)}

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        """The calls outbound makes through `raw_api` (JSON in, JSON out)."""
        handler = {
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
        }[endpoint]
        return handler(**api_kwargs)

    def _send_message(self, chat_id, text, parse_mode=None, reply_markup=None):
        self.calls.append(("sendMessage", {"chat_id": chat_id, "text": text}))
        self._check_html("sendMessage", text, outbound.TEXT_LIMIT, required=True)
        self._check_markup("sendMessage", reply_markup)
        return self._message()

    def _edit_message_text(self, text, chat_id, message_id, parse_mode=None, reply_markup=None):
        self.calls.append(("editMessageText", {"chat_id": chat_id, "text": text}))
        self._check_html("editMessageText", text, outbound.TEXT_LIMIT, required=True)
        self._check_markup("editMessageText", reply_markup)
        if not message_id:
            self.problems.append("editMessageText without a message id")
        return self._message()

    def _edit_message_reply_markup(self, chat_id, message_id, reply_markup=None):
        self.calls.append(("editMessageReplyMarkup", {"chat_id": chat_id}))
        self._check_markup("editMessageReplyMarkup", reply_markup)
        return self._message()

    def _answer_callback_query(self, callback_query_id, text=None):
        self.calls.append(("answerCallbackQuery", {"text": text}))
        if text is not None and len(text) > outbound.TOAST_LIMIT:
            self.problems.append(f"answerCallbackQuery: toast of {len(text)} characters")
        if text is not None and mask_identifiers(text) != text:
            self.problems.append(f"answerCallbackQuery: toast shows a NIK/KK: {text!r}")
        return True

    async def delete_message(self, chat_id, message_id, **_):
        self.calls.append(("deleteMessage", {"chat_id": chat_id, "message_id": message_id}))
        return True

    async def set_my_commands(self, commands, scope=None, **_):
        self.calls.append(("setMyCommands", {"scope": scope, "count": len(commands)}))
        for command in commands:
            if not 1 <= len(command.description) <= 256:
                self.problems.append(f"setMyCommands: description of {command.command!r}")
        return True

    async def send_photo(self, chat_id, photo, caption=None, parse_mode=None, **_):
        self.calls.append(("sendPhoto", {"chat_id": chat_id, "caption": caption}))
        self._check_html("sendPhoto caption", caption, outbound.CAPTION_LIMIT, required=False)
        return SimpleNamespace(**self._message())  # media keep PTB's typed methods

    async def send_document(self, chat_id, document, caption=None, parse_mode=None, **_):
        self.calls.append(("sendDocument", {"chat_id": chat_id, "caption": caption}))
        self._check_html("sendDocument caption", caption, outbound.CAPTION_LIMIT, required=False)
        return SimpleNamespace(**self._message())


@dataclass
class Sent:
    chat_id: str
    message: Outbound


@dataclass
class RecordingChannel:
    """A channel for `Runtime`: renders every message through the real Telegram adapter
    into a `RecordingBot`, and serves photo downloads (a real JPEG or garbage bytes)."""

    name: str = CHANNEL
    traits: ChannelTraits = TELEGRAM_TRAITS  # it renders through the Telegram adapter
    pacing: Pacing = UNPACED  # tests drive the sender by hand: everything due goes at once
    sent: list[Sent] = field(default_factory=list)
    bot: RecordingBot = field(default_factory=RecordingBot)
    files: dict[str, bytes] = field(default_factory=dict)

    async def start(self, db: Any, clock: Any, on_stored: Any) -> None:
        return None

    async def stop_polling(self) -> None:
        return None

    def intake(self) -> None:
        return None  # nothing fetched: nothing to fail

    async def confirm(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def download(self, ref: str, max_bytes: int = 0) -> bytes:
        if ref.startswith("missing"):
            raise OSError("the file link expired")
        return self.files.get(ref, TINY_JPEG)

    async def send(self, *args: Any) -> SendOutcome:
        # (item, message) or, in older versions of the Channel protocol, (chat_id, message, n)
        if isinstance(args[0], str):
            chat_id, message = args[0], args[1]
        else:
            chat_id, message = args[0].chat_id or "", args[1]
        self.sent.append(Sent(chat_id, message))
        before = len(self.bot.problems)
        for row in message.buttons:
            for button in row:
                size = len(button.data.encode())
                if not 0 < size <= outbound.CALLBACK_DATA_LIMIT:
                    self.bot.problems.append(f"button {button.label!r}: data of {size} bytes")
        if message.buttons and message.request is None:
            try:
                outbound.inline_keyboard(message.buttons)
            except outbound.TelegramLimitError as exc:
                self.bot.problems.append(f"inline keyboard refused: {exc}")
        if message.type != "callback_answer":
            # The whole text, before it is split into pieces: no NIK/KK split across them.
            try:
                whole = parse_telegram_html(message.text) if message.text else ""
            except ValueError:
                whole = ""
            if mask_identifiers(whole) != whole:
                self.bot.problems.append(f"{message.type}: shows a full NIK/KK: {whole[:300]!r}")
        try:
            message_id = await outbound.render(self.bot, int(chat_id), message)  # type: ignore[arg-type]
        except Exception as exc:  # a bug: the adapter could not render our own message
            self.bot.problems.append(f"render failed for {message.type}: {exc!r}")
            return SendOutcome("failed", error=repr(exc))
        if len(self.bot.problems) > before:
            context = f"   (in {message.type} to {chat_id}: {message.text[:200]!r})"
            self.bot.problems.append(context)
        return SendOutcome.sent(message_id)

    def to(self, chat_id: str) -> list[Outbound]:
        """The messages a chat received (its command menu is not a message)."""
        return [s.message for s in self.sent if s.chat_id == chat_id and s.message.type != "menu"]


# -- an in-process bot driven step by step -----------------------------------------------------


def in_process_settings(folder: Path, **extra: Any) -> Settings:
    return load_settings(
        telegram_bot_token=None,
        database_path=folder / "psm.db",
        media_path=folder / "media",
        districts="32.08:KNG",
        **extra,
    )


async def start_in_process(
    settings: Settings, channel: RecordingChannel, parser: Any = Inbound.model_validate
) -> Runtime:
    """A runtime with no loops: the caller drives the worker and the sender."""
    runtime = Runtime(settings, [channel], {channel.name: parser})
    await runtime.start(background=False)
    return runtime


async def seed_user(
    runtime: Runtime,
    *,
    external_id: str,
    role: Role,
    name: str,
    kecamatan: str | None = KECAMATAN,
    desa: str | None = DESA,
    channel: str = CHANNEL,
    chat_id: str | None = None,
) -> int:
    """An active user who has already written to the bot on `channel` (from `chat_id`,
    by default their `external_id`)."""
    assert runtime.db is not None
    now = datetime.now(UTC)
    async with runtime.db.transaction() as repos:
        user = await repos.users.create(
            now=now,
            status=UserStatus.ACTIVE,
            full_name=name,
            role=role,
            kabupaten_code=KABUPATEN,
        )
        await repos.users.update(
            user.id, now=now, kecamatan_code=kecamatan, desa_code=desa, requested_role=role
        )
        await repos.users.add_identity(
            user_id=user.id,
            channel=channel,
            external_id=external_id,
            chat_id=chat_id or external_id,
            now=now,
        )
    return user.id


async def store_events(runtime: Runtime, events: list[Inbound]) -> list[str]:
    """Put events in the inbox (as a channel's poller would); returns their ext ids."""
    assert runtime.db is not None
    ids = []
    async with runtime.db.transaction() as repos:
        for event in events:
            ext_id = uuid.uuid4().hex
            await repos.inbox.add(
                channel=event.channel,
                ext_id=ext_id,
                payload=event.model_dump(mode="json"),
                sender_key=event.external_user_id,
                now=runtime.clock.now(),
            )
            ids.append(ext_id)
    return ids


async def settle(runtime: Runtime, channel: str = CHANNEL) -> None:
    """Process everything stored (failures are retried until given up), send what is due."""
    assert runtime.worker is not None
    for _ in range(10):
        if not await runtime.worker.process_pending():
            break
    await runtime.senders[channel].drain()


def text_event(user: str, text: str, **extra: Any) -> Inbound:
    kind = InboundKind.COMMAND if text.startswith("/") else InboundKind.TEXT
    fields: dict[str, Any] = {"text": text}
    if kind == InboundKind.COMMAND:
        word, _, args = text[1:].partition(" ")
        fields.update(command=word.lower(), command_args=args)
    return Inbound(
        channel=CHANNEL,
        external_user_id=user,
        chat_id=user,
        kind=kind,
        message_id=str(next(_MESSAGE_IDS)),
        display_name="Budi",
        **{**fields, **extra},
    )


def outbox_rows(path: Path) -> list[dict[str, Any]]:
    return [
        {"id": r[0], "chat_id": r[1], "kind": r[2], "status": r[3], "message": json.loads(r[4])}
        for r in rows(path, "SELECT id, chat_id, kind, status, message FROM outbox ORDER BY id")
    ]
