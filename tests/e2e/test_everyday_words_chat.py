"""Everyday words outside a form over the real Application (QA walk 15): "terima kasih bu"
and "P" are answered in two lines, the menu named as each channel writes commands (/menu on
Telegram, *menu* on WhatsApp), never "belum mengerti" with the whole help."""

from __future__ import annotations

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.whatsapp import WhatsAppPerson, body_of


async def test_thanks_and_a_ping_on_telegram(fake, settings, start_bot):
    await add_user(
        settings, role="psm", telegram_id=730, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await start_bot()
    ani = TelegramPerson(fake, 730)
    await ani.say("/start")
    (thanks,) = await ani.say("terima kasih bu", until="Sama-sama")
    assert thanks["text"] == (
        "Sama-sama, Bapak/Ibu. 🙏\nKetik /menu untuk melihat apa yang bisa dilakukan."
    )
    (ping,) = await ani.say("P", until="Halo")
    assert ping["text"].startswith("Halo. Selamat datang kembali, Bu Ani.\n")
    assert "belum mengerti" not in ping["text"] and "/lapor" not in ping["text"]


async def test_thanks_and_a_ping_on_whatsapp(graph, wa_settings, webhook_url, start_wa_bot):
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.5301", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    ani = WhatsAppPerson(graph, webhook_url, user_id="ID.5301", wa_id="6281234500531")
    await start_wa_bot()
    await ani.say("halo")
    thanks = await ani.say("makasih")
    assert body_of(thanks[-1]) == (
        "Sama-sama, Bapak/Ibu. 🙏\nKetik *menu* untuk melihat apa yang bisa dilakukan."
    )
    ping = await ani.say("P")
    assert body_of(ping[-1]).startswith("Halo. Selamat datang kembali, Bu Ani.\n")
    assert "belum mengerti" not in body_of(ping[-1])
