"""A person chatting with the bot over WhatsApp: signed webhook posts over real HTTP into the
bot's server, replies read from the fake Graph API."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.clock import Clock
from tests.fakes.whatsapp_api import (
    FakeGraph,
    audio_message,
    button_reply,
    contact,
    document_message,
    envelope,
    image_message,
    list_reply,
    location_message,
    sign,
    template_button,
    text_message,
)

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
# The bot answers a webhook once what it carried is committed (an fsync; SQLite may first
# wait up to its busy_timeout of 5 s), which on a loaded machine's disk can take longer than
# httpx's default of 5 s. As long as the fake Telegram gives the bot's Telegram webhook.
WEBHOOK_ANSWER_WAIT = 30.0  # seconds
_wamids = itertools.count(1)


def new_wamid() -> str:
    return f"wamid.TEST{next(_wamids):06d}"


async def post_webhook(
    url: str,
    body: dict[str, Any] | bytes,
    *,
    secret: str = APP_SECRET,
    signature: str | None = "auto",
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    """POST a (signed) webhook body to the bot's server, like Meta does (through `client`
    when given, else a client of its own)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = sign(raw, secret)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    if client is not None:
        return await client.post(f"{url}/webhook/whatsapp", content=raw, headers=headers)
    async with httpx.AsyncClient(timeout=WEBHOOK_ANSWER_WAIT) as own:
        return await own.post(f"{url}/webhook/whatsapp", content=raw, headers=headers)


