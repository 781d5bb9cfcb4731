"""A message sent in several parts (a long text in pieces; WhatsApp's text before its
buttons) over real HTTP: the adapters and the outbox sender against the fake Bot API and
the fake Graph API. A part refused after others went is tried again from that part, never
from the first; each part's id finds the message; a numbered menu not yet seen is not the
one a typed number answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.outbound import split_text
from bot.channels.whatsapp import channel as whatsapp_channel
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.menu import MENU_KEY, Menu
from bot.channels.whatsapp.outbound import TEXT_BODY
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.outbox_sender import OutboxSender
from bot.pacing import Pacing
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Button, Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import OutboxItem, UserStatus
from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.fakes.whatsapp_api import FakeGraph

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PHONE = "6281200000009"
TELEGRAM_CHAT = 4242
NO_PACING = Pacing(overall_rate=1000, chat_rate=100, chat_burst=100)  # the fakes decide
LINE = "baris yang panjang sekali " * 10
LONG_TEXT = "\n".join(f"{n:02d} {LINE}" for n in range(30))  # two parts on both channels


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(graph: FakeGraph, telegram: FakeTelegram, tmp_path) -> Settings:
    graph.reset()
    telegram.reset()
    return load_settings(
        _env_file=None,
        telegram_bot_token=telegram.token,
        telegram_api_base_url=f"{telegram.url}/bot",
        telegram_file_base_url=f"{telegram.url}/file/bot",
        whatsapp_access_token=graph.access_token,
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_api_base_url=graph.base_url,
        whatsapp_app_secret="secret",
        whatsapp_verify_token="verify",
        database_path=tmp_path / "psm.db",
        media_path=tmp_path / "media",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def db(settings: Settings) -> AsyncIterator[tuple[Database, int]]:
    """A database with one person writing on both channels (the WhatsApp window open)."""
    database = Database(settings.database_path)
    await database.open()
    async with database.transaction() as repos:
        user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, full_name="Sari")
        await repos.users.add_identity(
            user_id=user.id, channel="whatsapp", external_id=PHONE, chat_id=PHONE, now=NOW
        )
        await repos.users.add_identity(
            user_id=user.id,
            channel="telegram",
            external_id=str(TELEGRAM_CHAT),
            chat_id=str(TELEGRAM_CHAT),
            now=NOW,
        )
    yield database, user.id
    await database.close()


@pytest_asyncio.fixture(loop_scope="session")
async def whatsapp(settings: Settings, db) -> AsyncIterator[WhatsAppChannel]:
    channel = WhatsAppChannel(settings, Catalog.load())
    await channel.start(db[0], ManualClock(NOW), lambda: None)
    yield channel
    await channel.shutdown()


async def _queue(db: Database, user_id: int, channel: str, message: Outbound) -> None:
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=user_id,
            message=message,
            kind=DeliveryKind.REPLY,
            now=NOW,
            channel=channel,
            chat_id=PHONE if channel == "whatsapp" else str(TELEGRAM_CHAT),
        )


def _sender(db: Database, channel: Any, name: str, at: datetime = NOW) -> OutboxSender:
    """A sender as the runtime makes one (a new one: no hold of an earlier one in memory)."""
    return OutboxSender(
        db,
        name,
        channel.send,
        ManualClock(at),
        pacing=NO_PACING,
        api_calls=channel.api_calls,
        zone=UTC,
    )


async def _only_message(db: Database, user_id: int, channel: str) -> OutboxItem:
    async with db.reading() as repos:
        (item,) = [i for i in await repos.outbox.for_user(user_id) if i.channel == channel]
    return item


def _second_part_head() -> str:
    """The first characters of a long text's second WhatsApp part (cut between lines)."""
    cut = LONG_TEXT[:TEXT_BODY].rfind("\n")
    return LONG_TEXT[cut + 1 : cut + 3]


async def _last_error(database: Database, item_id: int) -> str:
    async with database.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT last_error FROM outbox WHERE id = ?", (item_id,)
        )
    return rows[0][0] or ""


def _whatsapp_bodies(graph: FakeGraph) -> list[str]:
    return [m["text"]["body"][:2] for m in graph.messages_to(PHONE) if m.get("type") == "text"]


def _wamids(graph: FakeGraph) -> list[str]:
    return [
        str(call.response["messages"][0]["id"])
        for call in graph.sends
        if call.status == 200 and isinstance(call.response, dict)
    ]


async def test_whatsapp_resumes_a_long_text_after_the_part_that_went(db, whatsapp, graph):
    database, user = db
    _refuse_the_next_send(graph, 131056)  # part 2: the pair rate
    await _queue(database, user, "whatsapp", Outbound.say(LONG_TEXT))
    await _sender(database, whatsapp, "whatsapp").drain()
    assert _whatsapp_bodies(graph) == ["00"]
    (first,) = _wamids(graph)
    pending = await _only_message(database, user, "whatsapp")
    assert pending.status == "pending"
    assert (await _last_error(database, pending.id)).startswith("part 2 of 2: 131056")
    await _sender(database, whatsapp, "whatsapp", NOW + timedelta(minutes=1)).drain()
    # The person reads each part once: part 1 is not sent again.
    assert _whatsapp_bodies(graph) == ["00", _second_part_head()]
    first_again, last = _wamids(graph)
    assert first_again == first
    sent = await _only_message(database, user, "whatsapp")
    assert sent.status == "sent"
    async with database.reading() as repos:
        # A status report about either part finds the message (a late 131047 on part 1).
        assert (await repos.outbox.by_ext_message_id("whatsapp", first)).id == sent.id
        assert (await repos.outbox.by_ext_message_id("whatsapp", last)).id == sent.id
        assert await repos.outbox_parts.to_resume(sent.id) == []  # went whole


