"""Words typed at a report's KK question, end to end on both channels (WhatsApp QA 14):
"tidak ada" takes the path of the "Tidak punya" button (its reason question next), never
"Nomor harus berisi angka saja"."""

from __future__ import annotations

import json
import sqlite3

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, open_database

PSM_WA = "6281200000710"
REASON = "Mengapa nomor KK tidak bisa diisi?"
NOT_DIGITS = "harus berisi angka"


async def _psm(settings: Settings, *, whatsapp: bool) -> int:
    psm_id = await add_user(
        settings,
        role="psm",
        telegram_id=710,
        name="Siti Aminah",
        kabupaten="32.08",
        kecamatan=KADUGEDE,
        desa=BABATAN,
    )
    if whatsapp:
        db = await open_database(settings.database_path)
        try:
            async with db.transaction() as repos:
                await repos.users.add_identity(
                    user_id=psm_id,
                    channel="whatsapp",
                    external_id="ID.710",
                    chat_id=PSM_WA,
                    now=NOW,
                )
        finally:
            await db.close()
    return psm_id


def _kk_answer(settings: Settings) -> object:
    with sqlite3.connect(settings.database_path) as db:
        ((state,),) = db.execute("SELECT state FROM form_sessions WHERE status = 'active'")
    return json.loads(state)["answers"].get("no_kk")


async def test_telegram_tidak_ada_at_the_kk_question(fake, start_bot, settings) -> None:
    await _psm(settings, whatsapp=False)
    await start_bot()
    psm = TelegramPerson(fake, 710)
    await psm.say("/start")
    await psm.say("/lapor")
    asked = await psm.say("Slamet Riyadi")
    assert "Kartu Keluarga" in asked[-1]["text"]
    reason = await psm.say("tidak ada")
    text = reason[-1]["text"]
    assert "✓ Nomor KK: Tidak punya" in text and REASON in text and NOT_DIGITS not in text
    assert _kk_answer(settings) == {"missing": "tidak_punya"}


async def test_whatsapp_tidak_ada_at_the_kk_question(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _psm(wa_settings, whatsapp=True)
    await start_wa_bot(ManualClock(NOW))
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.710", wa_id=PSM_WA)
    await psm.say("lapor")
    asked = await psm.say("Slamet Riyadi")
    assert "Kartu Keluarga" in body_of(asked[-1])
    reason = await psm.say("Belum punya KK")
    body = body_of(reason[-1])
    assert "✓ Nomor KK: Tidak punya" in body and REASON in body and NOT_DIGITS not in body
    assert _kk_answer(wa_settings) == {"missing": "tidak_punya"}
    assert graph.rejections == []
