"""/cari alone over WhatsApp's real webhooks: the bot asks what to look for and the next
message is the search, a NIK too (a free-text answer would refuse it)."""

from __future__ import annotations

from storage.models import Role
from tests.e2e.followup_world import add_whatsapp_user, seed_approved_case
from tests.e2e.whatsapp import WhatsAppPerson, body_of

NUMBER = "KNG-2026-000301"


async def test_cari_alone_takes_the_next_message_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3101", name="Pak Tono", kecamatan="32.08.01"
    )
    psm_id = await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.3102", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    await seed_approved_case(wa_settings, psm_id, NUMBER)
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3101", wa_id="6281234500311")
    await start_wa_bot()
    await tksk.say("halo")
    asked = await tksk.say("cari")
    assert "Ketik nomor laporan, NIK" in body_of(asked[-1])
    found = await tksk.say(NUMBER.lower())
    assert "Ditemukan 1 laporan" in body_of(found[-1]) and NUMBER in str(found[-1])
    again = await tksk.say("/cari")
    assert "Ketik nomor laporan, NIK" in body_of(again[-1])
    by_nik = await tksk.say("3208 0145 0623 0001")
    assert "Ditemukan 1 laporan" in body_of(by_nik[-1])  # Ayu Lestari's NIK
    assert "3208014506230001" not in str(tksk.messages())
