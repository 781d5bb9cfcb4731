"""Reviewers on WhatsApp: the TKSK's notice of a new case carries "Buka laporan", and a case's
review actions come as WhatsApp reply buttons (or a list, with the photos' button as a
fourth), never as numbered text, in the same order for the TKSK and the coordinator (the
step forward first, then "Minta perbaikan", then "Tolak")."""

from __future__ import annotations

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.reports import CHILD_NIK, Report, walk_report
from tests.e2e.whatsapp import WhatsAppPerson, body_of

PSM = 700
DIFFERENCE = "Ibunya sudah bekerja lagi"  # what the TKSK's visit found


def _titles(message: dict) -> tuple[str, list[str]]:
    """An interactive message's kind ("button" or "list") and its option titles."""
    assert message["type"] == "interactive", message  # not numbered text
    interactive = message["interactive"]
    action = interactive["action"]
    if interactive["type"] == "button":
        return "button", [b["reply"]["title"] for b in action["buttons"]]
    return interactive["type"], [row["title"] for s in action["sections"] for row in s["rows"]]


async def _heard(person: WhatsAppPerson, before: int, text: str) -> dict:
    def match() -> dict | None:
        return next((m for m in person.messages()[before:] if text in body_of(m)), None)

    await person.graph.wait_for(lambda: match() is not None, what=f"hears {text!r}")
    found = match()
    assert found is not None
    return found


async def test_reviewers_on_whatsapp_tap_their_actions(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_user(
        wa_settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.4001", name="Pak Tono", kecamatan="32.08.01"
    )
    await add_whatsapp_user(
        wa_settings, role=Role.COORDINATOR, bsuid="ID.4002", name="Ibu Sari", kecamatan=None
    )
    await start_wa_bot()
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.4001", wa_id="6281234500401")
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.4002", wa_id="6281234500402")
    await tksk.say("halo")  # their windows are open
    await coordinator.say("halo")
    psm = TelegramPerson(fake, PSM)
    await psm.say("/start")

    before = len(tksk.messages())
    await walk_report(psm, Report(photos=3), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    notice = await _heard(tksk, before, "Laporan baru di kecamatan")
    assert number in body_of(notice)
    assert _titles(notice) == ("button", ["Buka laporan"])

    page = await tksk.tap("Buka laporan")
    assert number in body_of(page[-1]) and CHILD_NIK not in body_of(page[-1])
    assert _titles(page[-1]) == (
        "button",
        ["✅ Verifikasi", "↩️ Minta perbaikan", "📷 Lihat foto (3)"],
    )
    before = len(coordinator.messages())
    # Verifying asks the check in the field, as reply buttons with Batal as the third.
    asked = await tksk.tap("Verifikasi")
    assert "Bagaimana laporan ini diperiksa?" in body_of(asked[-1])
    assert _titles(asked[-1]) == ("button", ["Dikunjungi langsung", "Telepon/perangkat", "✖️ Batal"])
    found = await tksk.tap("Dikunjungi langsung")
    assert _titles(found[-1]) == ("button", ["Sesuai laporan", "Ada perbedaan", "✖️ Batal"])
    await tksk.tap("Ada perbedaan")
    where = await tksk.say(DIFFERENCE)
    assert "Kirim lokasi rumahnya" in body_of(where[-1])
    # The words to type carry no emoji (QA walk 8: "Atau ketik *Lewati*, *✖️ Batal*.").
    assert "Atau ketik *Lewati*, *Batal*." in body_of(where[-1])
    summary = await tksk.share_location(-6.98765, 108.48321)
    assert "Periksa kembali" in body_of(summary[-1])
    verified = await tksk.tap("Kirim")
    assert "Diverifikasi" in body_of(verified[0])

    check = (
        "Dikunjungi langsung · Ada perbedaan · "
        f"Catatan pemeriksaan: {DIFFERENCE} · 📍 lokasi dicatat"
    )
    notice = await _heard(coordinator, before, "menunggu validasi")
    assert f"🔎 Hasil pemeriksaan: {check}" in body_of(notice)
    page = await coordinator.tap("Buka laporan")
    assert number in body_of(page[-1])
    assert f"Diverifikasi (Pak Tono) — {check}" in body_of(page[-1])
    # Three actions and the photos: a list, the actions in the TKSK's order.
    assert _titles(page[-1]) == (
        "list",
        ["✅ Validasi (setujui)", "↩️ Minta perbaikan", "❌ Tolak", "📷 Lihat foto (3)"],
    )
    asked = await coordinator.tap("Minta perbaikan")
    assert "akan dikembalikan ke pelapor" in body_of(asked[0])
    before_psm = len(psm.messages())
    await coordinator.say("Mohon lengkapi alamat dengan nomor rumah")
    await fake.wait_for(
        lambda: any("Perlu perbaikan" in m.get("text", "") for m in psm.messages()[before_psm:]),
        what="the PSM told",
    )
    assert graph.rejections == [] and fake.rejections == []
