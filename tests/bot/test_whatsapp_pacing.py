"""WhatsApp's limits over real HTTP: the WhatsApp adapter and the outbox sender against the
fake Graph API enforcing the Cloud API's pair rate (131056) and throughput (130429)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp import channel as whatsapp_channel
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.outbox_sender import OutboxSender
from bot.pacing import Pacing
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import UserStatus
from tests.fakes.whatsapp_api import FakeGraph, WhatsAppLimits

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PHONES = ["6281200000001", "6281200000002", "6281200000003"]
NO_PACING = Pacing(overall_rate=1000, chat_rate=100, chat_burst=100)  # the fake decides


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(graph: FakeGraph, tmp_path) -> Settings:
    graph.reset()
    return load_settings(
        _env_file=None,
        whatsapp_access_token=graph.access_token,
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_api_base_url=graph.base_url,
        whatsapp_app_secret="secret",
        whatsapp_verify_token="verify",
        database_path=tmp_path / "psm.db",
        media_path=tmp_path / "media",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def world(settings: Settings) -> AsyncIterator[tuple[Database, WhatsAppChannel, list[int]]]:
    """A database with three people writing on WhatsApp (their window open), the adapter."""
    db = Database(settings.database_path)
    await db.open()
    channel = WhatsAppChannel(settings, Catalog.load())
    await channel.start(db, ManualClock(NOW), lambda: None)
    people = []
    async with db.transaction() as repos:
        for phone in PHONES:
            user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, full_name="Sari")
            await repos.users.add_identity(
                user_id=user.id, channel="whatsapp", external_id=phone, chat_id=phone, now=NOW
            )
            people.append(user.id)
    yield db, channel, people
    await channel.shutdown()
    await db.close()


async def _queue(db: Database, plan: list[tuple[int, str]]) -> None:
    async with db.transaction() as repos:
        for user_id, text in plan:
            await deliver(
                repos,
                user_id=user_id,
                message=Outbound.say(text),
                kind=DeliveryKind.NOTICE,
                now=NOW,
            )


def _sender(db: Database, channel: WhatsAppChannel, pacing: Pacing, **options) -> OutboxSender:
    return OutboxSender(
        db,
        "whatsapp",
        channel.send,
        ManualClock(NOW),
        pacing=pacing,
        api_calls=channel.api_calls,
        zone=UTC,
        **options,
    )


def _texts(graph: FakeGraph, phone: str) -> list[str]:
    return [m["text"]["body"] for m in graph.messages_to(phone)]


def test_the_products_whatsapp_pacing_stays_within_the_cloud_apis_limits() -> None:
    settings = load_settings(
        _env_file=None, whatsapp_access_token="token", telegram_bot_token="123456789:AAE" + "x" * 32
    )
    whatsapp, meta = WhatsAppChannel(settings, Catalog.load()).pacing, WhatsAppLimits()
    assert whatsapp.chat_rate <= meta.pair_per_s and whatsapp.chat_burst <= meta.pair_burst
    assert whatsapp.overall_rate <= meta.throughput_per_s
    assert whatsapp.overall_bucket <= meta.throughput_burst
    # Telegram keeps its own: 30/s overall, 1/s and bursts of 3 per chat.
    assert TelegramChannel(settings, Catalog.load()).pacing == Pacing(30.0, 1.0, 3.0)


async def test_the_pair_rate_holds_only_that_chat(world, graph, monkeypatch) -> None:
    db, channel, (one, two, _) = world
    monkeypatch.setattr(whatsapp_channel, "PAIR_RATE_PAUSE", 600.0)  # the product's: 6 s
    counters = graph.enforce_limits(WhatsAppLimits(pair_per_s=0.001, pair_burst=2))
    await _queue(db, [(one, "a1"), (one, "a2"), (one, "a3")])
    sender = _sender(db, channel, NO_PACING)
    assert await sender.drain() is False
    assert _texts(graph, PHONES[0]) == ["a1", "a2"]  # a3 got 131056
    assert counters.pair_limited == 1
    async with db.reading() as repos:
        third = (await repos.outbox.for_user(one))[2]
    assert (third.status, third.not_before) == ("pending", NOW + timedelta(seconds=600))
    # The chat is held; another person is not.
    await _queue(db, [(one, "a4"), (two, "b1")])
    assert await sender.drain() is True
    assert _texts(graph, PHONES[0]) == ["a1", "a2"]
    assert _texts(graph, PHONES[1]) == ["b1"]
    assert counters.ignored_retry == 0


async def test_the_throughput_limit_pauses_the_channel(world, graph, monkeypatch) -> None:
    db, channel, (one, two, three) = world
    # The pause outlasts the test however slow the machine (the product's is a second).
    monkeypatch.setattr(whatsapp_channel, "THROUGHPUT_PAUSE", 600.0)
    counters = graph.enforce_limits(
        WhatsAppLimits(throughput_per_s=0.001, throughput_burst=1, throughput_wait_s=600)
    )
    await _queue(db, [(one, "a1"), (two, "b1"), (three, "c1")])
    sender = _sender(db, channel, NO_PACING, concurrency=1)  # no sends in flight together
    assert await sender.drain() is True
    assert _texts(graph, PHONES[0]) == ["a1"]
    assert counters.throughput_limited == 1  # b1; c1 was not tried while the channel waits
    assert counters.ignored_retry == 0
    async with db.reading() as repos:
        (waiting,) = await repos.outbox.for_user(two)
    assert (waiting.status, waiting.not_before) == ("pending", NOW + timedelta(seconds=600))


async def test_a_message_of_several_sends_takes_as_many_pair_tokens(world, graph) -> None:
    db, channel, (one, _, _) = world
    counters = graph.enforce_limits(WhatsAppLimits(pair_per_s=0.001, pair_burst=4))
    long_text = "\n".join(["baris yang panjang sekali " * 10] * 30)  # two text bodies
    await _queue(db, [(one, long_text), (one, "a2"), (one, "a3"), (one, "a4")])
    pacing = Pacing(overall_rate=1000, chat_rate=0.001, chat_burst=4)
    assert await _sender(db, channel, pacing).drain() is True
    assert len(graph.messages_to(PHONES[0])) == 4  # the long one, a2, a3: a4 waits
    assert counters.pair_limited == 0
