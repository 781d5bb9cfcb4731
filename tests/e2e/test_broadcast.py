"""/siaran on Telegram: audience, preview with the count, confirm, delivery report."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.db_writes import write_db

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


async def test_broadcast_with_preview_and_delivery_report(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    for telegram_id, name, kecamatan, desa in (
        (701, "Bu Ani", "32.08.01", "32.08.01.2006"),
        (702, "Pak Joko", "32.08.02", "32.08.02.2001"),
        (703, "Bu Rina", "32.08.01", "32.08.01.2001"),
    ):
        await add_user(
            settings,
            role="psm",
            telegram_id=telegram_id,
            name=name,
            kabupaten="32.08",
            kecamatan=kecamatan,
            desa=desa,
        )
    runtime = await start_bot(clock=ManualClock(NOON))
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    for psm in (701, 702):
        await TelegramPerson(fake, psm).say("/start")
    fake.block_user(702)  # started once, then blocked the bot
    # 703 never started the bot: bulk messages to them expire.

    await coordinator.say("/siaran")
    await coordinator.say("Pelatihan pendataan hari Sabtu pukul 08.00 di kantor Dinsos.")
    await coordinator.tap("Semua PSM & TKSK")
    preview = await coordinator.tap("Kirim")
    assert "<b>3</b> orang" in preview[0]["text"]
    queued = await coordinator.tap("📣 Kirim")
    assert "dikirim ke 3 orang" in queued[0]["text"]
    received = await fake.wait_sent(701, 2)
    assert "Pelatihan pendataan" in received[-1]["text"] and "Ibu Sari" in received[-1]["text"]
    await fake.wait_for(
        lambda: any(
            call.params.get("chat_id") == 702 and call.error
            for call in fake.calls_of("sendMessage")
        ),
        what="403",
    )

    def failure_recorded() -> bool:
        # A read never waits in WAL mode; a write from this (the bot's) event loop while the
        # bot's sender is still recording the 403 would block the loop on the bot's own lock.
        with sqlite3.connect(settings.database_path) as db:
            return db.execute(
                "SELECT COUNT(*) FROM outbox WHERE chat_id = '702' AND status = 'failed'"
            ).fetchone() == (1,)

    await fake.wait_for(failure_recorded, what="the 403 recorded")
    await write_db(  # 703's copy: expired
        settings.database_path,
        "UPDATE outbox SET expires_at = '2000-01-01T00:00:00+00:00' WHERE status = 'waiting'",
    )
    assert runtime.scheduler is not None
    before = len(coordinator.messages())
    await runtime.scheduler.tick()  # expires 703's copy, then reports the settled broadcast
    report = await fake.wait_sent(500, before + 1)
    assert "Laporan siaran" in report[-1]["text"]
    assert "Terkirim: 1" in report[-1]["text"] and "Memblokir bot: 1" in report[-1]["text"]
    assert "Kedaluwarsa: 1" in report[-1]["text"]
    # Which broadcast (its first words, local time) and whom to phone (QA walk 11).
    assert "Siaran “Pelatihan pendataan hari Sabtu pukul…” (02-12-2026 12.00)" in report[-1]["text"]
    assert "Belum sampai ke: Bu Rina dan Pak Joko." in report[-1]["text"]
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute(
            "SELECT unreachable_at IS NOT NULL FROM channel_identities WHERE external_id = '702'"
        ).fetchone() == (1,)
        # What a WhatsApp template would announce the report as, outside the window.
        assert db.execute(
            "SELECT json_extract(message, '$.summary') FROM outbox"
            " WHERE message LIKE '%Laporan siaran%'"
        ).fetchall() == [("Laporan siaran",)]
    assert fake.rejections == []


async def test_a_tksk_without_a_kecamatan_broadcasts_to_nobody(fake, settings, start_bot) -> None:
    """A TKSK's audience is the PSM of their kecamatan: without one (an account from before
    it was required, or taken meanwhile) they are refused, not sent to the whole kabupaten."""
    await add_user(
        settings,
        role="tksk",
        telegram_id=600,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    for telegram_id, kecamatan, desa in (
        (701, "32.08.01", "32.08.01.2006"),
        (702, "32.08.02", "32.08.02.2001"),
    ):
        await add_user(
            settings,
            role="psm",
            telegram_id=telegram_id,
            name="Bu Ani",
            kabupaten="32.08",
            kecamatan=kecamatan,
            desa=desa,
        )
    await start_bot(clock=ManualClock(NOON))
    tksk = TelegramPerson(fake, 600)
    for person in (tksk, TelegramPerson(fake, 701), TelegramPerson(fake, 702)):
        await person.say("/start")
    refusal = "belum terdaftar di kecamatan mana pun"

    # The kecamatan goes while the broadcast waits for its final go.
    await tksk.say("/siaran")
    summary = await tksk.say("Rapat PSM hari Sabtu di kantor kecamatan.")
    assert "Penerima: PSM kecamatan saya" in summary[0]["text"]  # the one audience of a TKSK
    preview = await tksk.tap("Kirim")
    assert "<b>1</b> orang" in preview[0]["text"]
    await write_db(settings.database_path, "UPDATE users SET kecamatan_code = NULL WHERE id = 1")
    refused = await tksk.tap("📣 Kirim")
    assert refusal in refused[0]["text"]

    refused = await tksk.say("/siaran")
    assert refusal in refused[0]["text"]
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (0,)
        assert db.execute(
            "SELECT COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL"
        ).fetchone() == (0,)