async def test_parts_sent_by_one_channel_are_not_skipped_on_another(db, whatsapp, graph):
    """A message moved to the person's other channel (unreachable where its first part
    went) is sent there whole."""
    database, user = db
    _refuse_the_next_send(graph, 131056)
    await _queue(database, user, "whatsapp", Outbound.say(LONG_TEXT))
    await _sender(database, whatsapp, "whatsapp").drain()
    item = await _only_message(database, user, "whatsapp")
    async with database.reading() as repos:
        assert len(await repos.outbox_parts.to_resume(item.id)) == 1
    async with database.transaction() as repos:
        await repos.conn.execute(
            "UPDATE outbox SET channel = 'telegram', chat_id = ? WHERE id = ?",
            (str(TELEGRAM_CHAT), item.id),
        )
    async with database.reading() as repos:
        assert await repos.outbox_parts.to_resume(item.id) == []


async def test_whatsapp_sends_a_message_refused_later_whole_again(db, whatsapp, graph):
    """A 131047 reported later (the status webhook) sends it again, from the first part."""
    database, user = db
    await _queue(database, user, "whatsapp", Outbound.say(LONG_TEXT))
    await _sender(database, whatsapp, "whatsapp").drain()
    assert len(_whatsapp_bodies(graph)) == 2
    item = await _only_message(database, user, "whatsapp")
    async with database.transaction() as repos:  # what the webhook does on the status
        await repos.outbox.retry_later(
            item.id, not_before=NOW, error="131047 reported", failed_try=False
        )
    await _sender(database, whatsapp, "whatsapp").drain()
    assert len(_whatsapp_bodies(graph)) == 4


async def test_whatsapp_part_refused_for_good_keeps_the_parts_that_went(db, whatsapp, graph):
    database, user = db
    _refuse_the_next_send(graph, 131009)  # part 1 goes, part 2 is refused for good
    await _queue(database, user, "whatsapp", Outbound.say(LONG_TEXT))
    await _sender(database, whatsapp, "whatsapp").drain()
    (first,) = _wamids(graph)
    failed = await _only_message(database, user, "whatsapp")
    assert failed.status == "failed"
    assert (await _last_error(database, failed.id)).startswith("part 2 of 2: 131009")
    async with database.reading() as repos:
        assert (await repos.outbox.by_ext_message_id("whatsapp", first)).id == failed.id


def _refuse_the_next_send(graph: FakeGraph, code: int) -> None:
    """The next send goes through, the one after it is refused with `code`."""

    async def refuse_the_one_after(body: dict[str, Any]) -> None:
        graph.fail_next(code, message="refused")
        graph.on_send = None

    graph.on_send = refuse_the_one_after


def _numbered(prefix: str) -> Outbound:
    """A question of 12 options: more than a list holds, so numbered text."""
    buttons = [[Button(label=f"{prefix} {n}", data=f"{prefix}:{n}")] for n in range(1, 13)]
    return Outbound.say(f"Pilih {prefix}", buttons)


async def _stored_menu(database: Database) -> Menu:
    async with database.reading() as repos:
        return Menu.parse(await repos.schedule.get_state("whatsapp", MENU_KEY + PHONE))


async def test_a_numbered_menu_not_sent_yet_is_not_the_one_a_number_answers(
    db, whatsapp, graph, monkeypatch
):
    database, user = db
    monkeypatch.setattr(whatsapp_channel, "PAIR_RATE_PAUSE", 0.0)
    _refuse_the_next_send(graph, 131056)
    await _queue(database, user, "whatsapp", _numbered("desa"))
    await _queue(database, user, "whatsapp", _numbered("kecamatan"))
    await _sender(database, whatsapp, "whatsapp").drain()
    assert [m["text"]["body"].split("\n")[0] for m in graph.messages_to(PHONE)] == ["Pilih desa"]
    # The kecamatan question waits (131056): "3" typed now is the desa the person sees.
    assert (await _stored_menu(database)).options["3"] == "desa:3"
    await _sender(database, whatsapp, "whatsapp", NOW + timedelta(minutes=1)).drain()
    assert (await _stored_menu(database)).options["3"] == "kecamatan:3"


async def test_telegram_resumes_a_long_text_after_the_part_that_went(db, settings, telegram):
    database, user = db
    channel = TelegramChannel(settings, Catalog.load())
    await channel.application.initialize()
    try:
        # Room for two sends in the chat: "hai" and part 1; part 2 gets a 429.
        telegram.enforce_limits(RateLimits(chat_per_s=0.001, chat_burst=2))
        await _queue(database, user, "telegram", Outbound.say("hai"))
        await _queue(database, user, "telegram", Outbound.say(LONG_TEXT))
        await _sender(database, channel, "telegram").drain()
        assert [m["text"][:2] for m in telegram.sent_to(TELEGRAM_CHAT)] == ["ha", "00"]
        telegram.enforce_limits(RateLimits())
        await _sender(database, channel, "telegram", NOW + timedelta(hours=1)).drain()
        texts = [m["text"][:2] for m in telegram.sent_to(TELEGRAM_CHAT)]
        assert texts == ["ha", "00", split_text(LONG_TEXT)[1][:2]]
        async with database.reading() as repos:
            statuses = [i.status for i in await repos.outbox.for_user(user)]
        assert statuses == ["sent", "sent"]
    finally:
        await channel.application.shutdown()