@dataclass
class WhatsAppPerson:
    """One WhatsApp user; `wa_id` None for someone known only by username (BSUID)."""

    graph: FakeGraph
    webhook_url: str
    user_id: str
    wa_id: str | None
    name: str = "Sari"
    last_context: str = field(default="")
    # The bot's clock, when a test moves it: WhatsApp stamps each message with the time it
    # was sent, and the person's window runs from there (default: the real time).
    clock: Clock | None = None

    def _sent_now(self) -> float | None:
        return self.clock.now().timestamp() if self.clock else None

    @property
    def recipient(self) -> str:
        return self.wa_id or self.user_id

    @property
    def sender(self) -> str:
        return self.wa_id or self.user_id

    def messages(self) -> list[dict[str, Any]]:
        return self.graph.messages_to(self.recipient)

    async def _post(
        self, message: dict[str, Any] | list[dict[str, Any]], expect: int
    ) -> list[dict[str, Any]]:
        """Post one message (or several in one notification) and wait for `expect` replies."""
        before = len(self.messages())
        response = await post_webhook(
            self.webhook_url,
            envelope(
                messages=message if isinstance(message, list) else [message],
                contacts=[contact(user_id=self.user_id, wa_id=self.wa_id, name=self.name)],
            ),
        )
        assert response.status_code == 200, response.text
        if expect == 0:
            return []
        messages = await self.graph.wait_messages(self.recipient, before + expect)
        return messages[before:]

    async def say(
        self, text: str, *, expect: int = 1, timestamp: float | None = None
    ) -> list[dict[str, Any]]:
        """`timestamp`: when WhatsApp says it was sent (Unix seconds; default: now)."""
        sent = self._sent_now() if timestamp is None else timestamp
        message = text_message(new_wamid(), self.sender, text, timestamp=sent)
        return await self._post(message, expect)

    async def say_in_one_notification(
        self, typed: list[tuple[str, float]], *, expect: int
    ) -> list[dict[str, Any]]:
        """Texts WhatsApp delivers in one notification, listed as given, each with when it
        was sent (Unix seconds): a phone back online sends what waited, in any order."""
        messages = [
            text_message(new_wamid(), self.sender, text, timestamp=sent) for text, sent in typed
        ]
        return await self._post(messages, expect)

    async def share_location(
        self, lat: float, lon: float, *, forwarded: str | None = None
    ) -> list[dict[str, Any]]:
        """`forwarded`: "forwarded" or "frequently_forwarded" (the message's context)."""
        message = location_message(
            new_wamid(), self.sender, lat, lon, forwarded=forwarded, timestamp=self._sent_now()
        )
        return await self._post(message, 1)

    async def send_photo(self, media_id: str, *, expect: int = 1) -> list[dict[str, Any]]:
        message = image_message(new_wamid(), self.sender, media_id, timestamp=self._sent_now())
        return await self._post(message, expect)

    async def send_album(self, media_ids: list[str], *, expect: int = 1) -> list[dict[str, Any]]:
        """Several photos picked at once: WhatsApp sends each as an image message of its own,
        nothing tying them, here in one notification (as Meta may batch them)."""
        sent = self._sent_now()
        messages = [image_message(new_wamid(), self.sender, m, timestamp=sent) for m in media_ids]
        return await self._post(messages, expect)

    async def send_voice(self, *, expect: int = 1) -> list[dict[str, Any]]:
        """A voice note, as WhatsApp sends one: an audio message marked `voice`."""
        message = audio_message(new_wamid(), self.sender, timestamp=self._sent_now())
        return await self._post(message, expect)

    async def send_document(
        self, media_id: str, filename: str, mime_type: str, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        message = document_message(
            new_wamid(),
            self.sender,
            media_id,
            filename=filename,
            mime_type=mime_type,
            timestamp=self._sent_now(),
        )
        return await self._post(message, expect)

    async def send_files(
        self, media_ids: list[str], mime_type: str, *, expect: int = 1
    ) -> list[dict[str, Any]]:
        """Several pictures picked at once and sent as files (📎 → Dokumen): a document
        message each, nothing tying them, in one notification."""
        sent = self._sent_now()
        messages = [
            document_message(
                new_wamid(), self.sender, m, filename=f"IMG_{m}.jpg", mime_type=mime_type,
                timestamp=sent,
            )
            for m in media_ids
        ]  # fmt: skip
        return await self._post(messages, expect)

    async def tap_template(self, label: str = "Buka pesan", *, expect: int = 1) -> list[dict]:
        """Our templates' quick reply; sent without a payload, Meta's payload is its label."""
        return await self._post(
            template_button(
                new_wamid(),
                self.sender,
                label,
                label,
                context_id="wamid.template",
                timestamp=self._sent_now(),
            ),
            expect,
        )

    async def tap(self, label: str, *, expect: int = 1) -> list[dict[str, Any]]:
        """Tap a reply button or list row whose title contains `label` (latest first);
        for numbered text, type the number."""
        found = option_for(reversed(self.messages()), label)
        if found is None:
            raise AssertionError(f"no option {label!r} in {self.latest_text()!r}")
        kind, option_id, title = found
        if kind == "number":
            return await self.say(option_id, expect=expect)
        reply = button_reply if kind == "button" else list_reply
        message = reply(
            new_wamid(),
            self.sender,
            option_id,
            title,
            context_id="wamid.x",
            timestamp=self._sent_now(),
        )
        return await self._post(message, expect)

    def latest_text(self) -> str:
        messages = self.messages()
        if not messages:
            return ""
        last = messages[-1]
        if last.get("type") == "text":
            return last["text"]["body"]
        if last.get("type") == "interactive":
            return last["interactive"]["body"]["text"]
        return json.dumps(last)


def option_for(messages: Iterable[dict[str, Any]], label: str) -> tuple[str, str, str] | None:
    """The option whose title contains `label` in the first of `messages` offering one:
    ("button" | "list", its id, its title), or ("number", the number to type, its title)
    for numbered text."""
    for message in messages:
        if message.get("type") == "interactive":
            action = message["interactive"].get("action", {})
            for button in action.get("buttons", []):
                if label in button["reply"]["title"]:
                    return "button", button["reply"]["id"], button["reply"]["title"]
            for section in action.get("sections", []):
                for row in section["rows"]:
                    if label in row["title"]:
                        return "list", row["id"], row["title"]
        if message.get("type") == "text":
            for line in message["text"]["body"].split("\n"):
                number, _, title = line.partition(". ")
                if number.isdigit() and label in title:
                    return "number", number, title
    return None


def body_of(message: dict[str, Any]) -> str:
    """The visible text of a sent WhatsApp message."""
    if message.get("type") == "text":
        return message["text"]["body"]
    if message.get("type") == "interactive":
        return message["interactive"]["body"]["text"]
    if message.get("type") == "template":
        return "template:" + message["template"]["name"]
    return ""
