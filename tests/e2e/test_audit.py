"""/audit for admins over Telegram and WhatsApp (refused to everyone else), chat exports
that leave the Telegram chat after EXPORT_MESSAGE_TTL_HOURS (also across a restart), one
file for a double tap, and /ekspor on WhatsApp pointing to the server export instead of
sending a file."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import RENDER_WAIT, TelegramPerson
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.whatsapp import WhatsAppPerson, body_of, option_for
from tests.storage.seed_cases import BABATAN, open_database, seed_case

COORDINATOR, TKSK = 500, 600
NIK = "3208014506230001"
NUMBER = "KNG-2026-000001"
START = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10.00 WIB
ADMIN_WA = "6281299990000"  # ADMIN_WHATSAPP_PHONES in the test settings
COORDINATOR_WA = "6281200000500"


async def _world(settings) -> None:
    """A coordinator and a TKSK of Kuningan (also known on WhatsApp), and one case."""
    coordinator = await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="tksk",
        telegram_id=TKSK,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            reporter = await repos.users.get(coordinator)
            assert reporter is not None
            await seed_case(
                repos, reporter=reporter, desa=BABATAN, at=START - timedelta(days=1), number=NUMBER
            )
            await repos.users.add_identity(
                user_id=coordinator,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=START,
            )
    finally:
        await db.close()


def _audit_rows(settings, action: str) -> list[sqlite3.Row]:
    with sqlite3.connect(settings.database_path) as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM audit_log WHERE action = ?", (action,)).fetchall()


async def test_audit_on_telegram(fake, settings, start_bot) -> None:
    await _world(settings)
    await start_bot()
    coordinator, tksk = TelegramPerson(fake, COORDINATOR), TelegramPerson(fake, TKSK)
    admin = TelegramPerson(fake, ADMIN_ID, name="Admin")
    for person in (coordinator, tksk, admin):
        await person.say("/start")
    found = await coordinator.say(f"/cari {NIK}")
    assert "Ditemukan 1 laporan" in found[0]["text"]
    page = await coordinator.tap(NUMBER)
    assert NUMBER in page[0]["text"]

    first = await admin.say("/audit")
    assert "Log audit" in first[0]["text"]
    kinds = await admin.tap("7 hari terakhir")
    assert "Tindakan apa" in kinds[0]["text"]
    actors = await admin.tap("Lihat kasus")
    assert "Ibu Sari (1)" in str(actors[0]["reply_markup"])
    entries = await admin.tap("Ibu Sari")
    text = entries[0]["text"]
    assert "1 catatan" in text and "Ibu Sari (Koordinator Dinas Sosial)" in text
    assert "Lihat kasus · " + NUMBER in text and "WIB" in text

    searches = await admin.tap("Filter baru")
    await admin.tap("Hari ini")
    await admin.tap("Pencarian")
    everyone = await admin.tap("Semua orang")
    shown = everyone[0]["text"]
    assert "Cari kasus" in shown and "NIK/KK (tidak disimpan)" in shown and "1 hasil" in shown
    assert NIK not in shown and "320801" not in shown  # not even masked
    (search,) = _audit_rows(settings, "case.search")
    assert search["subject"].startswith("nik-hmac:") and search["subject"][9:] not in shown
    # Hashed with the key kept beside the database, not in it (bot/audit_key.py).
    key = Path(f"{settings.database_path}.audit-key").read_text().strip()  # noqa: ASYNC240
    digest = hmac.new(bytes.fromhex(key), NIK.encode(), hashlib.sha256).hexdigest()
    assert search["subject"] == f"nik-hmac:{digest}"
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT 1 FROM channel_state WHERE key = 'audit_key'").fetchall() == []
    assert "Log audit" in searches[0]["text"]

    about = await admin.say(f"/audit {NUMBER}")
    history = about[0]["text"]
    assert NUMBER in history and "Lihat kasus" in history and "Cari kasus" not in history
    missing = await admin.say("/audit KNG-2026-999999")
    assert "tidak ditemukan" in missing[0]["text"]

    for person in (coordinator, tksk):
        refused = await person.say("/audit")
        assert "tidak berwenang" in refused[0]["text"]
        forged = await person.tap_data("au:7:*:*:-:0", 1)
        assert "tidak berwenang" in forged[0]["text"] and "Log audit" not in forged[0]["text"]
    assert fake.rejections == []


async def test_audit_pages_newest_first(fake, settings, start_bot) -> None:
    await _world(settings)
    await start_bot()
    coordinator, admin = TelegramPerson(fake, COORDINATOR), TelegramPerson(fake, ADMIN_ID)
    await coordinator.say("/start")
    await admin.say("/start")
    with sqlite3.connect(settings.database_path) as db:
        (case_id,) = db.execute("SELECT id FROM cases").fetchone()
    for _ in range(12):
        await coordinator.tap_data(f"cs:{case_id}", 1)
    first = await admin.say(f"/audit {NUMBER}")
    assert "12 catatan" in first[0]["text"] and "halaman 1/2" in first[0]["text"]
    assert first[0]["text"].count("Lihat kasus") == 10
    second = await admin.tap("Berikutnya")
    assert "halaman 2/2" in second[0]["text"] and second[0]["text"].count("Lihat kasus") == 2
    back = await admin.tap("Sebelumnya")
    assert "halaman 1/2" in back[0]["text"]


async def test_audit_on_whatsapp(fake, graph, wa_settings, webhook_url, start_wa_bot) -> None:
    await _world(wa_settings)
    await start_wa_bot()
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    admin = WhatsAppPerson(graph, webhook_url, user_id="ID.999", wa_id=ADMIN_WA, name="Admin")
    await coordinator.say(f"cari {NUMBER}")
    # The start's first tick may send her the daily digest just before or after the answer.
    await graph.wait_for(
        lambda: option_for(reversed(coordinator.messages()), NUMBER) is not None, timeout=15
    )
    await coordinator.tap(NUMBER)
    # A reply in several messages may still be arriving when `tap` returns: the admin's
    # question below lists who viewed cases, so wait until the view is recorded.
    await graph.wait_for(lambda: bool(_audit_rows(wa_settings, "case.view")), timeout=30)

    first = await admin.say("audit")
    assert "Log audit" in body_of(first[0])
    await admin.tap("30 hari terakhir")
    await admin.tap("Lihat kasus")
    entries = await admin.tap("Ibu Sari")
    text = body_of(entries[0])
    assert (
        "Ibu Sari (Koordinator Dinas Sosial)" in text and NUMBER in text and "halaman 1/1" in text
    )
    about = await admin.say(f"audit {NUMBER}")
    assert "Lihat kasus" in body_of(about[0]) and "Cari kasus" not in body_of(about[0])

    refused = await coordinator.say("audit")
    assert "tidak berwenang" in body_of(refused[0])
    assert "Log audit" not in body_of(refused[0])


async def _exported(fake, settings, start_bot, clock: ManualClock):
    """The coordinator makes an export (all time, at once) at START; returns the runtime and
    the document message, once the bot has recorded it as sent (its clock starts there)."""
    await _world(settings)
    runtime = await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR)
    await coordinator.say("/start")
    await coordinator.say("/ekspor")
    await coordinator.tap("Semua waktu")  # the kecamatan, with their counts
    await coordinator.tap("Buat file sekarang")
    await fake.wait_for(lambda: bool(fake.calls_of("sendDocument")), RENDER_WAIT, what="the file")

    def recorded() -> bool:
        with sqlite3.connect(settings.database_path) as db:
            return db.execute(
                "SELECT COUNT(*) FROM outbox WHERE delete_after IS NOT NULL AND status = 'sent'"
            ).fetchone() == (1,)

    await fake.wait_for(recorded, what="the file recorded as sent")
    (call,) = fake.calls_of("sendDocument")
    assert call.error is None
    return runtime, call.result


def _deleted(fake, message_id: int) -> bool:
    return (COORDINATOR, message_id) in fake.deleted


async def test_the_export_leaves_the_chat_after_its_time(fake, settings, start_bot) -> None:
    clock = ManualClock(START)
    runtime, document = await _exported(fake, settings, start_bot, clock)
    caption = document["caption"]
    assert "akan dihapus dari obrolan ini sekitar 02-12-2026 14.00 WIB (4 jam lagi)" in caption
    message_id = document["message_id"]
    assert fake.message(COORDINATOR, message_id) is not None

    clock.advance(timedelta(hours=3, minutes=59))
    assert runtime.scheduler is not None
    await runtime.scheduler.tick()
    assert not _deleted(fake, message_id)
    clock.advance(timedelta(minutes=2))
    await runtime.scheduler.tick()
    await fake.wait_for(lambda: _deleted(fake, message_id), what="deleteMessage")
    assert fake.message(COORDINATOR, message_id) is None
    await runtime.scheduler.tick()  # queued once: never deleted twice
    assert [c.error for c in fake.calls_of("deleteMessage")] == [None]
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM outbox WHERE json_extract(message, '$.type') = 'delete'"
        ).fetchone() == (1,)
    assert fake.rejections == []


async def test_the_deletion_survives_a_restart(fake, settings, start_bot) -> None:
    clock = ManualClock(START)
    runtime, document = await _exported(fake, settings, start_bot, clock)
    await runtime.stop()  # the bot is down when the time comes
    clock.advance(timedelta(hours=5))
    await start_bot(clock=clock)  # the first tick at start catches up
    await fake.wait_for(
        lambda: _deleted(fake, document["message_id"]), what="deleteMessage after restart"
    )
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM outbox WHERE delete_after IS NOT NULL"
        ).fetchone() == (0,)


async def test_a_double_tap_makes_one_file(fake, settings, start_bot) -> None:
    """Two taps of "Buat file sekarang" reach the bot before the file is made: one file,
    one audit row, and the second tap is told the file was made."""
    await _world(settings)
    await start_bot(clock=ManualClock(START))
    coordinator = TelegramPerson(fake, COORDINATOR)
    await coordinator.say("/start")
    await coordinator.say("/ekspor")
    await coordinator.tap("Semua waktu")
    question = coordinator.all_with_buttons()[-1]
    [build_now] = [
        button["callback_data"]
        for row in question["reply_markup"]["inline_keyboard"]
        for button in row
        if "Buat file sekarang" in button["text"]
    ]
    for _ in range(2):
        fake.user_callback(COORDINATOR, build_now, message_id=question["message_id"])
    await fake.wait_for(lambda: bool(fake.calls_of("sendDocument")), RENDER_WAIT, what="the file")

    def answered() -> bool:
        with sqlite3.connect(settings.database_path) as db:
            return db.execute("SELECT COUNT(*) FROM background_requests").fetchone() == (0,)

    await fake.wait_for(answered, RENDER_WAIT, what="every background job answered")
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM outbox WHERE json_extract(message, '$.type') = 'document'"
        ).fetchone() == (1,)
    assert len(_audit_rows(settings, "case.export")) == 1
    await fake.wait_for(
        lambda: any("sudah dibuat pada" in m.get("text", "") for m in coordinator.messages()),
        what="the second tap's answer",
    )
    assert len(fake.calls_of("sendDocument")) == 1


async def test_export_on_whatsapp_points_to_telegram_and_the_technical_staff(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _world(wa_settings)
    await start_wa_bot()
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await coordinator.say("ekspor")
    # The start's first tick may send her the daily digest (a template, outside the window)
    # just before or after the answer: the answer is the message naming whom to ask.
    await graph.wait_for(
        lambda: any("staf teknis kantor" in body_of(m) for m in coordinator.messages()),
        timeout=15,
    )
    text = next(body_of(m) for m in coordinator.messages() if "staf teknis" in body_of(m))
    assert "buka bot di Telegram" in text and "Bagikan nomor HP" in text
    assert "psm-bot" not in text and "README" not in text  # no server jargon for her
    assert not [m for m in coordinator.messages() if m.get("type") == "document"]
    assert _audit_rows(wa_settings, "case.export") == []
