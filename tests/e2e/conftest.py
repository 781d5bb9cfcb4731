"""End-to-end fixtures: the real bot runtime (PTB Application over HTTP) against the fake
Telegram Bot API server on 127.0.0.1, with a real SQLite file in a temporary folder."""

from __future__ import annotations

import random
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.app import build_runtime
from bot.clock import Clock, ManualClock
from bot.config import Settings, load_settings
from bot.runtime import Runtime
from storage.models import to_db
from tests.e2e.db_writes import write_db
from tests.e2e.whatsapp import APP_SECRET, VERIFY_TOKEN
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.whatsapp_api import FakeGraph

ADMIN_ID = 999
# On the real clock the daily reminder (16:00 local by default) would reach people with a
# draft whenever the suite runs in the afternoon; 23:59 (with no quiet hours, `on_clock`: inside
# them it would come at their last call, 20:30): only in the day's last minute.
SYSTEM_CLOCK_REMINDER_TIME = "23:59"
BUSINESS_NUMBER = "6281100001111"
LOCAL_ZONE = ZoneInfo("Asia/Jakarta")  # the settings' default TIMEZONE


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def _reset(fake: FakeTelegram) -> None:
    fake.reset()


def bot_environment(fake: FakeTelegram, folder: Path, **extra: str) -> dict[str, str]:
    """Environment variables that point a bot at the fake and a temporary database."""
    return {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": f"{fake.url}/bot",
        "TELEGRAM_FILE_BASE_URL": f"{fake.url}/file/bot",
        "TELEGRAM_POLL_TIMEOUT": "1",
        "DATABASE_PATH": str(folder / "psm.db"),
        "MEDIA_PATH": str(folder / "media"),
        "ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
        "DISTRICTS": "32.08:KNG",
        "WHATSAPP_DISPLAY_NUMBER": BUSINESS_NUMBER,  # wa.me links on Bimtek letters
        # Simulated people answer faster than anyone types; Telegram's pacing is tested apart.
        "SEND_RATE_PER_CHAT": "50",
        "WHATSAPP_SEND_RATE_PER_CHAT": "50",  # WhatsApp's pair rate likewise
        **extra,
    }


@pytest.fixture
def settings(fake: FakeTelegram, tmp_path: Path) -> Settings:
    env = bot_environment(fake, tmp_path)
    return load_settings(**{key.lower(): value for key, value in env.items()})


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def graph() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


