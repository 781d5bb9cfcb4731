"""/privasi over the real application (QA walk 5): typed words about one's data reach it on
WhatsApp, as its own markup (commands as words to type, in bold), and /privasi on Telegram."""

from __future__ import annotations

from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of


async def test_data_words_on_whatsapp_reach_privasi(graph, start_wa_bot, webhook_url) -> None:
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1301", wa_id="6281234501301")
    [reply] = await person.say("saya mau minta data saya dihapus")
    text = body_of(reply)
    assert "*Data pribadi Bapak/Ibu*" in text and "belum mengerti" not in text
    assert "*saya*" in text and "*nomor*" in text and "/saya" not in text
    assert "koordinator Dinas Sosial kabupaten Bapak/Ibu" in text
    assert graph.rejections == []


async def test_privasi_on_telegram(fake, start_bot) -> None:
    await start_bot()
    person = TelegramPerson(fake, 1302)
    [reply] = await person.say("/privasi")
    assert "<b>Data pribadi Bapak/Ibu</b>" in reply["text"] and "/saya" in reply["text"]
    assert fake.rejections == []
