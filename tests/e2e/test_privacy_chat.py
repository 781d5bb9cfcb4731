"""/privasi over the real application (QA walk 5, review 8): a newcomer's first WhatsApp
message asking about their data is answered, as WhatsApp's own markup (commands as words to
type, in bold; only what someone registering can do), then welcomed with the registration's
first question; a first message only mentioning one's data while asking to register is the
registration's on both channels; /privasi on Telegram."""

from __future__ import annotations

from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of

TITLE = "Data pribadi Bapak/Ibu"
REGISTERING = "Selamat pagi, saya mau daftar jadi PSM, data saya sudah siap"


async def test_a_newcomers_data_question_on_whatsapp_is_answered_then_welcomed(
    graph, start_wa_bot, webhook_url
) -> None:
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1301", wa_id="6281234501301")
    answer, welcome = await person.say("saya mau minta data saya dihapus", expect=2)
    text = body_of(answer)
    assert f"*{TITLE}*" in text and "belum mengerti" not in text
    assert "*batal*" in text and "/batal" not in text  # a word to type, in bold
    assert "*saya*" not in text and "*nomor*" not in text  # not theirs to use yet
    assert "koordinator Dinas Sosial kabupaten Bapak/Ibu" in text
    assert "Selamat datang" in body_of(welcome) and "nama lengkap" in body_of(welcome)
    assert graph.rejections == []


async def test_a_newcomer_asking_to_register_on_whatsapp_is_welcomed(
    graph, start_wa_bot, webhook_url
) -> None:
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1303", wa_id="6281234501303")
    [welcome] = await person.say(REGISTERING)
    text = body_of(welcome)
    assert TITLE not in text
    assert "Selamat datang" in text and "nama lengkap" in text
    assert graph.rejections == []


async def test_a_newcomer_asking_to_register_on_telegram_is_welcomed(fake, start_bot) -> None:
    await start_bot()
    person = TelegramPerson(fake, 1304)
    [welcome] = await person.say(REGISTERING)
    assert TITLE not in welcome["text"]
    assert "Selamat datang" in welcome["text"] and "nama lengkap" in welcome["text"]
    assert fake.rejections == []


async def test_privasi_on_telegram(fake, start_bot) -> None:
    await start_bot()
    person = TelegramPerson(fake, 1302)
    [reply] = await person.say("/privasi")
    assert "<b>Data pribadi Bapak/Ibu</b>" in reply["text"] and "/batal" in reply["text"]
    assert "/saya" not in reply["text"]  # a newcomer: not theirs to use yet
    assert fake.rejections == []
