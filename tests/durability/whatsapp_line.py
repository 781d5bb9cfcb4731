"""The WhatsApp side of the fuzz (tests/durability/test_fuzz_whatsapp.py): the people, the
payloads Meta posts that tests/fakes/whatsapp_api.py has no builder for, the bot's webhook
app reached in process (signed posts through httpx.ASGITransport), and what the FakeGraph
accepted from the bot (over real HTTP)."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.inbound import CHANNEL, to_inbound
from bot.pacing import UNPACED
from bot.runtime import Runtime
from bot.webhook import WebhookApp
from handlers.i18n import Catalog
from tests.durability.durable_harness import in_process_settings
from tests.fakes.whatsapp_api import FakeGraph, _message, sign

APP_SECRET = "fuzz-app-secret"


@dataclass(frozen=True)
class Person:
    """Someone writing over WhatsApp: known by BSUID, with a phone unless they use a username."""

    user_id: str
    wa_id: str | None
    name: str = "Budi <b>&amp;"

    @property
    def sender(self) -> str:
        """`from` of their messages."""
        return self.wa_id or self.user_id

    @property
    def recipient(self) -> str:
        """Where the bot's messages to them go (`to` or `recipient`)."""
        return self.wa_id or self.user_id

    def contact(self) -> dict[str, Any]:
        item: dict[str, Any] = {"profile": {"name": self.name}, "user_id": self.user_id}
        if self.wa_id is not None:
            item["wa_id"] = self.wa_id
        return item


# -- payloads without a builder in the fake ----------------------------------------------------


def video_message(wamid: str, sender: str, media_id: str = "800000000000004") -> dict[str, Any]:
    content = {"mime_type": "video/mp4", "sha256": "0" * 64, "id": media_id}
    return _message(wamid, sender, "video", content)


def reaction_message(wamid: str, sender: str, target: str, emoji: str) -> dict[str, Any]:
    """A reaction to one of the bot's messages ("" removes it)."""
    return _message(wamid, sender, "reaction", {"message_id": target, "emoji": emoji})


