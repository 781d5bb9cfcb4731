"""No answer lost, none applied twice: restarts, redeliveries, crashes and SIGTERM."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.channels.telegram.polling import TelegramPoller
from tests.e2e.bot_process import BotProcess
from tests.e2e.chat import TelegramPerson


def _session_answers(database: Path) -> dict:
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT state FROM form_sessions ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0])["answers"] if row else {}


async def test_restart_halfway_through_a_form_loses_and_repeats_nothing(
    fake, start_bot, settings
) -> None:
    first = await start_bot()
    person = TelegramPerson(fake, 2001)
    await person.say("/start")
    await person.say("Siti Aminah")
    await first.stop()

    await start_bot()
    reply = await person.share_contact("081234567890")
    assert "✓ Nomor HP: +6281234567890" in reply[0]["text"]
    await person.tap("TKSK")
    reply = await person.say("Kadugede")
    assert "Periksa kembali" in reply[0]["text"]  # TKSK: no desa question
    texts = [message["text"] for message in person.messages()]
    assert sum("nama lengkap" in text for text in texts) == 1
    assert sum("nomor HP Bapak/Ibu" in text for text in texts) == 1
    assert _session_answers(settings.database_path)["full_name"] == "Siti Aminah"
    assert fake.rejections == []


async def test_the_same_update_delivered_twice_is_applied_once(fake, start_bot, settings) -> None:
    runtime = await start_bot(background=False)
    channel = runtime.channels[0]
    await channel.application.initialize()
    person = TelegramPerson(fake, 2002)
    update_id = fake.user_text(person.user_id, "/start")
    # The same update twice in one batch (Telegram may repeat itself).
    fake.add_update({**fake._updates[-1]})

    async def poll_with_fresh_poller() -> int:
        poller = TelegramPoller(channel.bot, runtime.db, runtime.clock, lambda: None)
        return await poller.poll_once(0)

    assert await poll_with_fresh_poller() == 1
    assert await runtime.worker.process_pending() == 1
    # A crash before the next getUpdates confirms it: Telegram sends it again on restart.
    assert await poll_with_fresh_poller() == 0
    assert await runtime.worker.process_pending() == 0
    await runtime.senders["telegram"].drain()
    messages = await fake.wait_sent(person.user_id, 1)
    assert len(messages) == 1
    with sqlite3.connect(settings.database_path) as db:
        (rows,) = db.execute(
            "SELECT COUNT(*) FROM inbox WHERE ext_id = ?", (str(update_id),)
        ).fetchone()
        (sessions,) = db.execute("SELECT COUNT(*) FROM form_sessions").fetchone()
    assert rows == 1 and sessions == 1
    await channel.application.shutdown()


@pytest.fixture
def bot_process(fake, tmp_path):
    process = BotProcess(fake, tmp_path)
    yield process
    process.ensure_stopped()


async def test_crash_after_commit_before_send_still_delivers_the_reply(
    fake, bot_process, tmp_path
) -> None:
    person = 2003
    fake.fail_next(
        "sendMessage", error_code=502, description="Bad Gateway", chat_id=person, times=10_000
    )
    await bot_process.start()
    fake.user_text(person, "/start")
    await fake.wait_for(
        lambda: any(
            call.error and call.params.get("chat_id") == person
            for call in fake.calls_of("sendMessage")
        ),
        timeout=20,
        what="a failed send",
    )
    bot_process.kill()
    assert fake.sent_to(person) == []
    fake.reset()  # the network is back

    await bot_process.start()
    messages = await fake.wait_sent(person, 1, timeout=20)
    assert "nama lengkap" in messages[0]["text"]
    await fake.wait_for(lambda: len(fake.calls_of("getUpdates")) > 2, timeout=10)
    assert len([m for m in fake.sent_to(person) if "nama lengkap" in m["text"]]) == 1
    assert await bot_process.terminate() == 0


async def test_sigterm_finishes_the_step_confirms_updates_and_exits_zero(
    fake, bot_process, tmp_path
) -> None:
    person = TelegramPerson(fake, 2004)
    await bot_process.start()
    await person.say("/start")
    last_update = fake.user_text(person.user_id, "Rahmat Hidayat")
    await fake.wait_for(
        lambda: fake.confirmed_offset > last_update, timeout=10, what="update fetched"
    )
    code = await bot_process.terminate()
    assert code == 0, bot_process.output()
    assert "Traceback" not in bot_process.output()
    assert fake.confirmed_offset > last_update
    assert _session_answers(tmp_path / "psm.db")["full_name"] == "Rahmat Hidayat"
    # The reply to the last answer went out before the process ended.
    assert any("✓ Nama: Rahmat Hidayat" in m["text"] for m in fake.sent_to(person.user_id))


async def test_a_second_bot_on_the_same_database_is_refused(fake, bot_process, tmp_path) -> None:
    await bot_process.start()
    second = BotProcess(fake, tmp_path)
    second.spawn()
    assert second.process is not None
    assert await asyncio.to_thread(second.process.wait, 60) == 1
    assert "another psm-bot process" in second.output()
    assert await bot_process.terminate() == 0
