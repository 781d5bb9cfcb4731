"""The one delivery path and the scheduler's housekeeping, on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest_asyncio

from bot import scheduler as scheduler_module
from bot.channels.traits import channel_traits
from bot.clock import ManualClock
from bot.logs import MaskIdentifiers
from bot.scheduler import Scheduler, default_work
from handlers.context import AppContext
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Button, Outbound
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import UserStatus

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = Database(tmp_path / "psm.db")
    await database.open()
    yield database
    await database.close()


async def _user(db: Database, *, started: bool) -> int:
    async with db.transaction() as repos:
        user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, full_name="Tini")
        await repos.users.add_identity(
            user_id=user.id,
            channel="telegram",
            external_id="55",
            chat_id="55" if started else None,
            now=NOW if started else None,
        )
        return user.id


async def test_deliver_masks_every_nik_in_text_and_buttons(db) -> None:
    user_id = await _user(db, started=True)
    message = Outbound(
        text="NIK 3208 0101 0190 0001 dan KK 3208-0112-3456-0002",
        buttons=[[Button(label="3208010101900001", data="x")]],
    )
    async with db.transaction() as repos:
        await deliver(repos, user_id=user_id, message=message, kind=DeliveryKind.NOTICE, now=NOW)
        (item,) = await repos.outbox.for_user(user_id)
    assert item.message["text"] == "NIK 320801******0001 dan KK 320801******0002"
    assert item.message["buttons"][0][0]["label"] == "320801******0001"
    assert item.chat_id == "55" and item.status == "pending"


async def test_someone_who_never_started_gets_notices_later_and_no_routine(db) -> None:
    user_id = await _user(db, started=False)
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=user_id,
            message=Outbound.say("disetujui"),
            kind=DeliveryKind.NOTICE,
            now=NOW,
        )
        await deliver(
            repos,
            user_id=user_id,
            message=Outbound.say("pengingat"),
            kind=DeliveryKind.ROUTINE,
            now=NOW,
        )
        assert [i.status for i in await repos.outbox.for_user(user_id)] == ["waiting"] * 2
        assert await repos.outbox.due("telegram", NOW + timedelta(hours=1)) == []
        await repos.outbox.release_waiting(
            user_id=user_id, channel="telegram", chat_id="55", now=NOW
        )
        items = await repos.outbox.for_user(user_id)
    assert [(i.message["text"], i.status) for i in items] == [
        ("disetujui", "pending"),
        ("pengingat", "expired"),
    ]


async def test_housekeeping_expires_routine_messages_and_forgets_confirmed_updates(db) -> None:
    user_id = await _user(db, started=True)
    clock = ManualClock(NOW)
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=user_id,
            message=Outbound.say("pengingat"),
            kind=DeliveryKind.ROUTINE,
            now=NOW,
        )
        await deliver(
            repos,
            user_id=user_id,
            message=Outbound.say("balasan"),
            kind=DeliveryKind.REPLY,
            now=NOW,
        )
        await repos.inbox.add(channel="telegram", ext_id="10", payload={}, sender_key="55", now=NOW)
        await repos.inbox.add(channel="telegram", ext_id="11", payload={}, sender_key="55", now=NOW)
        for item in await repos.inbox.pending():
            await repos.inbox.mark_done(item.id, now=NOW)
        await repos.inbox.confirm_below("telegram", 11)
    scheduler = Scheduler(db, app=_app(), clock=clock, work=default_work())
    clock.advance(timedelta(hours=13))
    await scheduler.tick()
    async with db.reading() as repos:
        statuses = {i.message["text"]: i.status for i in await repos.outbox.for_user(user_id)}
        inbox = await repos.inbox.counts()
    assert statuses == {"pengingat": "expired", "balasan": "pending"}
    assert inbox == {"done": 1}  # update 10 confirmed and forgotten; 11 kept


async def test_housekeeping_forgets_telegram_webhook_updates_after_two_days(db) -> None:
    """In webhook mode no update is ever confirmed: its key goes by age, as WhatsApp's do."""
    clock = ManualClock(NOW)
    async with db.transaction() as repos:
        for ext_id in ("20", "21"):
            await repos.inbox.add(
                channel="telegram", ext_id=ext_id, payload={}, sender_key="55", now=NOW
            )
        await repos.inbox.add(
            channel="telegram",
            ext_id="22",
            payload={},
            sender_key="55",
            now=NOW + timedelta(days=1),
        )
        for item in await repos.inbox.pending():
            if item.ext_id != "21":  # 21 is not yet processed
                await repos.inbox.mark_done(item.id, now=NOW + timedelta(days=1))
    scheduler = Scheduler(db, app=_app(), clock=clock, work=default_work())
    clock.advance(timedelta(days=1, hours=23))
    await scheduler.tick()
    async with db.reading() as repos:
        assert await repos.inbox.counts() == {"done": 2, "pending": 1}  # within Telegram's day

    clock.advance(timedelta(hours=2))
    await scheduler.tick()
    async with db.transaction() as repos:
        assert await repos.inbox.counts() == {"done": 1, "pending": 1}  # 20 forgotten
        # An update id Telegram reuses after a quiet week is stored, not dropped as a repeat.
        assert await repos.inbox.add(
            channel="telegram", ext_id="20", payload={}, sender_key="55", now=clock.now()
        )


def _app() -> AppContext:
    """Kuningan's time zone, no districts: what the scheduler's foundation kinds need."""
    return AppContext(
        catalog=Catalog.load(),
        forms=load_forms(),
        districts=[],
        timezone=ZoneInfo("Asia/Jakarta"),
        admin_ids={},
        channels=channel_traits(),
    )


def test_log_lines_never_carry_a_nik() -> None:
    import logging

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user typed %s", ("3208010101900001",), None
    )
    MaskIdentifiers().filter(record)
    assert record.getMessage() == "user typed 320801******0001"


async def test_the_started_scheduler_keeps_ticking(tmp_path, monkeypatch) -> None:
    """Not just once: an interval job added with `next_run_time=None` is paused for ever."""
    monkeypatch.setattr(scheduler_module, "TICK_SECONDS", 1)
    db = Database(tmp_path / "psm.db")
    await db.open()
    ticked = asyncio.Event()
    ticks = 0

    async def counting(repos, app, now) -> None:
        nonlocal ticks
        ticks += 1
        if ticks == 2:
            ticked.set()

    scheduler = Scheduler(db, app=_app(), clock=ManualClock(NOW), work={"count": counting})
    scheduler.start()
    try:
        await asyncio.wait_for(ticked.wait(), 30)  # bounded: a paused job fails, not hangs
    finally:
        scheduler.stop()
        await db.close()
    assert ticks >= 2
