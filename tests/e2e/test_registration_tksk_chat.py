"""One TKSK per kecamatan, told while registering, end to end on both channels: someone
registering as TKSK of Kadugede, which has its TKSK, is told at the kecamatan question (never
the other TKSK's name) with three buttons, and goes on as PSM there."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from bot.config import Settings
from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of

KADUGEDE = "32.08.01"
TAKEN = "Kecamatan <b>Kadugede</b> sudah punya TKSK yang aktif"
CHOICES = ["Pilih kecamatan lain", "Daftar sebagai PSM", "Batal mendaftar"]


async def _kadugede_has_its_tksk(settings: Settings) -> None:
    await add_user(
        settings,
        role="tksk",
        telegram_id=700,
        name="Pak Joko Widodo",
        kabupaten="32.08",
        kecamatan=KADUGEDE,
    )


def _request(settings: Settings) -> tuple:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT status, requested_role, kecamatan_code, desa_code FROM users"
            " WHERE full_name = 'Dedi Sumarna'"
        ).fetchone()


async def test_telegram_tksk_of_a_kecamatan_with_its_tksk(fake, start_bot, settings) -> None:
    await _kadugede_has_its_tksk(settings)
    await start_bot()
    dedi = TelegramPerson(fake, 1001)
    await dedi.say("/start")
    await dedi.say("Dedi Sumarna")
    await dedi.share_contact("+62 812-3456-7890")
    await dedi.tap("TKSK", expect=1)
    told = await dedi.say("kadugede")
    text = told[0]["text"]
    assert TAKEN in text and "Joko" not in text
    keyboard = told[0]["reply_markup"]["inline_keyboard"]
    assert [button["text"] for row in keyboard for button in row] == CHOICES

    desa = await dedi.tap("Daftar sebagai PSM")
    assert "✓ Peran: PSM (desa)" in desa[0]["text"] and "desa/kelurahan" in desa[0]["text"]
    await dedi.tap("Babatan")
    done = await dedi.tap("Kirim")
    assert "menunggu persetujuan" in done[0]["text"]
    assert _request(settings) == ("pending", "psm", KADUGEDE, "32.08.01.2006")


async def test_whatsapp_tksk_of_a_kecamatan_with_its_tksk(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _kadugede_has_its_tksk(wa_settings)
    await start_wa_bot()
    dedi = WhatsAppPerson(graph, webhook_url, user_id="ID.1001", wa_id="6281234500001")
    await dedi.say("halo")
    await dedi.say("Dedi Sumarna")
    await dedi.tap("+6281234500001")
    await dedi.tap("TKSK")
    told = await dedi.say("kadugede")
    assert told[0]["type"] == "interactive"
    assert TAKEN.replace("<b>Kadugede</b>", "*Kadugede*") in body_of(told[0])
    assert "Joko" not in body_of(told[0])
    titles = [b["reply"]["title"] for b in told[0]["interactive"]["action"]["buttons"]]
    assert titles == CHOICES  # three reply buttons

    again = await dedi.tap("Pilih kecamatan lain")
    assert "Di kecamatan mana?" in body_of(again[0])
    summary = await dedi.say("ciniru")
    assert "Periksa kembali" in body_of(summary[-1])
    await dedi.tap("Kirim")
    assert _request(wa_settings) == ("pending", "tksk", "32.08.02", None)
    assert graph.rejections == []
