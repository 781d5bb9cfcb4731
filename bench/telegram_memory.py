"""The real Telegram channel over an in-memory transport, and simulated people.

`MemoryTelegramChannel` is the product's `TelegramChannel` (PTB `Application`, our poller,
`outbound.render`) with one change: PTB's HTTP request object is replaced by one that hands
the request parameters straight to the method handlers of the fake Bot API server
(`tests/fakes/telegram_api.py`). PTB still serialises every request and parses every answer
(`Message.de_json` ...); only sockets, HTTP and uvicorn are left out, so the figures measure
the bot rather than the fake on a 2-core machine.

`Person` is one simulated Telegram user: it queues updates at the fake (text, button taps,
shared contact or location), waits for the bot's answer and notes the time stamps needed for
latencies.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.channels.base import SendOutcome
from bot.channels.telegram.channel import TelegramChannel
from bot.config import Settings
from handlers.events import Outbound
from handlers.i18n import Catalog
from tests.fakes.telegram_api import FakeTelegram, UploadedFile, _ApiError, _coerce

#: What a person's act returns: the id the bot's inbox stores the update under (`ext_id`):
#: Telegram's update_id here, the message's wamid on WhatsApp (bench/whatsapp_stack.py).
UpdateRef = int | str

# Outbound types a person reads as "the bot answered" (callback toasts and deletes are not).
CONTENT_TYPES = frozenset({"text", "edit", "image", "document"})


class MemoryRequest(BaseRequest):
    """A PTB request object that calls the fake's method handlers without HTTP."""

    def __init__(self, fake: FakeTelegram, *, validate: bool = False) -> None:
        self.fake = fake
        self.validate = validate

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        raw_method = url.rsplit("/", 1)[-1]
        name, handler = self.fake._handlers.get(raw_method.lower(), (raw_method, None))
        if handler is None:
            return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
        # The same decoding the fake applies to a form-encoded HTTP body.
        params: dict[str, Any] = {
            key: _coerce(key, value)
            for key, value in (request_data.json_parameters if request_data else {}).items()
        }
        if request_data is not None and request_data.contains_files:
            for name, (filename, content, mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = UploadedFile(filename, mime, data)
        try:
            if self.validate:
                self.fake._validate(name, params)
            self.fake._apply_faults(name, params)
            result = await handler(params)
        except _ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return exc.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


class MemoryTelegramChannel(TelegramChannel):
    """`TelegramChannel` whose Bot API requests go to the fake in memory."""

    def __init__(self, settings: Settings, catalog: Catalog, fake: FakeTelegram) -> None:
        super().__init__(settings, catalog)
        assert settings.telegram_bot_token is not None
        # The product's application, rebuilt with the in-memory transport.
        self.application = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_file_base_url)
            .request(MemoryRequest(fake))
            .get_updates_request(MemoryRequest(fake))
            .updater(None)
            .build()
        )


@dataclass
class Sent:
    """One message handed to the channel's `send` for a chat."""

    type: str
    message_id: int | str | None  # Telegram's message number, or WhatsApp's wamid
    handed_at: float  # perf_counter() when `send` was called
    done_at: float  # perf_counter() when the channel accepted it


@dataclass
class Person:
    """One simulated Telegram user talking to the bot through the fake."""

    hub: Hub
    user_id: int
    name: str = "Budi"
    content: list[Sent] = field(default_factory=list)
    keyboards: list[int] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def fake(self) -> FakeTelegram:
        assert self.hub.fake is not None
        return self.hub.fake

    # -- what the bot sent --------------------------------------------------------------------

    def on_sent(self, message: Outbound, sent: Sent) -> None:
        self.content.append(sent)
        if message.type == "text" and message.buttons and sent.message_id is not None:
            self.keyboards.append(sent.message_id)
            del self.keyboards[:-5]
        self.changed.set()

    def text_of(self, sent: Sent) -> str:
        found = self.fake.message(self.user_id, sent.message_id) if sent.message_id else None
        return (found or {}).get("text", "")

    def button(self, label: str) -> tuple[str, int]:
        """callback_data and message id of the newest button whose label contains `label`."""
        for message_id in reversed(self.keyboards):
            message = self.fake.message(self.user_id, message_id) or {}
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return button["callback_data"], message_id
        last = self.text_of(self.content[-1]) if self.content else ""
        raise AssertionError(f"user {self.user_id}: no button {label!r} after {last[:300]!r}")

    # -- what the person does -----------------------------------------------------------------

    def send_text(self, text: str) -> UpdateRef:
        return self.fake.user_text(self.user_id, text, first_name=self.name)

    def tap(self, label: str) -> UpdateRef:
        data, message_id = self.button(label)
        return self.fake.user_callback(
            self.user_id, data, message_id=message_id, first_name=self.name
        )

    def share_contact(self, phone: str) -> UpdateRef:
        return self.fake.user_contact(
            self.user_id, phone, contact_user_id=self.user_id, first_name=self.name
        )

    def share_location(self, lat: float, lon: float) -> UpdateRef:
        return self.fake.user_location(self.user_id, lat, lon, first_name=self.name)

    async def wait_content(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until `count` content messages in all were sent to this person."""
        deadline = time.perf_counter() + timeout
        while len(self.content) < count:
            self.changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                last = self.text_of(self.content[-1]) if self.content else ""
                raise TimeoutError(
                    f"user {self.user_id}: waited {timeout}s for message {count}, "
                    f"have {len(self.content)}; last {last[:200]!r}"
                )
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                continue


@dataclass
class Hub:
    """Routes what the bot sends to the simulated people, with time stamps."""

    fake: FakeTelegram | None  # None for WhatsApp people (bench/whatsapp_stack.py)
    people: dict[str, Person] = field(default_factory=dict)
    sends: int = 0

    def person(self, user_id: int, name: str = "Budi") -> Person:
        found = self.people.get(str(user_id))
        if found is None:
            found = self.people[str(user_id)] = Person(self, user_id, name)
        return found

    def wrap(self, send: Callable[..., Any]) -> Callable[..., Any]:
        """The channel's `send`, observed: hand-over time, acceptance, message id.

        Works with `send(chat_id, message, attempts)` and `send(outbox_item, message)`.
        """

        async def observed(*args: Any, **kwargs: Any) -> SendOutcome:
            handed = time.perf_counter()
            outcome: SendOutcome = await send(*args, **kwargs)
            self.sends += 1
            target = args[0] if args else kwargs.get("item", kwargs.get("chat_id"))
            chat_id = str(getattr(target, "chat_id", target))
            message = next((a for a in (*args, *kwargs.values()) if isinstance(a, Outbound)), None)
            person = self.people.get(chat_id)
            if (
                person is not None
                and message is not None
                and outcome.status == "sent"
                and message.type in CONTENT_TYPES
            ):
                message_id: int | str | None = outcome.message_id
                if message_id is not None and message_id.isdigit():
                    message_id = int(message_id)
                person.on_sent(message, Sent(message.type, message_id, handed, time.perf_counter()))
            return outcome

        return observed
