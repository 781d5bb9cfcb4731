"""A correction that moves a case to another kecamatan, with the TKSKs on WhatsApp: the
coordinator reported it in Babatan (Kadugede) on Telegram, Kadugede's TKSK sent it back, the
correction gives a desa of Ciniru. Kadugede's TKSK hears it left (plain text: no button to a
case he can no longer open, no NIK/KK); Ciniru's TKSK hears of a new report waiting for him,
with "Buka laporan", and the case's history shows the move."""

from __future__ import annotations

import re
import sqlite3

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.reports import Report, walk_report
from tests.e2e.test_revision import _edit
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500


async def _heard(person: WhatsAppPerson, before: int, text: str) -> dict:
    def match() -> dict | None:
        return next((m for m in person.messages()[before:] if text in body_of(m)), None)

    await person.graph.wait_for(lambda: match() is not None, what=f"hears {text!r}")
    found = match()
    assert found is not None
    return found


async def test_a_case_moved_on_correction_reaches_the_new_tksk_on_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.4101", name="Pak Tono", kecamatan="32.08.01"
    )
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.4102", name="Pak Budi", kecamatan="32.08.02"
    )
    await start_wa_bot()
    tono = WhatsAppPerson(graph, webhook_url, user_id="ID.4101", wa_id="6281234500411")
    budi = WhatsAppPerson(graph, webhook_url, user_id="ID.4102", wa_id="6281234500412")
    await tono.say("halo")  # their windows are open
    await budi.say("halo")
    reporter = TelegramPerson(fake, COORDINATOR)
    await reporter.say("/start")

    before = len(tono.messages())
    await walk_report(reporter, Report(photos=0, kecamatan="Kadugede"), fake=fake)
    done = await reporter.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await _heard(tono, before, "Laporan baru di kecamatan")
    await tono.tap("Buka laporan")
    await tono.tap("Minta perbaikan")
    await tono.say("Keluarga ini tinggal di Ciniru")
    await fake.wait_for(
        lambda: any("Perbaiki laporan" in str(m.get("reply_markup")) for m in reporter.messages()),
        what="the reporter told",
    )

    await reporter.tap("Perbaiki laporan")
    await _edit(reporter, "Kecamatan")
    await reporter.say("Ciniru")  # typed, as the report did
    await reporter.tap("Cijemit")
    before_tono, before_budi = len(tono.messages()), len(budi.messages())
    await reporter.tap("Kirim", expect=2)  # the correction sent, then the menu
    with sqlite3.connect(wa_settings.database_path) as db:
        (kecamatan,) = db.execute("SELECT kecamatan_code FROM cases").fetchone()
    assert kecamatan == "32.08.02"

    left = await _heard(tono, before_tono, "dipindahkan pelapor ke Desa Cijemit, Kec. Ciniru")
    assert left["type"] == "text", left  # no button to a case he can no longer open
    assert number in body_of(left) and "tidak lagi di Kec. Kadugede" in body_of(left)
    assert not re.search(r"\d{16}", body_of(left))

    arrived = await _heard(budi, before_budi, "Laporan baru di kecamatan")
    assert number in body_of(arrived)
    assert "Dipindahkan pelapor dari Kec. Kadugede" in body_of(arrived)
    assert arrived["type"] == "interactive"
    titles = [b["reply"]["title"] for b in arrived["interactive"]["action"]["buttons"]]
    assert titles == ["Buka laporan"]
    page = await budi.tap("Buka laporan")
    assert "↪️ pindah dari Desa Babatan, Kec. Kadugede" in body_of(page[-1])
    assert not any("diajukan ulang" in body_of(m) for m in budi.messages()[before_budi:])
    assert graph.rejections == [] and fake.rejections == []
