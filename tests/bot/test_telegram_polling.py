"""The Telegram poller against the fake Bot API over HTTP: updates are stored as the JSON
Telegram sent, confirmed by the next getUpdates, and a refused token stops the poller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from telegram import Bot
from telegram.error import InvalidToken, RetryAfter

from bot.channels.telegram.inbound import to_inbound
from bot.channels.telegram.polling import TelegramPoller
from bot.clock import ManualClock
from handlers.events import InboundKind
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegram


@pytest_asyncio.fixture(loop_scope="session")
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    b = Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    await b.initialize()
    yield b
    await b.shutdown()


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "psm.db")
    await database.open()
    yield database
    await database.close()


async def test_updates_are_stored_as_telegram_sent_them(fake, bot, db) -> None:
    woken: list[bool] = []
    poller = TelegramPoller(
        bot, db, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)), lambda: woken.append(True)
    )
    first = fake.user_text(501, "/start", first_name="Sri")
    second = fake.user_text(502, "halo")
    assert await poller.poll_once(0) == 2
    assert woken == [True]
    async with db.reading() as repos:
        items = await repos.inbox.pending()
    assert [item.ext_id for item in items] == [str(first), str(second)]
    assert [item.sender_key for item in items] == ["501", "502"]
    assert items[0].payload["message"]["from"]["first_name"] == "Sri"
    event = to_inbound(items[0].payload)
    assert event is not None and event.kind == InboundKind.COMMAND and event.command == "start"
    assert poller.offset == second + 1

    assert await poller.poll_once(0) == 0  # confirms both
    assert fake.confirmed_offset == second + 1
    async with db.reading() as repos:
        confirmed = await repos.inbox._all("SELECT confirmed FROM inbox ORDER BY id")
    assert [row[0] for row in confirmed] == [1, 1]

    # While updates keep coming, confirmations are written in batches; once they stop, at once.
    third = fake.user_text(501, "satu")
    assert await poller.poll_once(0) == 1
    fake.user_text(502, "dua")
    assert await poller.poll_once(0) == 1  # Telegram now forgot `third`; not written yet
    async with db.reading() as repos:
        confirmed = await repos.inbox._all("SELECT confirmed FROM inbox ORDER BY id")
    assert [row[0] for row in confirmed] == [1, 1, 0, 0]
    assert await poller.poll_once(0) == 0
    async with db.reading() as repos:
        confirmed = await repos.inbox._all("SELECT confirmed FROM inbox ORDER BY id")
        offset = await repos.schedule.get_state("telegram", "confirmed_offset")
    assert [row[0] for row in confirmed] == [1, 1, 1, 1]
    assert offset == str(poller.offset) and int(offset) > third + 1


async def test_a_refused_token_stops_the_poller(fake, bot, db, monkeypatch) -> None:
    poller = TelegramPoller(bot, db, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)), lambda: None)
    monkeypatch.setattr(fake, "token", "999:REVOKED")
    with pytest.raises(InvalidToken):
        await poller.run()


@pytest.mark.parametrize("timedelta_periods", ["false", "true"])
async def test_a_flood_limit_waits_as_long_as_telegram_says(
    db, monkeypatch, timedelta_periods
) -> None:
    """RetryAfter's period is an int today and a timedelta in PTB's next major version
    (PTB_TIMEDELTA has it now): both are waited, then polling goes on."""
    monkeypatch.setenv("PTB_TIMEDELTA", timedelta_periods)
    poller = TelegramPoller(None, db, ManualClock(datetime(2026, 12, 1, tzinfo=UTC)), lambda: None)  # type: ignore[arg-type]
    calls: list[str] = []

    async def poll_once(_seconds: int) -> None:
        calls.append("poll")
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=1))
        raise InvalidToken("stop here")

    async def sleep(seconds: float) -> None:
        calls.append(f"sleep {seconds:g}")

    monkeypatch.setattr(poller, "poll_once", poll_once)
    monkeypatch.setattr("bot.channels.telegram.polling.asyncio.sleep", sleep)
    with pytest.raises(InvalidToken):
        await poller.run()
    assert calls == ["poll", "sleep 1", "poll"]
