"""The bot on WhatsApp alone, over real HTTP, with simulated WhatsApp people.

The product's runtime with its `WhatsAppChannel` and its httpx client, whose requests go to
the fake Graph API's ASGI app (`tests/fakes/whatsapp_api.py`) through httpx's in-memory
transport (the fake would otherwise take much of the 2 cores serving HTTP), and receiving
signed webhooks over real HTTP in its own webhook server, as in tests/e2e.

`WhatsAppWalker` is a `Person` (bench/telegram_memory.py) that writes over WhatsApp: each
act posts a webhook in the background and returns at once, and the bot's answers are read
from what the fake Graph API accepted (`GraphIndex`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

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
    sign,
    text_message,
)

APP_SECRET = "bench-app-secret"
CONNECTIONS = 16  # Meta's simulated side: connections to the bot's webhook server


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
    """What walkers share: the bot's webhook, an HTTP client, the index of sent bodies."""

    url: str
    http: httpx.AsyncClient
    index: GraphIndex
    posting: set[asyncio.Task[None]] = field(default_factory=set)
    reposted: int = 0  # posts that failed on a closed connection and were made again
    wamids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # No more posts in flight than the pool has connections: httpx's pool looks at every
    # connection for every request queued in it, each time one frees (CPU of the simulated
    # side, in this process, that the bot would not have to share with Meta).
    in_flight: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(CONNECTIONS))

    async def _post(self, raw: bytes) -> None:
        """Post until answered 200, as Meta does: a kept-alive connection the server closed
        just then fails the request (counted in `reposted`), and it is posted again."""
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)}
        for attempt in range(5):
            try:
                async with self.in_flight:
                    response = await self.http.post(
                        f"{self.url}/webhook/whatsapp", content=raw, headers=headers
                    )
            except httpx.TransportError:
                self.reposted += 1
                await asyncio.sleep(0.05 * 2**attempt)
                continue
            response.raise_for_status()
            return
        raise RuntimeError("the bot's webhook did not answer five posts")

    def post(self, payload: dict[str, Any]) -> None:
        """Post a webhook in the background (the walker waits for the answer, not the 200)."""
        task = asyncio.create_task(self._post(json.dumps(payload).encode()))
        self.posting.add(task)
        task.add_done_callback(self.posting.discard)


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
    # Meta's side, in this process: httpx's pool looks at every connection for each request
    # queued in it, so 200 of them cost the simulated people more CPU than the bot's own HTTP
    # server; with 16 (and no more posts in flight) a post may wait for a connection (Meta's
    # queueing, outside the measured latency). 8 would save a little more CPU but split the
    # webhooks' group commits (twice the commits); 32 cost 1.3 ms more per step.
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        line = WhatsAppLine(f"http://127.0.0.1:{settings.webhook_port}", http, GraphIndex(graph))
        try:
            async with instrumented(runtime) as probes:
                yield WhatsAppStack(runtime, graph, hub, line, settings, probes)
        finally:
            await graph.stop()
