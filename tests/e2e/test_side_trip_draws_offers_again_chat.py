"""A side trip draws the offer on screen again (QA walk 10), over the real application on
WhatsApp: registering, "Cimahu" at the kecamatan offers close spellings; "bantuan" answers,
then draws those spellings again (reply buttons, in sight), and "2" is the second of them.
"Bukan, lihat daftar" shows the kecamatan's first page, a list with no numbers: after a side
trip "2" there is refused, never a spelling no longer on screen (code review 11a)."""

from __future__ import annotations

from typing import Any

from tests.e2e.whatsapp import WhatsAppPerson, body_of


def _rows(message: dict[str, Any]) -> list[str]:
    """The titles of a WhatsApp message's buttons or list rows, in the order shown."""
    action = message["interactive"]["action"]
    buttons = [button["reply"]["title"] for button in action.get("buttons", [])]
    rows = [row["title"] for section in action.get("sections", []) for row in section["rows"]]
    return buttons + rows


async def _at_the_kecamatan(graph, webhook_url, user_id: str, wa_id: str) -> WhatsAppPerson:
    """A newcomer registering as a PSM, at the kecamatan question."""
    psm = WhatsAppPerson(graph, webhook_url, user_id=user_id, wa_id=wa_id)
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    return psm


async def test_a_number_after_a_side_trip_counts_the_spellings_drawn_again_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    psm = await _at_the_kecamatan(graph, webhook_url, "ID.2111", "6281234500221")
    (offered,) = await psm.say("Cimahu")
    assert "Maksud" in body_of(offered), body_of(offered)
    spellings = _rows(offered)
    assert "buttons" in offered["interactive"]["action"], offered  # in sight, counted
    *_, again = await psm.say("bantuan", expect=2)
    assert "Maksud" in body_of(again) and _rows(again) == spellings, body_of(again)
    (answered,) = await psm.say("2")
    assert f"Kecamatan: {spellings[1]}" in body_of(answered), (body_of(answered), spellings)


async def test_a_number_at_the_list_drawn_after_a_side_trip_is_refused_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """ "Bukan, lihat daftar" shows the kecamatan's first page, a list behind "Pilih" with
    no numbers; after a side trip "2" is refused (nothing stored), never a spelling no
    longer on screen nor a row unseen; the row tapped answers."""
    await start_wa_bot()
    psm = await _at_the_kecamatan(graph, webhook_url, "ID.2113", "6281234500223")
    await psm.say("Cimahu")
    (whole,) = await psm.tap("Bukan, lihat daftar")
    assert "Di kecamatan mana" in body_of(whole), body_of(whole)
    page = _rows(whole)
    *_, again = await psm.say("bantuan", expect=2)
    assert "Di kecamatan mana" in body_of(again) and _rows(again) == page, body_of(again)
    (refused,) = await psm.say("2")
    assert body_of(refused).startswith("⚠️ Pilihan di sini tidak bernomor"), body_of(refused)
    assert "tekan *Pilih*" in body_of(refused) and _rows(refused) == page
    (answered,) = await psm.tap(page[1])
    assert f"Kecamatan: {page[1]}" in body_of(answered), body_of(answered)


async def test_one_spelling_drawn_again_after_a_side_trip_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The QA walk: "kadugde" asks "Maksud Bapak/Ibu: Kadugede?"; after "bantuan" that
    offer is drawn again, and "1" is Kadugede (before: the first row of a hidden list)."""
    await start_wa_bot()
    psm = await _at_the_kecamatan(graph, webhook_url, "ID.2112", "6281234500222")
    (offered,) = await psm.say("kadugde")
    assert "Kadugede" in body_of(offered), body_of(offered)
    *_, again = await psm.say("bantuan", expect=2)
    assert "Maksud Bapak/Ibu: *Kadugede*?" in body_of(again), body_of(again)
    (answered,) = await psm.say("1")
    assert "Kecamatan: Kadugede" in body_of(answered), body_of(answered)
