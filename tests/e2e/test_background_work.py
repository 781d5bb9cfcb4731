"""Statistics and exports are produced after the turn, off the writer: the person is told
"being prepared" at once and the result follows through the outbox, on both channels."""

from __future__ import annotations

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of

PREPARING = "Sedang disiapkan"


async def test_statistics_and_export_follow_the_preparing_note_on_telegram(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await start_bot()
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    preparing, result = await coordinator.say("/statistik 7", expect=2)
    assert PREPARING in preparing["text"]
    assert "Statistik kasus 7 hari terakhir" in result["text"]
    assert "Belum ada laporan" in result["text"]
    await coordinator.say("/ekspor")
    preparing, result = await coordinator.tap("Semua waktu", expect=2)
    assert PREPARING in preparing["text"]
    assert "Tidak ada kasus yang cocok" in result["text"]


async def test_statistics_follow_the_preparing_note_on_whatsapp(graph, webhook_url, start_wa_bot):
    await start_wa_bot()
    admin = WhatsAppPerson(graph, webhook_url, user_id="ID.9000", wa_id="6281299990000")
    await admin.say("halo")
    preparing, result = await admin.say("/statistik 30", expect=2)
    assert PREPARING in body_of(preparing)
    assert "Statistik kasus 30 hari terakhir" in body_of(result)
    assert "Semua wilayah" in body_of(result)
