"""/bimtek_baru on WhatsApp with a training left at "Kirim sekarang?": "bimtek baru" typed
again says one waits; dropped, the corrected one is sent, and the old one's "📨 Kirim
undangan", tapped after, creates and invites nothing (before, it invited to the old training
too). Signed webhooks in over real HTTP, the fake Graph API out, a real SQLite file."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.clock import ManualClock
from bot.config import Settings
from tests.e2e.test_broadcast_unfinished_whatsapp import (
    COORDINATOR_WA,
    NOW,
    _sari_on_whatsapp,
)
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid, option_for
from tests.fakes.whatsapp_api import button_reply

OLD, NEW = "Bimtek LAMA salah tanggal", "Bimtek BARU tanggal benar"
SEND = "📨 Kirim undangan"


async def _to_final_go(sari: WhatsAppPerson, title: str) -> list[dict[str, Any]]:
    """From the title on: one day the day after tomorrow, all PSM, answers by tomorrow."""
    for text in (title, "Aula Dinsos", "Jl. Siliwangi 88", "Lewati", "lusa", "08.00", "12.00"):
        await sari.say(text)
    await sari.say("tidak")
    await sari.tap("Semua PSM")
    for text in ("besok", "30", "15"):
        await sari.say(text)
    preview = await sari.tap("✅ Kirim")
    assert "Kirim sekarang?" in body_of(preview[-1]) and title in body_of(preview[-1])
    return preview


def _trainings(settings: Settings) -> list[str]:
    with sqlite3.connect(settings.database_path) as db:
        return [row[0] for row in db.execute("SELECT title FROM trainings ORDER BY id")]


async def test_a_training_left_unsent_is_asked_about_and_never_invites_once_dropped(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _sari_on_whatsapp(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    assert "Apa judul bimteknya?" in body_of((await sari.say("bimtek baru"))[-1])
    old = await _to_final_go(sari, OLD)

    (asked,) = await sari.say("bimtek baru")
    assert "Masih ada bimtek yang undangannya belum dikirim" in body_of(asked)
    assert OLD in body_of(asked)
    titles = [b["reply"]["title"] for b in asked["interactive"]["action"]["buttons"]]
    assert titles == ["Lanjutkan yang tadi", "Buang dan buat baru"]
    dropped = await sari.tap("Buang dan buat baru", expect=2)
    assert "sudah dibuang" in body_of(dropped[0])
    assert "Apa judul bimteknya?" in body_of(dropped[1])
    await _to_final_go(sari, NEW)
    (sent,) = await sari.tap(SEND)
    assert "Undangan dikirim" in body_of(sent) and OLD not in body_of(sent), body_of(sent)

    # The old preview's "Kirim undangan", tapped after: an old button, nothing created.
    found = option_for(old, SEND)
    assert found is not None
    _, option_id, title = found
    (late,) = await sari._post(
        button_reply(new_wamid(), sari.sender, option_id, title, context_id="wamid.x"), 1
    )
    assert "Tombol itu sudah tidak berlaku" in body_of(late)
    assert _trainings(wa_settings) == [NEW]
    assert graph.rejections == []
