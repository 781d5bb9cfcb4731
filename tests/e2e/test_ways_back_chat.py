"""QA walk 15 over the real application: an answer opened from registration's summary has
"‹ Ke ringkasan", which goes back to the summary with the answer as it was: an inline button
at the name on Telegram, a key of the share-contact keyboard at the phone (Telegram cannot
put inline buttons beside it: tapped, it comes as its words), a reply button on WhatsApp.
Before, "kembali" there was "Nomor HP itu tidak dikenali" and retyping the only way out."""

from __future__ import annotations

from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of

TO_SUMMARY = "‹ Ke ringkasan"
SUMMARY = "Periksa kembali"


async def test_ways_back_to_registrations_summary_on_telegram(fake, start_bot) -> None:
    await start_bot()
    newcomer = TelegramPerson(fake, 881)
    await newcomer.say("/start")
    await newcomer.say("Rahmat Hidayat")
    await newcomer.say("081234567890", expect=2)  # the answer (closing the keyboard), the role
    await newcomer.tap("PSM")
    await newcomer.say("Kadugede")
    summary = await newcomer.say("Babatan")
    assert SUMMARY in summary[0]["text"]

    (phone,) = await newcomer.say("2")  # Nomor HP
    assert "Berapa nomor HP" in phone["text"], phone["text"]
    keys = [key["text"] for row in phone["reply_markup"]["keyboard"] for key in row]
    assert TO_SUMMARY in keys, keys
    back = await newcomer.say(TO_SUMMARY)  # the key tapped: its words
    assert SUMMARY in back[0]["text"] and "Nomor HP: +6281234567890" in back[0]["text"]

    (name,) = await newcomer.say("nama")
    assert "nama lengkap" in name["text"], name["text"]
    back = await newcomer.tap(TO_SUMMARY)
    assert SUMMARY in back[0]["text"] and "Nama: Rahmat Hidayat" in back[0]["text"]


async def test_ways_back_to_registrations_summary_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2115", wa_id="6281234500215")
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    await psm.say("Kadugede")
    assert SUMMARY in body_of((await psm.say("Babatan"))[0])

    phone = await psm.say("hp")
    assert "Berapa nomor HP" in body_of(phone[0]), body_of(phone[0])
    back = await psm.tap(TO_SUMMARY)
    assert "Nomor HP: +6281234500215" in body_of(back[0]), body_of(back[0])

    await psm.say("nama")
    back = body_of((await psm.say("kembali"))[0])
    assert SUMMARY in back and "Nama: Siti Aminah" in back, back
