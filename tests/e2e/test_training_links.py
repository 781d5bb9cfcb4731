"""A training's invitation-letter links end to end: the coordinator gets the Telegram and
WhatsApp links with their QR codes; a candidate opens the Telegram deep link, registers
lightly as `calon`, answers and checks in; a known PSM opening it is invited at once."""

from __future__ import annotations

import io
import re
import sqlite3

import qrcode

from bot.admin_tools import add_user
from bot.clock import ManualClock
from handlers.trainings.codes import code_for, slot_of
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import BUSINESS_NUMBER
from tests.e2e.training_helpers import TITLE, at, create_training, open_page, plain

COORDINATOR = 500


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qrcode.make(url, box_size=10, border=4).save(out, format="PNG")
    return out.getvalue()


async def test_candidate_joins_by_telegram_deep_link(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=702,
        name="Pak Joko",
        kabupaten="32.08",
        kecamatan="32.08.02",
        desa="32.08.02.2001",
    )
    clock = ManualClock(at(1, 9))
    await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    joko = TelegramPerson(fake, 702, "Joko")
    await coordinator.say("/start")
    await joko.say("/start")
    await create_training(coordinator, audience="PSM satu kecamatan", kecamatan="kadugede")

    # -- the links and their QR codes -----------------------------------------------------------
    await open_page(coordinator)
    sent = await coordinator.tap("Tautan & QR", expect=3)
    text = plain(sent[2]["text"])
    telegram = re.search(r"https://t\.me/psm_test_bot\?start=(bt-[A-Z2-9]{10})", text)
    whatsapp = re.search(rf"https://wa\.me/{BUSINESS_NUMBER}\?text=bimtek%20([A-Z2-9]{{10}})", text)
    assert telegram and whatsapp, text
    payload, code = telegram.group(1), whatsapp.group(1)
    assert payload == f"bt-{code}" and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
    assert f"bimtek {code}" in text
    assert sent[0]["caption"] == f"Kode QR Telegram: {TITLE}"
    assert sent[0]["photo"].data == _qr_png(f"https://t.me/psm_test_bot?start={payload}")
    assert sent[1]["photo"].data == _qr_png(f"https://wa.me/{BUSINESS_NUMBER}?text=bimtek%20{code}")
    (back,) = sent[2]["reply_markup"]["inline_keyboard"]  # last, at hand: back to the page
    assert [button["text"] for button in back] == ["« Kembali"]
    again = await coordinator.tap("Tautan & QR", expect=3)  # the same code every time
    assert payload in plain(again[-1]["text"])

    # -- an unknown person opens the deep link: light registration as calon ---------------------
    siti = TelegramPerson(fake, 801, "Siti")
    bad = await siti.say("/start bt-AAAAAAAAAA")
    assert "tidak dikenal" in plain(bad[0]["text"])
    asked = await siti.say(f"/start {payload}")
    assert f"Pendaftaran peserta {TITLE}" in plain(asked[0]["text"])
    assert "nama lengkap" in plain(asked[0]["text"])
    assert "layanan publik Dinas Sosial" in plain(asked[0]["text"])  # what is kept, why
    await siti.say("nama saya Siti Nurhaliza")  # stored as the name alone (the query below)
    await siti.share_contact("+62 813-2222-0801")  # her own: verified by Telegram
    await siti.say("kadugede")
    summary = await siti.tap("Babatan")
    assert "Siti Nurhaliza" in plain(summary[0]["text"])
    done = await siti.tap("Kirim", expect=2)
    assert "calon peserta" in plain(done[0]["text"])
    assert "Undangan bimtek" in plain(done[1]["text"])
    labels = [b["text"] for b in done[1]["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["✅ Akan hadir", "🙏 Berhalangan"]
    with sqlite3.connect(settings.database_path) as db:
        row = db.execute(
            "SELECT u.role, u.status, u.phone, u.phone_verified, u.desa_code, COUNT(i.user_id)"
            " FROM users u JOIN training_invitations i ON i.user_id = u.id"
            " WHERE u.full_name = 'Siti Nurhaliza'"
        ).fetchone()
    assert row == ("calon", "active", "+6281322220801", 1, "32.08.01.2006", 1)

    # -- she sees and answers that training, and nothing else ------------------------------------
    yes = await siti.tap("Akan hadir")
    assert "akan hadir" in plain(yes[0]["text"])
    schedule = await siti.say("/jadwal")
    assert TITLE in plain(schedule[0]["text"]) and "Akan hadir" in plain(schedule[0]["text"])
    for command in ("/lapor", "/bimtek", "/bimtek_baru", "/antrian"):
        refused = await siti.say(command)
        assert "tidak berwenang" in plain(refused[0]["text"]), command
    again = await siti.say(f"/start {payload}")  # the link a second time: already in
    assert "sudah terdaftar di bimtek ini" in plain(again[0]["text"])

    # -- a known PSM of another kecamatan opens it: invited at once --------------------------
    assert not any("Undangan bimtek" in m.get("text", "") for m in joko.messages())
    shown = await joko.say(f"/start {payload}")
    assert "Undangan bimtek" in plain(shown[0]["text"])
    await joko.tap("Berhalangan")
    await joko.tap("Izin")
    await joko.say("Rapat desa")

    # -- check-in on the day ---------------------------------------------------------------------
    clock.set(at(8, 7, 45))
    with sqlite3.connect(settings.database_path) as db:
        secret = db.execute("SELECT secret FROM trainings").fetchone()[0]
    present = await siti.say(f"/hadir {code_for(secret, slot_of(clock.now()))}")
    assert "Tercatat hadir" in plain(present[0]["text"])
    page = await open_page(coordinator)
    assert "Diundang: 2 · Akan hadir: 1 · Berhalangan: 1 · Belum menjawab: 0" in page
    with sqlite3.connect(settings.database_path) as db:
        actions = [
            r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'training.%'")
        ]
    assert actions == [
        "training.created",
        "training.candidate_registered",
        "training.joined",
        "training.joined",
    ]
    assert fake.rejections == []
