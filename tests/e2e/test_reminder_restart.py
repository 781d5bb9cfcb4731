"""A bot process killed (SIGKILL) in the middle of a daily-reminder fan-out to many people
and started again on the same database: no routine reminder is sent twice and no notice is
lost (a notice in flight at the kill may repeat once)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_settings
from bot.runtime import prepare_database
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.forms.state import new_state
from storage.models import Role, UserStatus
from tests.e2e import bot_process as bot_process_module
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import bot_environment
from tests.e2e.followup_world import JAKARTA
from tests.storage.seed_cases import CASE_REPORT_VERSION

REMINDED = list(range(3001, 3031))  # 30 PSM with a draft: one reminder each
NOTIFIED = [3101, 3102, 3103]  # 6 notices each, paced at 1 per second per chat
NOTICES_EACH = 6
TITLE = "Pengingat harian"


def noon_today() -> float:
    """Seconds that move the clock to 12.00 local time of today (the date the seeds were
    written on): the bot's local date cannot turn between its two runs, which would make a
    second day's fan-out (17:00 UTC is midnight in Asia/Jakarta)."""
    now = datetime.now(JAKARTA)
    return (now.replace(hour=12, minute=0, second=0, microsecond=0) - now).total_seconds()


@pytest.fixture
def slow_bot(fake, tmp_path, monkeypatch):
    """A bot process that sends slowly (5/s overall, 1/s per chat), reminds at any hour and
    is at noon (outside the quiet hours), so a fan-out is still going when it is killed."""
    monkeypatch.setenv("REMINDER_TIME", "00:00")
    original = bot_process_module.bot_environment

    def slow_environment(fake, folder):
        return {**original(fake, folder), "SEND_RATE_OVERALL": "5", "SEND_RATE_PER_CHAT": "1"}

    monkeypatch.setattr(bot_process_module, "bot_environment", slow_environment)
    process = BotProcess(fake, tmp_path, clock_shift=noon_today())
    yield process
    process.ensure_stopped()


def _bot_now(process: BotProcess) -> datetime:
    """The time on the bot process's clock (what it stores is dated by it)."""
    return datetime.now(UTC) + timedelta(seconds=process.clock_shift or 0.0)


async def _seed(fake, folder, now: datetime) -> None:
    env = bot_environment(fake, folder)
    settings = load_settings(**{key.lower(): value for key, value in env.items()})
    db, _ = await prepare_database(settings)
    try:
        async with db.transaction() as repos:
            for telegram_id in REMINDED + NOTIFIED:
                user = await repos.users.create(
                    now=now,
                    status=UserStatus.ACTIVE,
                    full_name=f"PSM {telegram_id}",
                    role=Role.PSM,
                    kabupaten_code="32.08",
                )
                await repos.users.update(
                    user.id,
                    now=now,
                    kecamatan_code="32.08.01",
                    desa_code="32.08.01.2006",
                    decided_at=now - timedelta(days=1),
                )
                await repos.users.add_identity(
                    user_id=user.id,
                    channel="telegram",
                    external_id=str(telegram_id),
                    chat_id=str(telegram_id),
                    now=now,
                )
                if telegram_id in REMINDED:
                    await repos.forms.start(
                        user_id=user.id,
                        form_id="case_report",
                        form_version=CASE_REPORT_VERSION,
                        # an answer: a draft /draf lists, something to remind of
                        state={**new_state(), "answers": {"head_name": "Keluarga Darto"}},
                        now=now,
                    )
    finally:
        await db.close()


async def _queue_notices(fake, folder, now: datetime) -> None:
    """Revision-style notices for the NOTIFIED, queued while the bot runs (notices go before
    routine reminders, so queued at the start they would all be out before the reminders)."""
    env = bot_environment(fake, folder)
    settings = load_settings(**{key.lower(): value for key, value in env.items()})
    db, _ = await prepare_database(settings)
    try:
        async with db.transaction() as repos:
            for telegram_id in NOTIFIED:
                identity = await repos.users.identity("telegram", str(telegram_id))
                assert identity is not None
                for index in range(NOTICES_EACH):
                    await deliver(
                        repos,
                        user_id=identity.user_id,
                        message=Outbound.say(f"Kabar uji {telegram_id}-{index}"),
                        kind=DeliveryKind.NOTICE,
                        now=now,
                    )
    finally:
        await db.close()


def _texts(fake, chat: int) -> list[str]:
    return [message.get("text", "") for message in fake.sent_to(chat)]


def _unsettled(database) -> int:
    with sqlite3.connect(database) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return count


async def test_killed_mid_fan_out_no_reminder_twice_no_notice_lost(
    fake, slow_bot, tmp_path
) -> None:
    await _seed(fake, tmp_path, _bot_now(slow_bot))
    await slow_bot.start()

    def reminders_sent() -> int:
        return sum(TITLE in text for chat in REMINDED for text in _texts(fake, chat))

    await fake.wait_for(lambda: reminders_sent() >= 6, timeout=30, what="fan-out under way")
    await _queue_notices(fake, tmp_path, _bot_now(slow_bot))

    def notices_sent() -> int:
        return sum(len(_texts(fake, chat)) for chat in NOTIFIED)

    await fake.wait_for(lambda: notices_sent() >= 2, timeout=30, what="notices under way")
    slow_bot.kill()
    before = {chat: _texts(fake, chat) for chat in REMINDED + NOTIFIED}
    sent_before = sum(TITLE in t for chat in REMINDED for t in before[chat])
    notices_before = sum(len(before[chat]) for chat in NOTIFIED)
    assert sent_before < len(REMINDED), "the fan-out was over before the kill"
    assert notices_before < len(NOTIFIED) * NOTICES_EACH, "the notices were all sent already"

    await slow_bot.start()  # the same database
    await fake.wait_for(
        lambda: (
            all(len(_texts(fake, chat)) >= NOTICES_EACH for chat in NOTIFIED)
            and _unsettled(tmp_path / "psm.db") == 0
        ),
        timeout=60,
        what="everything due sent after the restart",
    )
    assert await slow_bot.terminate() == 0

    delivered = 0
    for chat in REMINDED:
        reminders = [t for t in _texts(fake, chat) if TITLE in t]
        assert len(reminders) <= 1, f"reminder sent twice to {chat}"
        delivered += len(reminders)
    # The restarted bot finished the fan-out; at most once: one in flight at the kill may
    # be lost, never the rest.
    assert delivered > sent_before
    assert delivered >= len(REMINDED) - 1
    for chat in NOTIFIED:
        texts = _texts(fake, chat)
        for index in range(NOTICES_EACH):
            copies = texts.count(f"Kabar uji {chat}-{index}")
            assert 1 <= copies <= 2, f"notice {chat}-{index} sent {copies} times"
    repeated = sum(
        _texts(fake, chat).count(f"Kabar uji {chat}-{i}") - 1
        for chat in NOTIFIED
        for i in range(NOTICES_EACH)
    )
    assert repeated <= len(NOTIFIED)  # only what was in flight at the kill
    with sqlite3.connect(tmp_path / "psm.db") as db:
        (claims,) = db.execute(
            "SELECT COUNT(*) FROM scheduled_runs WHERE kind = 'daily_reminder'"
        ).fetchone()
    assert claims == len(REMINDED) + len(NOTIFIED)  # claimed once each, across both runs
