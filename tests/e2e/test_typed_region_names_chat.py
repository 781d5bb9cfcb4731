"""Region names typed with their level word over the real application: registering on
WhatsApp and on Telegram, "Kec. Kadugede" and "Desa Babatan" are the kecamatan and desa
(before, the first was only offered to confirm and the second not found)."""

from __future__ import annotations

from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of


async def test_registration_on_whatsapp_takes_level_words(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2101", wa_id="6281234500211")
    assert "Selamat datang" in body_of((await psm.say("halo"))[0])
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    desa = await psm.say("Kec. Kadugede")
    assert "Kecamatan: Kadugede" in body_of(desa[0])
    summary = await psm.say("Desa Babatan")
    assert "Desa/Kelurahan: Babatan" in body_of(summary[0])


async def test_registration_on_telegram_takes_level_words(fake, start_bot) -> None:
    await start_bot()
    newcomer = TelegramPerson(fake, 880)
    await newcomer.say("/start")
    await newcomer.say("Rahmat Hidayat")
    await newcomer.say("081234567890", expect=2)  # the answer (closing the keyboard), the role
    await newcomer.tap("PSM")
    kecamatan = await newcomer.say("Kecamatan Kadugede")
    assert "Kecamatan: Kadugede" in kecamatan[0]["text"]
    summary = await newcomer.say("Kel. Babatan")
    assert "Desa/Kelurahan: Babatan" in summary[0]["text"]


async def test_a_desa_elsewhere_while_editing_goes_back_to_the_summary_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 8: the desa changed from the summary to one of two other kecamatan: told where
    it is, with "‹ Ke ringkasan" back (before: only "change the kecamatan at the summary",
    and no way there but a wrong desa)."""
    await start_wa_bot()
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2102", wa_id="6281234500212")
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    await psm.say("Kadugede")
    assert "Desa/Kelurahan: Babatan" in body_of((await psm.say("Babatan"))[0])
    await psm.say("desa")
    told, _question = await psm.say("ciniru", expect=2)
    assert "ada di Kec. Ciniru dan Kec. Jalaksana" in body_of(told), body_of(told)
    summary = await psm.tap("‹ Ke ringkasan")
    assert "Desa/Kelurahan: Babatan" in body_of(summary[0]), body_of(summary[0])
