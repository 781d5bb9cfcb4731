"""Starting the bot in-process on a fresh database, with the instruments the benchmarks read."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import aiosqlite

from bench.telegram_memory import Hub, MemoryTelegramChannel
from bot.channels.telegram.inbound import CHANNEL, to_inbound
from bot.config import Settings, load_settings
from bot.runtime import Runtime, keep_startup_objects
from handlers.i18n import Catalog
from storage.inbox import InboxRepo
from tests.fakes.telegram_api import FakeTelegram


def bench_settings(folder: Path, token: str, **extra: Any) -> Settings:
    """Settings for an in-process bot on `folder`; nothing is read from a `.env`."""
    values: dict[str, Any] = {
        "telegram_bot_token": token,
        "telegram_api_base_url": "http://fake-telegram.invalid/bot",
        "telegram_file_base_url": "http://fake-telegram.invalid/file/bot",
        "telegram_poll_timeout": 30,
        "database_path": folder / "psm.db",
        "media_path": folder / "media",
        "admin_telegram_ids": "",
        "districts": "32.08:KNG",
        "timezone": "Asia/Jakarta",
        "default_language": "id",
        "log_level": "WARNING",
        # Simulated people answer as fast as the bot does, so the pacing Telegram imposes
        # (1 message/s per chat, 30/s overall) would measure the pacing, not the bot: the
        # highest rates the settings accept are used (as tests/e2e/conftest.py does).
        "send_rate_overall": 1000,
        "send_rate_per_chat": 100,
        "whatsapp_send_rate_overall": 1000,
        "whatsapp_send_rate_per_chat": 100,
    }
    values.update(extra)
    return load_settings(_env_file=None, **values)


@dataclass
class Probes:
    """Time stamps and counters taken without touching the product code on disk."""

    inbox_added: dict[str, float] = field(default_factory=dict)  # ext_id -> perf_counter()
    commits: Counter[str] = field(default_factory=Counter)  # per role of the code committing
    round_trips: Counter[str] = field(default_factory=Counter)  # aiosqlite calls, per connection

    def reset(self) -> None:
        self.inbox_added.clear()
        self.commits.clear()
        self.round_trips.clear()


@contextlib.contextmanager
def stamp_inbox_inserts(probes: Probes):
    """Note the moment each update is inserted into the inbox (InboxRepo.add is called)."""
    original = InboxRepo.add

    async def add(self: InboxRepo, *, channel: str, ext_id: str, **kwargs: Any) -> bool:
        probes.inbox_added.setdefault(ext_id, time.perf_counter())
        return await original(self, channel=channel, ext_id=ext_id, **kwargs)

    InboxRepo.add = add  # type: ignore[method-assign]
    try:
        yield
    finally:
        InboxRepo.add = original  # type: ignore[method-assign]


@contextlib.contextmanager
def count_round_trips(probes: Probes, connections: dict[int, str]):
    """Count calls handed to aiosqlite's thread (one queue put and one wake-up each)."""
    original = aiosqlite.Connection._execute

    async def _execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        probes.round_trips[connections.get(id(self), "other")] += 1
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]


# Who opened a write transaction, by the module of the calling code.
_ROLES = {
    "bot.inbox_worker": "inbox-worker",
    "bot.inbox_background": "inbox-worker",  # a background job's result
    "bot.outbox_sender": "outbox-sender",
    "bot.channels.telegram.polling": "telegram-poller",
    "storage.group_commit": "webhook",
    "bot.scheduler": "scheduler",
}


def _caller_role(frame: FrameType | None) -> str:
    for _ in range(8):
        if frame is None:
            break
        role = _ROLES.get(frame.f_globals.get("__name__", ""))
        if role:
            return role
        frame = frame.f_back
    return "other"


def count_commits(runtime: Runtime, probes: Probes) -> None:
    """Count write transactions (each one COMMIT, so one WAL fsync) by the code opening them."""
    db = runtime.db
    assert db is not None
    original = db.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        role = _caller_role(sys._getframe(1))
        async with original() as repos:
            yield repos
        probes.commits[role] += 1

    db.transaction = transaction  # type: ignore[method-assign]


@dataclass
class Stack:
    runtime: Runtime
    fake: FakeTelegram
    hub: Hub
    probes: Probes
    settings: Settings


@asynccontextmanager
async def instrumented(runtime: Runtime) -> AsyncIterator[Probes]:
    """Start `runtime` with the probes in place (inbox inserts stamped, round trips and
    commits counted) and stop it at the end, whatever its channel."""
    probes = Probes()
    connections: dict[int, str] = {}
    with stamp_inbox_inserts(probes), count_round_trips(probes, connections):
        await runtime.start()
        keep_startup_objects()  # as `psm-bot run` does
        assert runtime.db is not None
        connections[id(runtime.db._writer)] = "writer"
        connections[id(runtime.db._reader)] = "reader"
        count_commits(runtime, probes)
        try:
            yield probes
        finally:
            await runtime.stop()


@asynccontextmanager
async def running_bot(folder: Path, **settings_extra: Any) -> AsyncIterator[Stack]:
    """The whole bot (poller, inbox worker, outbox sender, scheduler) on a new database."""
    logging.getLogger().setLevel(logging.WARNING)
    fake = FakeTelegram()
    settings = bench_settings(folder, fake.token, **settings_extra)
    channel = MemoryTelegramChannel(settings, Catalog.load(), fake)
    hub = Hub(fake)
    channel.send = hub.wrap(channel.send)  # type: ignore[method-assign]
    runtime = Runtime(settings, [channel], {CHANNEL: to_inbound})
    async with instrumented(runtime) as probes:
        yield Stack(runtime, fake, hub, probes, settings)
