"""A side trip draws the question again, and what was offered before it is over (code review
11a), over the real application on WhatsApp: registering, "Cimahu" at the kecamatan offers
close spellings; "bantuan" answers, then asks the kecamatan again with its first page; "2" is
the second kecamatan of that page, not the second spelling offered before."""

from __future__ import annotations

from typing import Any

from tests.e2e.whatsapp import WhatsAppPerson, body_of


def _rows(message: dict[str, Any]) -> list[str]:
    """The titles of a WhatsApp message's buttons or list rows, in the order shown."""
    action = message["interactive"]["action"]
    buttons = [button["reply"]["title"] for button in action.get("buttons", [])]
    rows = [row["title"] for section in action.get("sections", []) for row in section["rows"]]
    return buttons + rows


async def test_a_number_after_a_side_trip_counts_the_page_on_whatsapp(
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
    assert "Di kecamatan mana" in body_of(again), body_of(again)
    page = _rows(again)
    assert page[1] != spellings[1], (page, spellings)
    (answered,) = await psm.say("2")
    assert f"Kecamatan: {page[1]}" in body_of(answered), (body_of(answered), page)
