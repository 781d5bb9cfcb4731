"""Language, cancelling, and what happens when handling a message fails."""

from __future__ import annotations

import sqlite3

from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.db_writes import write_db


async def test_language_switch_changes_every_following_text(fake, start_bot) -> None:
    await start_bot()
    admin = TelegramPerson(fake, ADMIN_ID, name="Admin")
    await admin.say("/start")
    choose = await admin.say("/bahasa")
    assert "Pilih bahasa" in choose[0]["text"]
    changed = await admin.tap("English")
    assert "Language changed to English" in changed[0]["text"]
    profile = await admin.say("/saya")
    assert "My profile" in profile[0]["text"]
    assert fake.rejections == []


async def test_cancel_asks_first_then_cancels_the_registration(fake, start_bot, settings) -> None:
    await start_bot()
    person = TelegramPerson(fake, 3001)
    await person.say("/start")
    await person.say("Dewi Lestari")
    confirm = await person.say("/batal")
    assert "Yakin" in confirm[0]["text"]
    kept = await person.tap("Tidak, lanjutkan")
    assert "dilanjutkan" in kept[0]["text"] and "nomor HP" in kept[0]["text"]
    await person.say("/batal")
    done = await person.tap("Ya, batalkan")
    assert "Pendaftaran dibatalkan" in done[0]["text"]
    again = await person.say("/start")
    assert "nama lengkap" in again[0]["text"]  # a fresh registration
    with sqlite3.connect(settings.database_path) as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM form_sessions ORDER BY id")]
    assert statuses == ["cancelled", "active"]


async def test_a_stale_button_gets_the_current_question(fake, start_bot) -> None:
    await start_bot()
    person = TelegramPerson(fake, 3002)
    await person.say("/start")
    await person.say("Agus Salim")
    await person.share_contact("081234567890")
    role_question = person.all_with_buttons()[-1]
    psm = role_question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await person.tap("TKSK")
    stale = await person.tap_data(psm, role_question["message_id"])
    assert "sudah tidak berlaku" in stale[0]["text"]
    assert "kecamatan" in stale[0]["text"]
    answered = [call for call in fake.calls_of("answerCallbackQuery") if not call.error]
    assert len(answered) == 2  # every tap is answered, stale or not


async def test_a_failing_update_is_retried_then_apologised_for(fake, start_bot, settings) -> None:
    await start_bot()
    person = TelegramPerson(fake, 3003)
    await person.say("/start")
    # A corrupted session makes every step fail inside the handler.
    await write_db(settings.database_path, "UPDATE form_sessions SET state = '{\"answers\": 5}'")
    reply = await person.say("Joko Widodo")
    assert "terjadi gangguan" in reply[0]["text"]
    with sqlite3.connect(settings.database_path) as db:
        failed = db.execute(
            "SELECT attempts, payload FROM inbox WHERE status = 'failed'"
        ).fetchall()
    assert failed == [(3, None)]  # three attempts, the payload (maybe a NIK) dropped
