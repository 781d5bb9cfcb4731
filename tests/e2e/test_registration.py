"""Registration -> approval -> profile on Telegram, end to end over HTTP."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID

COORDINATOR_ID = 500


async def _register(person: TelegramPerson, typed_name: str = "Budi Santoso") -> None:
    """Walk the registration form to the summary and submit it, the name typed as
    `typed_name` (the name is Budi Santoso: "Nama: Budi Santoso" is read so too)."""
    first = await person.say("/start")
    assert "Selamat datang" in first[0]["text"]
    # What is kept, why, and whom to ask (UU PDP), before anything is asked.
    assert "menyimpan nama, nomor HP dan wilayah" in first[0]["text"]
    assert "layanan publik Dinas Sosial" in first[0]["text"]
    assert "koordinator Dinas Sosial kabupaten" in first[0]["text"]
    assert "nama lengkap" in first[0]["text"]
    reply = await person.say(typed_name)
    assert reply[0]["text"].startswith("✓ Nama: Budi Santoso")
    assert "nomor HP" in reply[0]["text"]
    assert reply[0]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    reply = await person.share_contact("+62 812-3456-7890")
    assert "✓ Nomor HP: +6281234567890" in reply[0]["text"]
    # The share-contact keyboard is closed before the inline buttons appear.
    reply = await person.tap("PSM", expect=1)
    assert "✓ Peran: PSM (desa)" in reply[0]["text"]
    assert "kecamatan" in reply[0]["text"]
    reply = await person.say("kadu gede")  # typed, spaces and case ignored
    assert "✓ Kecamatan: Kadugede" in reply[0]["text"]
    reply = await person.tap("Babatan")
    assert "Periksa kembali" in reply[0]["text"]
    assert "Desa/Kelurahan: Babatan" in reply[0]["text"]
    assert "Nama: Budi Santoso\n" in reply[0]["text"]  # the summary: the name alone
    reply = await person.tap("Kirim")
    assert "menunggu persetujuan" in reply[0]["text"]


async def test_registration_approval_and_profile(fake, start_bot, settings) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR_ID, name="Ibu Sari", kabupaten="32.08"
    )
    await start_bot()
    person = TelegramPerson(fake, 1001)
    await _register(person, typed_name="Nama: Budi Santoso")  # the name in a sentence

    # The coordinator never started the bot: the request waits for them, then arrives.
    coordinator = TelegramPerson(fake, COORDINATOR_ID, name="Sari")
    assert coordinator.messages() == []
    received = await coordinator.say("/start", expect=2)
    texts = "\n".join(message["text"] for message in received)
    # Her first /start: welcomed as new (QA walk 14), with the role the command line gave.
    assert "Selamat datang kembali" not in texts
    assert (
        "Selamat datang di <b>psm-bot</b>, Ibu Sari. Akun Bapak/Ibu sudah aktif sebagai"
        " Koordinator Dinas Sosial." in texts
    )
    assert "Pendaftaran baru" in texts and "Budi Santoso" in texts
    assert "terverifikasi: Ya" in texts

    # A person still waiting is told so, whatever they ask.
    waiting = await person.say("/saya")
    assert "menunggu persetujuan" in waiting[0]["text"]

    await coordinator.tap("Setujui", expect=0)
    approved = await person.fake.wait_sent(person.user_id, len(person.messages()) + 1)
    assert "sudah disetujui" in approved[-1]["text"]
    await fake.wait_for(
        lambda: any(
            "disetujui oleh Ibu Sari" in (call.params.get("text") or "")
            for call in fake.calls_of("editMessageText")
        ),
        what="request edited",
    )

    profile = await person.say("/saya")
    assert "Budi Santoso" in profile[0]["text"]
    assert "Aktif" in profile[0]["text"]
    assert "Babatan" in profile[0]["text"]

    # A second tap on the old request (a double tap, or another approver) changes nothing.
    request_id = next(
        call.result["message_id"]
        for call in fake.calls_of("sendMessage")
        if call.params.get("chat_id") == COORDINATOR_ID
        and "Pendaftaran baru" in call.params.get("text", "")
    )
    approve_data = next(
        call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        for call in fake.calls_of("sendMessage")
        if call.result
        and call.result["message_id"] == request_id
        and call.params.get("chat_id") == COORDINATOR_ID
    )
    again = await coordinator.tap_data(approve_data, request_id)
    assert "sudah Bapak/Ibu setujui" in again[0]["text"]
    assert fake.rejections == []

    with sqlite3.connect(settings.database_path) as db:
        row = db.execute(
            "SELECT status, role, phone, phone_verified, desa_code FROM users"
            " WHERE full_name = 'Budi Santoso'"
        ).fetchone()
        audit = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert row == ("active", "psm", "+6281234567890", 1, "32.08.01.2006")
    assert "registration.submitted" in audit and "registration.approved" in audit


async def test_admin_needs_no_approval_and_sees_requests(fake, start_bot, settings) -> None:
    await start_bot()
    admin = TelegramPerson(fake, ADMIN_ID, name="Admin")
    welcome = await admin.say("/start")
    # An admin by ADMIN_TELEGRAM_IDS, new to the bot: not "kembali" (QA walk 14); next time so.
    assert welcome[0]["text"].startswith(
        "Selamat datang di <b>psm-bot</b>, Bapak/Ibu Admin. Akun Bapak/Ibu sudah aktif sebagai"
        " Admin."
    )
    again = await admin.say("/start")
    assert again[0]["text"].startswith("Selamat datang kembali, Bapak/Ibu Admin.")
    person = TelegramPerson(fake, 1002)
    await _register(person)
    request = await fake.wait_sent(ADMIN_ID, 3)  # after the two welcomes
    assert "Pendaftaran baru" in request[-1]["text"]
    await admin.tap("Tolak", expect=0)
    await admin.wait_button("Nama tidak sesuai")  # asked again, for the reason
    await admin.tap("Nama tidak sesuai", expect=0)
    rejected = await fake.wait_sent(person.user_id, len(person.messages()) + 1)
    assert "tidak disetujui" in rejected[-1]["text"]
    assert "nama yang didaftarkan tidak sesuai" in rejected[-1]["text"]
    assert "ketik /daftar" in rejected[-1]["text"]
    # Rejected people are told what they can do, never silence.
    again = await person.say("halo")
    assert "tidak disetujui" in again[0]["text"]
    assert fake.rejections == []


async def test_unauthorised_decision_is_refused(fake, start_bot, settings) -> None:
    await start_bot()
    person = TelegramPerson(fake, 1003)
    await _register(person)
    intruder = TelegramPerson(fake, 1004)
    await intruder.say("/start")
    # Forged approval data from someone who is not an approver.
    with sqlite3.connect(settings.database_path) as db:
        (candidate_id,) = db.execute(
            "SELECT id FROM users WHERE full_name = 'Budi Santoso'"
        ).fetchone()
    reply = await intruder.tap_data(f"ap:{candidate_id}:a", 1)
    assert "tidak berwenang" in reply[0]["text"]
    with sqlite3.connect(settings.database_path) as db:
        (status,) = db.execute("SELECT status FROM users WHERE id = ?", (candidate_id,)).fetchone()
    assert status == "pending"


async def test_group_chat_is_refused(fake, start_bot) -> None:
    await start_bot()
    fake.user_text(1005, "/start", chat_type="group", chat_id=-100)
    sent = await fake.wait_sent(-100, 1)
    assert "chat pribadi" in sent[0]["text"]


async def test_bad_input_gets_a_friendly_message_and_the_same_question(fake, start_bot) -> None:
    await start_bot()
    person = TelegramPerson(fake, 1006)
    await person.say("/start")
    before = len(person.messages())
    fake.user_sticker(person.user_id)
    reply = await fake.wait_sent(person.user_id, before + 1)
    assert "mengetik teks" in reply[-1]["text"]
    assert "nama lengkap" in reply[-1]["text"]
    fake.user_voice(person.user_id)  # a voice note: the bot cannot listen, and says so
    spoken = await fake.wait_sent(person.user_id, before + 2)
    assert "pesan suara" in spoken[-1]["text"] and "nama lengkap" in spoken[-1]["text"]
    long = await person.say("x" * 4100)
    assert "terlalu panjang" in long[0]["text"]
    html = await person.say("<b>Budi</b> & *Santoso* '; DROP TABLE users;--")
    # Markup and other signs are no name (registration 2): asked again, nothing echoed.
    assert "Nama berisi huruf" in html[0]["text"] and "nama lengkap" in html[0]["text"]
    unknown = await person.say("/tidakada")
    assert "tidak dikenal" in unknown[0]["text"]
    assert fake.rejections == []
