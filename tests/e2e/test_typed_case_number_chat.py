"""A case number typed or pasted alone (or in a sentence), over the real Application: on
Telegram's fake Bot API and WhatsApp's real webhooks it opens the case's page, the reviewer's
for staff in scope, the reporter's own for its PSM; a TKSK of another kecamatan is told
nothing of it. /cari finds the number's short form. Pasted at a report's KK question it is
told to be a report number, and the message is no NIK/KK to delete (QA walk 6)."""

from __future__ import annotations

from typing import Any

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user, seed_approved_case
from tests.e2e.whatsapp import WhatsAppPerson, body_of

NUMBER = "KNG-2026-000101"
PAGE = f"{NUMBER}</b> · Disetujui"  # the case page's heading (Telegram's HTML)
NONE_IN_AREA = (
    "Tidak ada laporan yang cocok di wilayah Bapak/Ibu. Yang bisa dicari: nama kepala keluarga"
    " atau anggota keluarga (boleh diikuti nama desa, contoh: /cari Slamet Babatan), NIK,"
    " nomor KK, atau nomor laporan."
)


async def test_a_typed_case_number_opens_its_page_on_telegram(fake, settings, start_bot):
    await add_user(
        settings, role="coordinator", telegram_id=520, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings, role="tksk", telegram_id=621, name="Pak Budi", kabupaten="32.08",
        kecamatan="32.08.02",
    )  # fmt: skip
    psm_id = await add_user(
        settings, role="psm", telegram_id=720, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await seed_approved_case(settings, psm_id, NUMBER)
    await start_bot()
    coordinator, psm, budi = (TelegramPerson(fake, user) for user in (520, 720, 621))
    for person in (coordinator, psm, budi):
        await person.say("/start")

    (page,) = await coordinator.say("kng-2026-101", until="Riwayat")
    assert page["text"].startswith(f"<b>{PAGE}")
    assert "Catat kunjungan" in str(page["reply_markup"])  # the reviewer's actions
    (own,) = await psm.say(f"tolong cek *{NUMBER}*", until="Dilaporkan")
    assert NUMBER in own["text"] and "Laporan saya" in str(own["reply_markup"])
    refused = await budi.say(NUMBER)
    assert refused[0]["text"] == NONE_IN_AREA
    found = await coordinator.say("/cari kng-2026-101", until="Ditemukan")
    assert NUMBER in str(found[0]["reply_markup"])


async def test_a_typed_case_number_opens_its_page_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.5101", name="Pak Tono", kecamatan="32.08.01"
    )
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.5103", name="Pak Budi", kecamatan="32.08.02"
    )
    psm_id = await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.5102", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    await seed_approved_case(wa_settings, psm_id, NUMBER)
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.5101", wa_id="6281234500511")
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.5102", wa_id="6281234500512")
    budi = WhatsAppPerson(graph, webhook_url, user_id="ID.5103", wa_id="6281234500513")
    await start_wa_bot()
    for person in (tksk, psm, budi):
        await person.say("halo")

    page = await _reply(graph, tksk, "tolong cek KNG-2026-101", "Riwayat")
    assert f"*{NUMBER}* · Disetujui" in page and "belum mengerti" not in page
    own = await _reply(graph, psm, f"*{NUMBER}*", "Dilaporkan")
    assert f"*{NUMBER}* · Disetujui" in own
    refused = await budi.say(NUMBER)
    assert body_of(refused[-1]) == NONE_IN_AREA.replace("/cari", "*cari*")  # commands as words
    found = await tksk.say("cari kng-2026-101")
    assert "Ditemukan 1 laporan" in body_of(found[-1]) and NUMBER in str(found[-1])


async def _reply(graph: Any, person: WhatsAppPerson, text: str, until: str) -> str:
    """What the bot answered `text` with, once a message holding `until` came."""
    before = len(person.messages())
    await person.say(text)
    await graph.wait_for(
        lambda: any(until in body_of(m) for m in person.messages()[before:]),
        what=f"{until!r} to {person.user_id}",
    )
    return "\n".join(body_of(m) for m in person.messages()[before:])


async def test_a_case_number_at_the_kk_question_stays_in_the_telegram_chat(
    fake, settings, start_bot
):
    await add_user(
        settings, role="psm", telegram_id=721, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await start_bot()
    psm = TelegramPerson(fake, 721)
    await psm.say("/start")
    await psm.say("/lapor")
    await psm.say("Slamet Riyadi", until="Kartu Keluarga")
    pasted = fake.next_message_id(721)
    (told,) = await psm.say(NUMBER, until="adalah nomor laporan")
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan nomor KK" in told["text"]
    assert "Berapa nomor Kartu Keluarga" in told["text"]
    deleted = [call.params["message_id"] for call in fake.calls_of("deleteMessage")]
    assert pasted not in deleted  # deleted before the reply, had it been taken for a KK
    assert fake.rejections == []


async def test_a_case_number_at_the_kk_question_is_not_asked_to_be_deleted_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.5104", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.5104", wa_id="6281234500514")
    await start_wa_bot()
    await psm.say("halo")
    await _reply(graph, psm, "lapor", "kepala keluarga")
    await _reply(graph, psm, "Slamet Riyadi", "Kartu Keluarga")
    told = await _reply(graph, psm, NUMBER, "nomor laporan")
    assert f"*{NUMBER}* adalah nomor laporan, bukan nomor KK" in told, told
    assert "Berapa nomor Kartu Keluarga" in told
    assert "Mohon hapus sendiri pesan" not in told


async def test_a_case_number_inside_a_name_is_refused_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 8: "tolong cek laporan KNG-... ya" at a short question (the address, here the
    head's name) was stored as its answer; it is refused as the number alone is."""
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.5105", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.5105", wa_id="6281234500515")
    await start_wa_bot()
    await psm.say("halo")
    await _reply(graph, psm, "lapor", "kepala keluarga")
    told = await _reply(graph, psm, f"tolong cek laporan {NUMBER} ya", "nomor laporan")
    assert f"*{NUMBER}* adalah nomor laporan, bukan jawaban" in told, told
    assert "Untuk membuka laporan itu" in told and "kepala keluarga" in told
    assert "✓ Kepala keluarga" not in told
