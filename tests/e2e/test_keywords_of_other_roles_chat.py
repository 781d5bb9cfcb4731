"""Another role's command word typed amid a report, over the real application: for a PSM
"statistik", "cari" or "siaran" is no command, but the answer to the question on screen,
checked as any answer, on Telegram and on WhatsApp alike (QA saw "Jalankan statistik" offered,
then "tidak berwenang")."""

from __future__ import annotations

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.whatsapp import WhatsAppPerson, body_of

KK_QUESTION = "Berapa nomor Kartu Keluarga"
REFUSED = "tidak berwenang"


async def test_another_roles_words_are_answers_on_telegram(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="psm", telegram_id=702, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await start_bot()
    ani = TelegramPerson(fake, 702)
    await ani.say("/start")
    await ani.say("lapor")
    named = (await ani.say("statistik"))[-1]
    assert "✓ Kepala keluarga: statistik" in named["text"] and KK_QUESTION in named["text"]
    assert "reply_markup" not in named or "Jalankan" not in str(named["reply_markup"])
    checked = (await ani.say("siaran"))[-1]["text"]
    assert "⚠️" in checked and KK_QUESTION in checked and REFUSED not in checked


async def test_another_roles_words_are_answers_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.3003", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    ani = WhatsAppPerson(graph, webhook_url, user_id="ID.3003", wa_id="6281234500303")
    await start_wa_bot()
    await ani.say("halo")
    await ani.say("lapor")
    named = body_of((await ani.say("cari"))[-1])
    assert "✓ Kepala keluarga: cari" in named and KK_QUESTION in named, named
    checked = body_of((await ani.say("cari babatan"))[-1])
    assert "⚠️" in checked and KK_QUESTION in checked and REFUSED not in checked, checked