class TodayClock:
    """The real clock, except that it stops at the end of the local day it started on: the
    suite's own time of day (`on_clock` treats it as the real clock), on a date that cannot
    turn in the middle of a test that types dates relative to today (17:00 UTC is midnight
    in Asia/Jakarta)."""

    def __init__(self) -> None:
        self._start, self._started = datetime.now(UTC), time.monotonic()
        local = self._start.astimezone(LOCAL_ZONE)
        midnight = datetime.combine(local.date() + timedelta(days=1), dtime(0), LOCAL_ZONE)
        self._last = (midnight - timedelta(microseconds=1)).astimezone(UTC)

    def now(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return min(self._start + elapsed, self._last)


# No quiet hours (an empty range): a suite on the real clock runs at any hour, and one run in
# the evening (21:00 WIB is 14:00 UTC) would else see broadcasts and reminders wait.
NO_QUIET_HOURS = "00:00-00:00"


def on_clock(settings: Settings, clock: Clock | None) -> Settings:
    """The settings a runtime starts with: on the real clock (no `clock` injected, or a
    TodayClock) without daily reminders at the suite's hour and without quiet hours; a test
    with a ManualClock gets the product's defaults and moves time to them."""
    if clock is not None and not isinstance(clock, TodayClock):
        return settings
    update = {"reminder_time": SYSTEM_CLOCK_REMINDER_TIME, "quiet_hours": NO_QUIET_HOURS}
    return settings.model_copy(update=update)


def _client_ports_start() -> int:
    """The first port the kernel hands out to outgoing connections (Linux; else IANA's)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def free_port() -> int:
    """A local port nothing listens on, for a server started afterwards. Taken below the
    range of outgoing connections' ports: a port the kernel picks itself (bind to 0) may be
    given to a client socket of this machine before the server binds it (a restarted bot in
    the crash tests binds the same port twenty times)."""
    start = _client_ports_start()
    for _ in range(200):
        port = random.randrange(10_000, max(start, 10_001))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use
            return port
    raise RuntimeError("no free local port below the client range")


@pytest.fixture
def wa_settings(fake: FakeTelegram, graph: FakeGraph, tmp_path: Path) -> Settings:
    """Telegram and WhatsApp both configured; the webhook server on a free local port."""
    graph.reset()
    env = bot_environment(
        fake,
        tmp_path,
        WHATSAPP_ACCESS_TOKEN=graph.access_token,
        WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=graph.base_url,
        ADMIN_WHATSAPP_PHONES="6281299990000",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(free_port()),
    )
    return load_settings(**{key.lower(): value for key, value in env.items()})


@pytest.fixture
def webhook_url(wa_settings: Settings) -> str:
    return f"http://127.0.0.1:{wa_settings.webhook_port}"


@pytest_asyncio.fixture(loop_scope="session")
async def start_wa_bot(wa_settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    running: list[Runtime] = []

    async def start(
        clock: Clock | None = None, settings: dict[str, Any] | None = None, **options: Any
    ) -> Runtime:
        """`settings` overrides some of wa_settings (e.g. whatsapp_daily_limit), after the
        clock's (`on_clock`): a test's own quiet hours stand."""
        chosen = on_clock(wa_settings, clock).model_copy(update=settings or {})
        runtime = build_runtime(chosen, clock)
        await runtime.start(**options)
        running.append(runtime)
        return runtime

    start.running = running  # type: ignore[attr-defined]
    yield start
    await stop_all(start)


@pytest_asyncio.fixture(loop_scope="session")
async def start_bot(
    settings: Settings,
) -> AsyncIterator[Callable[..., Any]]:
    """Start (and at the end stop) runtimes on the test's database."""
    running: list[Runtime] = []

    async def start(clock: Clock | None = None, **options: Any) -> Runtime:
        runtime = build_runtime(on_clock(settings, clock), clock)
        await runtime.start(**options)
        running.append(runtime)
        return runtime

    start.running = running  # type: ignore[attr-defined]
    yield start
    await stop_all(start)


@pytest_asyncio.fixture(loop_scope="session")
async def start_wa_clock_bot(wa_settings: Settings) -> AsyncIterator[Callable[..., Any]]:
    """Like start_wa_bot, with an injected clock."""
    running: list[Runtime] = []

    async def start(clock: ManualClock) -> Runtime:
        runtime = build_runtime(wa_settings, clock)
        await runtime.start()
        running.append(runtime)
        return runtime

    start.running = running  # type: ignore[attr-defined]
    yield start
    await stop_all(start)


async def stop_all(start: Callable[..., Any]) -> None:
    """Stop every runtime a `start_bot` factory started (a clean shutdown)."""
    for runtime in start.running:  # type: ignore[attr-defined]
        if runtime.db is not None:
            await runtime.stop()


BUSY_WAIT = 60.0  # seconds


def open_db(path: Path | str) -> sqlite3.Connection:
    """A connection for a test's own writes to the running bot's database: it waits for the
    bot's writer as long as a loaded machine may need (sqlite3's default of 5 s gave
    "database is locked" once in a full run under load)."""
    return sqlite3.connect(path, timeout=BUSY_WAIT)


async def known_on_whatsapp(
    settings: Settings, user_id: int, bsuid: str, wa_id: str, last_inbound: datetime
) -> None:
    """The person is known on WhatsApp by the phone WhatsApp gave, last heard from at
    `last_inbound` (24 hours before now: their window is closed). Before the bot starts or
    while it runs: written from a thread (`write_db`), since a synchronous write from the
    event loop while the bot's writer waits on that loop deadlocks ("database is locked")."""
    stamp = to_db(last_inbound)
    await write_db(
        settings.database_path,
        "INSERT INTO channel_identities (user_id, channel, external_id, chat_id, phone,"
        " phone_verified, started_at, last_inbound_at)"
        " VALUES (?, 'whatsapp', ?, ?, ?, 1, ?, ?)",
        user_id,
        bsuid,
        wa_id,
        "+" + wa_id,
        stamp,
        stamp,
    )
