"""A side trip draws the offer on screen again (QA walk 10), over the real application on
WhatsApp: registering, "Cimahu" at the kecamatan offers close spellings; "bantuan" answers,
then draws those spellings again, and "2" is the second of them. "Bukan, lihat daftar" shows
the kecamatan's first page; after another side trip "2" is the second kecamatan of that page,
never a spelling no longer on screen (code review 11a)."""

from __future__ import annotations

from typing import Any

from tests.e2e.whatsapp import WhatsAppPerson, body_of


def _rows(message: dict[str, Any]) -> list[str]:
    """The titles of a WhatsApp message's buttons or list rows, in the order shown."""
    action = message["interactive"]["action"]
    buttons = [button["reply"]["title"] for button in action.get("buttons", [])]
    rows = [row["title"] for section in action.get("sections", []) for row in section["rows"]]
    return buttons + rows


async def test_a_number_after_a_side_trip_counts_what_is_drawn_again_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2111", wa_id="6281234500221")
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    (offered,) = await psm.say("Cimahu")
    assert "Maksud" in body_of(offered), body_of(offered)
    spellings = _rows(offered)
    *_, again = await psm.say("bantuan", expect=2)
    assert "Maksud" in body_of(again) and _rows(again) == spellings, body_of(again)
    (whole,) = await psm.tap("Bukan, lihat daftar")
    assert "Di kecamatan mana" in body_of(whole), body_of(whole)
    page = _rows(whole)
    *_, again = await psm.say("bantuan", expect=2)
    assert "Di kecamatan mana" in body_of(again) and _rows(again) == page, body_of(again)
    (answered,) = await psm.say("2")
    assert f"Kecamatan: {page[1]}" in body_of(answered), (body_of(answered), page)
    assert page[1] != spellings[1], (page, spellings)


async def test_one_spelling_drawn_again_after_a_side_trip_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The QA walk: "kadugde" asks "Maksud Bapak/Ibu: Kadugede?"; after "bantuan" that
    offer is drawn again, and "1" is Kadugede (before: the first row of a hidden list)."""
    await start_wa_bot()
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2112", wa_id="6281234500222")
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    (offered,) = await psm.say("kadugde")
    assert "Kadugede" in body_of(offered), body_of(offered)
    *_, again = await psm.say("bantuan", expect=2)
    assert "Maksud Bapak/Ibu: *Kadugede*?" in body_of(again), body_of(again)
    (answered,) = await psm.say("1")
    assert "Kecamatan: Kadugede" in body_of(answered), body_of(answered)
