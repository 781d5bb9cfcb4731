"""QA walk 12 on WhatsApp: a coordinator leaves a broadcast at "Kirim sekarang?", types
"siaran" again, is told one waits, drops it and sends the corrected one; the old one's "📣
Kirim", tapped after, sends nothing. Signed webhooks in over real HTTP, the fake Graph API
out, a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid, option_for
from tests.fakes.whatsapp_api import button_reply
from tests.storage.seed_cases import open_database

# 06.00 WIB on a Wednesday: no digest or reminder reaches the chat during the test.
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
COORDINATOR_WA = "6281200000500"
OLD, NEW = "Pesan LAMA salah tanggal", "Pesan BARU tanggal 9"


async def _sari_on_whatsapp(settings: Settings) -> None:
    """Ibu Sari, coordinator, on WhatsApp; Bu Ani, a PSM of Kadugede."""
    sari = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=701,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            await repos.users.add_identity(
                user_id=sari,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=NOW,
            )
    finally:
        await db.close()


async def _to_final_go(sari: WhatsAppPerson, text: str) -> list[dict[str, Any]]:
    await sari.say(text)
    await sari.tap("Semua PSM & TKSK")
    preview = await sari.tap("Kirim")
    assert "Kirim sekarang?" in body_of(preview[-1]) and text in body_of(preview[-1])
    return preview


def _broadcasts(settings: Settings) -> list[str]:
    with sqlite3.connect(settings.database_path) as db:
        return [row[0] for row in db.execute("SELECT text FROM broadcasts ORDER BY id")]


async def test_a_broadcast_left_unsent_is_asked_about_and_never_sent_once_dropped(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _sari_on_whatsapp(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    assert "Tulis pesan siaran" in body_of((await sari.say("siaran"))[-1])
    old = await _to_final_go(sari, OLD)

    (asked,) = await sari.say("siaran")
    assert "Masih ada siaran yang belum dikirim" in body_of(asked) and OLD in body_of(asked)
    titles = [b["reply"]["title"] for b in asked["interactive"]["action"]["buttons"]]
    assert titles == ["Lanjutkan yang tadi", "Buang dan buat baru"]
    dropped = await sari.tap("Buang dan buat baru", expect=2)
    assert "sudah dibuang" in body_of(dropped[0]) and "Tulis pesan siaran" in body_of(dropped[1])
    await _to_final_go(sari, NEW)
    (sent,) = await sari.tap("📣 Kirim")
    assert "1 orang" in body_of(sent) and OLD not in body_of(sent)

    # The old preview's Kirim, tapped after: an old button, nothing sent.
    found = option_for(old, "📣 Kirim")
    assert found is not None
    _, option_id, title = found
    (late,) = await sari._post(
        button_reply(new_wamid(), sari.sender, option_id, title, context_id="wamid.x"), 1
    )
    assert "Tombol itu sudah tidak berlaku" in body_of(late)
    assert _broadcasts(wa_settings) == [NEW]
    assert graph.rejections == []
