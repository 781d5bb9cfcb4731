"""SIGKILL the bot at random moments while people use it over WhatsApp; restart it on the
same database.

The same guarantees as test_crash.py (see tests/durability/crash_tools.py), over the channel
most people use, which receives differently: Meta POSTs signed webhooks to the bot's server,
which stores each message in the inbox (unique on its wamid) and answers 200 only once that
is committed. Like Meta, a delivery not answered 200 (connection refused or cut while the bot
is down, an error) is retried with backoff until it is; and now and then (seeded) a message
is delivered twice (again once answered 200, at once or a little later, or two copies at the
same time): it must be applied once.
Replies go to the fake Graph API, which validates every body.

Simulated WhatsApp people register (newcomers) and start and cancel case reports (active
PSMs known by their WhatsApp BSUID), each waiting for the bot's acknowledgement before the
next answer. Telegram stays configured (the admin hears of registrations there).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.whatsapp.outbound import render
from bot.config import load_settings
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.models import Role
from tests.durability.crash_people import (
    BABATAN,
    FIRST,
    KADUGEDE,
    WAIT,
    Chat,
    Registrant,
    Reporter,
    registrant_name,
)
from tests.durability.crash_tools import ChaosBot, CrashRun, kill_plans
from tests.e2e.conftest import bot_environment, free_port
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.whatsapp import (
    APP_SECRET,
    VERIFY_TOKEN,
    body_of,
    new_wamid,
    option_for,
    post_webhook,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.whatsapp_api import (
    FakeGraph,
    button_reply,
    contact,
    envelope,
    list_reply,
    text_message,
)

REPORTERS = 2
# How often Meta delivers a message once more after its 200 (and, half as often, two copies
# at the same time).
AGAIN = 0.15
CATALOG = Catalog.load()


class Meta:
    """Delivers webhooks the way Meta does: until answered 200, sometimes twice."""

    def __init__(self, url: str, rng: random.Random) -> None:
        self.url, self.rng = url, rng
        self.client = httpx.AsyncClient()  # one pool, as Meta keeps connections
        self._tasks: set[asyncio.Task[None]] = set()
        self.not_answered = 0  # posts refused or cut off (the bot down or killed)
        self.statuses: Counter[int] = Counter()  # answers other than 200
        self.twice = 0  # messages delivered twice

    def deliver(self, body: dict[str, Any]) -> None:
        """Start delivering (and return at once, as a phone does)."""
        chance = self.rng.random()
        self._start(self._until_answered(body, again=chance < AGAIN))
        if chance > 1 - AGAIN / 2:  # two deliveries at the same time
            self.twice += 1
            self._start(self._until_answered(body, again=False))

    async def drain(self) -> None:
        """Until every delivery, repeated ones included, was answered 200."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.client.aclose()

    def _start(self, delivery: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(delivery)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _until_answered(self, body: dict[str, Any], *, again: bool) -> None:
        delay = 0.05
        while True:
            try:
                response = await post_webhook(self.url, body, client=self.client)
            except httpx.TransportError:
                self.not_answered += 1
            else:
                if response.status_code == 200:
                    break
                self.statuses[response.status_code] += 1
            await asyncio.sleep(delay * self.rng.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.5)
        if again:
            self.twice += 1
            await asyncio.sleep(self.rng.choice((0.0, self.rng.uniform(0.0, 2.0))))
            self._start(self._until_answered(body, again=False))


@dataclass
class WhatsAppChat(Chat):
    """A WhatsApp user: messages reach the bot through `meta`, replies the fake Graph API."""

    graph: FakeGraph
    meta: Meta
    bsuid: str
    wa_id: str
    name: str = "Sari"
    channel = "whatsapp"

    @property
    def external_id(self) -> str:
        return self.bsuid

    @property
    def chat_id(self) -> str:
        return self.wa_id

    @property
    def phone(self) -> str:  # type: ignore[override]
        return f"+{self.wa_id}"

    def texts(self) -> list[str]:
        return [body_of(message) for message in self.graph.messages_to(self.wa_id)]

    async def send_text(self, text: str) -> None:
        self._send(text_message(new_wamid(), self.wa_id, text))

    async def send_tap(self, label: str) -> None:
        """A reply button or list row whose title contains `label`, or its number typed."""
        found = option_for(reversed(self.graph.messages_to(self.wa_id)), label)
        if found is None:
            raise AssertionError(f"{self.bsuid}: no option {label!r}")
        kind, option_id, title = found
        if kind == "number":
            await self.send_text(option_id)
            return
        reply = button_reply if kind == "button" else list_reply
        self._send(reply(new_wamid(), self.wa_id, option_id, title, context_id="wamid.x"))

    async def send_own_phone(self) -> None:
        await self.send_tap(self.phone)  # the bot offers the number WhatsApp vouches for

    def command(self, word: str) -> str:
        return word  # keywords, no slash commands

    async def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        await self.graph.wait_for(predicate, timeout=WAIT, what=what)

    def pieces(self, message: Outbound) -> list[str]:
        """The bodies the WhatsApp adapter sends for one outbox message."""
        if message.type in ("delete", "callback_answer", "menu"):
            return []
        return [body_of(body) for body in render(message, CATALOG, "id").bodies]

    def _send(self, message: dict[str, Any]) -> None:
        person = contact(user_id=self.bsuid, wa_id=self.wa_id, name=self.name)
        self.meta.deliver(envelope(messages=[message], contacts=[person]))


@pytest.fixture
async def servers():
    telegram, graph = FakeTelegram(), FakeGraph()
    await telegram.start()
    await graph.start()
    yield telegram, graph
    await graph.stop()
    await telegram.stop()


@pytest.mark.parametrize(("kills_wanted", "seed"), kill_plans(20261))
async def test_sigkill_over_whatsapp_loses_nothing_applies_redeliveries_once(
    servers: tuple[FakeTelegram, FakeGraph], tmp_path: Path, kills_wanted: int, seed: int
) -> None:
    """(Replay a soak failure with PSM_CRASH_SEED=<seed> make soak.)"""
    print(f"WhatsApp crash test seed {seed}, {kills_wanted} kills")
    fake, graph = servers
    port = free_port()
    whatsapp = {
        "WHATSAPP_ACCESS_TOKEN": graph.access_token,
        "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_BASE_URL": graph.base_url,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }
    environment = bot_environment(fake, tmp_path, **whatsapp)
    settings = load_settings(**{key.lower(): value for key, value in environment.items()})
    meta = Meta(f"http://127.0.0.1:{port}", random.Random(seed + 1))
    reporters = []
    for number in range(REPORTERS):
        chat = WhatsAppChat(graph, meta, f"ID.88{number:02d}", f"62812990088{number:02d}", "Ani")
        await add_whatsapp_user(
            settings,
            role=Role.PSM,
            bsuid=chat.bsuid,
            name=f"Bu {FIRST[number]} Pelapor",
            kecamatan=KADUGEDE,
            desa=BABATAN,
        )
        reporters.append(Reporter(chat, index=number))

    def newcomer(slot: int, round_: int, index: int) -> Registrant:
        wa_id = f"62812{30000000 + index:08d}"
        chat = WhatsAppChat(
            graph, meta, f"ID.{31000 + slot * 100 + round_}", wa_id, registrant_name(index)
        )
        return Registrant(chat)

    run = CrashRun(
        bot=ChaosBot(fake, tmp_path, **whatsapp),
        folder=tmp_path,
        rng=random.Random(seed),
        kills_wanted=kills_wanted,
        newcomer=newcomer,
        reporters=reporters,
        settle=meta.drain,  # the last redeliveries reach the running bot
    )
    try:
        await run.run()
    finally:
        await meta.close()
    print(run.check_database())
    print(
        f"{meta.not_answered} webhook posts not answered (bot down or killed),"
        f" {meta.twice} messages delivered twice"
    )
    # A signed webhook is never refused (4xx); a 5xx would only be retried.
    assert [status for status in meta.statuses if status < 500] == [], meta.statuses
    # A request cut off by SIGKILL never reached the API: it is not a refusal.
    for api in (graph, fake):
        refused = [c for c in api.rejections if "ClientDisconnect" not in (c.rejected or "")]
        assert refused == [], refused
    assert "Traceback" not in run.bot.output(), run.bot.output()[-5000:]
    assert meta.twice > 0 and meta.not_answered > 0  # the run did test both
