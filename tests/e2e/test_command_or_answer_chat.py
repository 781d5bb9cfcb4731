"""A command word typed alone at a free-text question, over the real application: asked
"command or answer?" with two buttons, and each button does what it says, on Telegram
(inline keyboard) and on WhatsApp (reply buttons)."""

from __future__ import annotations

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.whatsapp import WhatsAppPerson, body_of

ASKED = "Maksud Bapak/Ibu perintah <b>{}</b>, atau itu jawabannya?"
KK_QUESTION = "Berapa nomor Kartu Keluarga"
HEAD_QUESTION = "kepala keluarga"


async def test_command_or_answer_on_telegram(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="psm", telegram_id=701, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await start_bot()
    ani = TelegramPerson(fake, 701)
    await ani.say("/start")
    await ani.say("lapor")
    asked = await ani.say("bahasa")
    assert ASKED.format("bahasa") in asked[-1]["text"]
    answered = await ani.tap("Itu jawabannya")
    assert "bahasa" in answered[-1]["text"] and KK_QUESTION in answered[-1]["text"]


async def test_command_or_answer_on_whatsapp(graph, wa_settings, webhook_url, start_wa_bot) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.3002", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    ani = WhatsAppPerson(graph, webhook_url, user_id="ID.3002", wa_id="6281234500302")
    await start_wa_bot()
    await ani.say("halo")
    await ani.say("lapor")
    asked = await ani.say("jadwal")
    assert "perintah *jadwal*, atau itu jawabannya?" in body_of(asked[-1])
    ran = await ani.tap("Jalankan jadwal", expect=2)
    assert "Tidak ada bimtek mendatang" in body_of(ran[0])
    assert HEAD_QUESTION in body_of(ran[-1])
    asked = await ani.say("Pengingat")
    answered = await ani.tap("Itu jawabannya")
    assert "Pengingat" in body_of(answered[-1]) and "Kartu Keluarga" in body_of(answered[-1])
