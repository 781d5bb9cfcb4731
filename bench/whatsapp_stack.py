"""The bot on WhatsApp alone, over real HTTP, with simulated WhatsApp people.

The product's runtime with its `WhatsAppChannel` and its httpx client, whose requests go to
the fake Graph API's ASGI app (`tests/fakes/whatsapp_api.py`) through httpx's in-memory
transport (the fake would otherwise take much of the 2 cores serving HTTP), and receiving
signed webhooks over real HTTP in its own webhook server, as in tests/e2e. Meta's side, the
HTTP client posting those webhooks, runs in a child process (bench/meta_poster.py): in
production it is remote, and its CPU is not the bot's.

`WhatsAppWalker` is a `Person` (bench/telegram_memory.py) that writes over WhatsApp: each
act hands a webhook to the child, which posts it, and returns at once; the bot's answers are
read from what the fake Graph API accepted (`GraphIndex`).
"""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.meta_poster import APP_SECRET, MetaPoster, meta_posting
from bench.people import whatsapp_user_id
from bench.stack import Probes, instrumented
from bench.telegram_memory import Hub, Person, Sent, UpdateRef
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.client import GraphClient
from bot.channels.whatsapp.inbound import CHANNEL, to_inbound
from bot.config import Settings, load_settings
from bot.runtime import Runtime
from handlers.i18n import Catalog
from tests.e2e.whatsapp import body_of, option_for
from tests.fakes.whatsapp_api import (
    FakeGraph,
    button_reply,
    contact,
    envelope,
    list_reply,
    location_message,
    text_message,
)


@dataclass
class GraphIndex:
    """The bodies the fake Graph API accepted, by wamid (read incrementally)."""

    graph: FakeGraph
    _bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    _seen: int = 0

    def body(self, wamid: str) -> dict[str, Any]:
        calls = self.graph.calls
        for call in calls[self._seen :]:
            response = call.response
            if call.status == 200 and isinstance(response, dict) and response.get("messages"):
                self._bodies[response["messages"][0]["id"]] = call.body or {}
        self._seen = len(calls)
        return self._bodies.get(wamid, {})


@dataclass
class WhatsAppLine:
    """What walkers share: Meta's side posting their webhooks, the index of sent bodies."""

    poster: MetaPoster
    index: GraphIndex
    wamids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def reposted(self) -> int:
        """Posts that failed on a closed connection and were made again."""
        return self.poster.reposted

    def post(self, payload: dict[str, Any]) -> None:
        """Hand a webhook to Meta's side, which posts it; returns at once (the walker waits
        for the answer, not the 200)."""
        self.poster.post(json.dumps(payload).encode())


@dataclass
class WhatsAppWalker(Person):
    """A simulated WhatsApp user; `user_id` is their phone number (the chat)."""

    line: WhatsAppLine | None = None

    def _write(self, message: dict[str, Any]) -> UpdateRef:
        """Post `message` from this person; returns its wamid (the inbox's ext_id)."""
        assert self.line is not None
        phone = str(self.user_id)
        self.line.post(
            envelope(
                messages=[message],
                contacts=[contact(user_id=whatsapp_user_id(phone), wa_id=phone, name=self.name)],
            )
        )
        return str(message["id"])

    def _wamid(self) -> str:
        assert self.line is not None
        return f"wamid.BENCH.{next(self.line.wamids)}"

    def text_of(self, sent: Sent) -> str:
        assert self.line is not None
        return body_of(self.line.index.body(str(sent.message_id)))

    def send_text(self, text: str) -> UpdateRef:
        return self._write(text_message(self._wamid(), str(self.user_id), text))

    def share_location(self, lat: float, lon: float) -> UpdateRef:
        return self._write(location_message(self._wamid(), str(self.user_id), lat, lon))

    def tap(self, label: str) -> UpdateRef:
        assert self.line is not None
        recent = (self.line.index.body(str(s.message_id)) for s in reversed(self.content[-5:]))
        found = option_for(recent, label)
        if found is None:
            last = self.text_of(self.content[-1]) if self.content else ""
            raise AssertionError(f"{self.user_id}: no option {label!r} after {last[:300]!r}")
        kind, option_id, title = found
        if kind == "number":
            return self.send_text(option_id)
        reply = button_reply if kind == "button" else list_reply
        return self._write(
            reply(self._wamid(), str(self.user_id), option_id, title, context_id="wamid.x")
        )


@dataclass
class WhatsAppStack:
    runtime: Runtime
    graph: FakeGraph
    hub: Hub
    line: WhatsAppLine
    settings: Settings
    probes: Probes

    def walker(self, phone: int) -> WhatsAppWalker:
        found = self.hub.people.get(str(phone))
        if found is None:
            found = WhatsAppWalker(self.hub, phone, line=self.line)
            self.hub.people[str(phone)] = found
        assert isinstance(found, WhatsAppWalker)
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def running_whatsapp_bot(folder: Path, **settings_extra: Any) -> AsyncIterator[WhatsAppStack]:
    """The whole bot (webhook server, inbox worker, WhatsApp sender, scheduler) on a new
    database, with the product's WhatsApp pacing unless `settings_extra` says otherwise."""
    graph = FakeGraph()
    await graph.start()
    settings = load_settings(
        _env_file=None,
        whatsapp_access_token=graph.access_token,
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_api_base_url=graph.base_url,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token="bench-verify-token",
        webhook_host="127.0.0.1",
        webhook_port=_free_port(),
        database_path=folder / "psm.db",
        media_path=folder / "media",
        districts="32.08:KNG",
        log_level="WARNING",
        **settings_extra,
    )
    # The bot's requests reach the fake's ASGI app in memory (as bench/telegram_memory.py
    # does for Telegram): no sockets or uvicorn on the fake's side, so the figures measure
    # the bot. Webhooks still come over HTTP into the bot's own server.
    client = GraphClient(
        settings.whatsapp_api_base_url,
        settings.whatsapp_phone_number_id,
        graph.access_token,
        transport=httpx.ASGITransport(app=graph.app),
    )
    channel = WhatsAppChannel(settings, Catalog.load(), client)
    hub = Hub(None)
    channel.send = hub.wrap(channel.send)  # type: ignore[method-assign]
    runtime = Runtime(settings, [channel], {CHANNEL: to_inbound})
    webhook = f"http://127.0.0.1:{settings.webhook_port}/webhook/whatsapp"
    try:
        # Meta's side, in a child process, is drained before the bot stops.
        async with instrumented(runtime) as probes, meta_posting(webhook) as poster:
            line = WhatsAppLine(poster, GraphIndex(graph))
            yield WhatsAppStack(runtime, graph, hub, line, settings, probes)
    finally:
        await graph.stop()