def odd_message(wamid: str, sender: str, kind: str) -> dict[str, Any]:
    """Types the bot does not read: unsupported, contacts, orders, system, unknown ones."""
    contents: dict[str, Any] = {
        "unsupported": {"type": "unknown"},
        "contacts": [{"name": {"formatted_name": "Ibu Ani"}, "phones": [{"phone": "+6281"}]}],
        "order": {"catalog_id": "1", "product_items": []},
        "system": {"body": "User changed number", "type": "user_changed_number"},
        "request_welcome": {},
        "ephemeral": {},
    }
    message = _message(wamid, sender, kind, contents.get(kind, {"x": 1}))
    if kind == "unsupported":
        message["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    return message


def interactive_other(wamid: str, sender: str, context_id: str) -> dict[str, Any]:
    """A Flow's answer (nfm_reply): an interactive message without a button or list reply."""
    content = {"type": "nfm_reply", "nfm_reply": {"response_json": "{}", "body": "Sent"}}
    message = _message(wamid, sender, "interactive", content)
    message["context"] = {"from": "6281100000000", "id": context_id}
    return message


# -- the bot's messages, as the FakeGraph accepted them ---------------------------------------


def visible_texts(body: dict[str, Any]) -> list[str]:
    """Every piece of a sent body the person reads: text, titles, rows, captions, parameters."""
    kind = body.get("type", "text")
    found: list[str] = []
    if kind == "text":
        found.append(body["text"]["body"])
    elif kind == "interactive":
        interactive = body["interactive"]
        found.append(interactive.get("body", {}).get("text", ""))
        action = interactive.get("action", {})
        found += [b["reply"]["title"] for b in action.get("buttons", [])]
        for section in action.get("sections", []):
            found += [r["title"] for r in section["rows"]]
            found += [r.get("description", "") for r in section["rows"]]
        found.append(str(action.get("button", "")))
    elif kind == "template":
        for component in body["template"].get("components", []):
            found += [str(p.get("text", "")) for p in component.get("parameters", [])]
    elif kind in ("image", "document"):
        found.append(body[kind].get("caption", ""))
    return found


def options_of(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, what to send back, title) for each option of a sent body: "button" and "list"
    (an id to reply with), "number" (numbered text) and "word" (a word to type)."""
    kind = body.get("type")
    if kind == "interactive":
        interactive = body["interactive"]
        action = interactive.get("action", {})
        found = [
            ("button", b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons", [])
        ]
        for section in action.get("sections", []):
            found += [("list", r["id"], r["title"]) for r in section["rows"]]
        if interactive.get("type") == "location_request_message":
            last = interactive["body"]["text"].split("\n")[-1]
            found += [("word", w, w) for w in re.findall(r"\*([^*\n]+)\*", last)]
        return found
    if kind == "text":
        found = []
        for line in body["text"]["body"].split("\n"):
            number, _, title = line.partition(". ")
            if number.isdigit() and title:
                found.append(("number", number, title))
        return found
    return []


@dataclass
class WhatsAppLine:
    """The bot's webhook in process and the FakeGraph the bot sends to."""

    webhook: httpx.AsyncClient
    graph: FakeGraph
    answers: list[tuple[int, int]] = field(default_factory=list)  # (expected, got) status
    _wamids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def wamid(self) -> str:
        return f"wamid.FUZZ{next(self._wamids):06d}"

    async def post(self, payload: dict[str, Any], *, signature: str = "good") -> None:
        """POST a webhook as Meta does ("good"), unsigned ("none") or signed wrongly ("bad")."""
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(raw, APP_SECRET)
        elif signature == "bad":
            headers["X-Hub-Signature-256"] = sign(raw, "not-the-secret")
        response = await self.webhook.post("/webhook/whatsapp", content=raw, headers=headers)
        expected = {"good": 200, "none": 401, "bad": 403}[signature]
        self.answers.append((expected, response.status_code))

    def sent(self) -> list[tuple[str, dict[str, Any]]]:
        """(wamid, body) of every send the FakeGraph accepted, in order."""
        found = []
        for call in self.graph.sends:
            response = call.response
            if call.status == 200 and isinstance(response, dict) and call.async_error is None:
                found.append((str(response["messages"][0]["id"]), call.body or {}))
        return found

    def sent_to(self, person: Person) -> list[tuple[str, dict[str, Any]]]:
        """(wamid, body) of what the bot sent to one person, in order."""
        key = person.recipient
        return [
            (wamid, body)
            for wamid, body in self.sent()
            if str(body.get("to", "")).lstrip("+") == key or body.get("recipient") == key
        ]


async def whatsapp_bot(folder: Path, graph: FakeGraph) -> tuple[Runtime, httpx.AsyncClient]:
    """The runtime with the real WhatsApp channel (no loops: the test drives the worker and
    the sender) and a client that posts to its webhook app in process."""
    settings_ = in_process_settings(
        folder,
        _env_file=None,
        whatsapp_access_token=graph.access_token,
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_api_base_url=graph.base_url,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token="fuzz-verify-token",
    )
    channel = WhatsAppChannel(settings_, Catalog.load())
    channel.pacing = UNPACED  # the test drives the sender: everything due goes at once
    runtime = Runtime(settings_, [channel], {CHANNEL: to_inbound})
    await runtime.start(background=False)
    assert runtime.db is not None and runtime.worker is not None
    await channel.start(runtime.db, runtime.clock, runtime.worker.wake)
    app = WebhookApp(
        settings_, lambda: runtime.db, runtime.clock, lambda: None, lambda: None, channel.catalog
    )
    # An exception in the webhook app is raised to the poster (a server would answer 500).
    webhook = httpx.AsyncClient(transport=httpx.ASGITransport(app=app.app()), base_url="http://bot")
    return runtime, webhook
