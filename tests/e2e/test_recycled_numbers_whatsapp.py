"""Numbers that change hands, made safe, end to end (signed webhooks in, the fake Graph API
out, the fake Bot API for Telegram): Meta's word of a new number coming after the person's
first message from it; a move to a number another person of ours held; a darurat alert
queued for a number another account took; an admin's number recycled."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp, open_db
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid, post_webhook
from tests.fakes.whatsapp_api import envelope

EARLY = datetime(2026, 12, 1, 6, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
ADMIN_PHONE = "6281299990000"  # ADMIN_WHATSAPP_PHONES in tests/e2e/conftest.py


def _rows(settings, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


async def _until(settings, sql: str, expected: list[tuple]) -> None:
    """Wait (up to 10 s) until `sql` reads `expected`: a system message is answered by
    nothing to wait for."""
    for _ in range(200):
        if _rows(settings, sql) == expected:
            return
        await asyncio.sleep(0.05)
    assert _rows(settings, sql) == expected


async def _moved(webhook_url, old: str, new: str, user_id: str, previous_user_id: str) -> None:
    """Meta's system message: the account `previous_user_id` at `old` is `user_id` at `new`."""
    change = {
        "from": old,
        "id": new_wamid(),
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": "system",
        "system": {
            "body": f"User changed from {old} to {new}",
            "wa_id": new,
            "type": "user_changed_number",
            "user_id": user_id,
            "previous_user_id": previous_user_id,
        },
    }
    response = await post_webhook(webhook_url, envelope(messages=[change]))
    assert response.status_code == 200


async def test_her_first_message_before_metas_word_does_not_lock_her_out(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5601, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(EARLY)
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5601", "6281234505601", EARLY - timedelta(hours=1)
    )
    await start_wa_bot(clock)
    new_phone = WhatsAppPerson(graph, webhook_url, "ID.5602", "6285700005601", clock=clock)
    assert "Selamat datang" in body_of((await new_phone.say("halo"))[0])  # not known yet
    before = len(new_phone.messages())
    await _moved(webhook_url, "6281234505601", "6285700005601", "ID.5602", "ID.5601")
    await _until(
        wa_settings,
        "SELECT user_id, external_id FROM channel_identities WHERE channel = 'whatsapp'",
        [(sari_id, "ID.5602")],
    )
    [told] = (await graph.wait_messages("6285700005601", before + 1))[before:]
    assert "sudah tersambung lagi" in body_of(told)  # before anything else she asks
    queue = await new_phone.say("/antrian")
    assert "Tidak ada laporan yang menunggu" in body_of(queue[0])  # her coordinator's queue
    assert _rows(
        wa_settings,
        "SELECT user_id, external_id, chat_id FROM channel_identities WHERE channel = 'whatsapp'",
    ) == [(sari_id, "ID.5602", "6285700005601")]
    assert graph.rejections == []


async def test_a_psm_who_typed_her_name_before_metas_word_gets_her_account_back(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Review 8: Sari, a PSM last heard from days ago on her old number, writes from her new
    one, is welcomed as a stranger and types her name; Meta's word then comes. The stranger
    is merged into her, and she is told on the new number, inside the window her message
    opened (no template), with her menu: its button starts her report."""
    sari_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=5651,
        name="Ibu Sari",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    clock = ManualClock(EARLY)
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5651", "6281234505651", EARLY - timedelta(days=3)
    )
    await start_wa_bot(clock)
    new_phone = WhatsAppPerson(graph, webhook_url, "ID.5652", "6285700005651", clock=clock)
    assert "Siapa nama lengkap" in body_of((await new_phone.say("halo"))[-1])
    assert "Siapa nama lengkap" not in body_of((await new_phone.say("Sari Wulandari"))[-1])
    before = len(new_phone.messages())
    await _moved(webhook_url, "6281234505651", "6285700005651", "ID.5652", "ID.5651")
    [told] = (await graph.wait_messages("6285700005651", before + 1))[before:]
    assert body_of(told).startswith("✅ Akun Bapak/Ibu sudah tersambung lagi dengan nomor baru")
    assert told["type"] == "interactive"  # her menu's buttons, inside the window
    assert _rows(
        wa_settings,
        "SELECT user_id, external_id, chat_id FROM channel_identities WHERE channel = 'whatsapp'",
    ) == [(sari_id, "ID.5652", "6285700005651")]
    assert _rows(
        wa_settings,
        "SELECT s.status FROM form_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE u.id != ? AND s.form_id = 'registration'",
        sari_id,
    ) == [("cancelled",)]
    report = await new_phone.tap("Buat laporan")
    assert "Siapa nama kepala keluarga" in body_of(report[-1])
    assert graph.rejections == []


async def test_a_move_to_rudis_number_takes_it_from_rudi_and_frees_hers(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Sari (known by her number alone: Meta's previous id is new to us) moves to the
    number Pak Rudi held: Rudi loses it; her old number, verified on Telegram too, links
    its next owner to nobody."""
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5701, name="Ibu Sari", kabupaten="32.08"
    )
    rudi_id = await add_user(
        wa_settings,
        role="tksk",
        telegram_id=5702,
        name="Pak Rudi",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    clock = ManualClock(EARLY)
    earlier = EARLY - timedelta(hours=1)
    await known_on_whatsapp(wa_settings, sari_id, "wa:6281234505701", "6281234505701", earlier)
    await known_on_whatsapp(wa_settings, rudi_id, "ID.5702", "6285700005702", earlier)
    with open_db(wa_settings.database_path) as db:
        db.execute(
            "UPDATE channel_identities SET phone = '+6281234505701', phone_verified = 1"
            " WHERE channel = 'telegram' AND user_id = ?",
            (sari_id,),
        )
    await start_wa_bot(clock)
    await _moved(webhook_url, "6281234505701", "6285700005702", "ID.5703", "ID.UNSEEN")
    await _until(
        wa_settings,
        "SELECT user_id, external_id, chat_id, phone_verified FROM channel_identities"
        " WHERE channel = 'whatsapp' ORDER BY user_id",
        [(sari_id, "ID.5703", "6285700005702", 1), (rudi_id, "ID.5702", None, 0)],
    )
    next_owner = WhatsAppPerson(graph, webhook_url, "ID.5799", "6281234505701", clock=clock)
    assert "Selamat datang" in body_of((await next_owner.say("halo"))[0])
    assert _rows(
        wa_settings,
        "SELECT user_id FROM channel_identities WHERE external_id = 'ID.5799'",
    ) != [(sari_id,)]
    assert graph.rejections == []


async def test_an_alert_waiting_for_a_taken_number_goes_by_telegram(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    sari_id = await add_user(
        wa_settings,
        role="tksk",
        telegram_id=5801,
        name="Ibu Sari",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    clock = ManualClock(EARLY)
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5801", "6281234505801", EARLY - timedelta(days=2)
    )
    with open_db(wa_settings.database_path) as db:  # held behind her closed window
        db.execute(
            "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
            " attempts, not_before, created_at) VALUES (?, 'whatsapp', '6281234505801',"
            " 'alert', 0, '{\"text\": \"DARURAT KNG-2026-000009\"}', 'waiting', 0,"
            " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            (sari_id,),
        )
    await start_wa_bot(clock)
    telegram = TelegramPerson(fake, 5801, "Sari")
    await telegram.say("/start")
    newcomer = WhatsAppPerson(graph, webhook_url, "ID.5899", "6281234505801", clock=clock)
    await newcomer.say("halo")
    await fake.wait_for(
        lambda: any("DARURAT KNG-2026-000009" in m["text"] for m in telegram.messages()),
        what="the alert by Telegram",
    )
    assert not any("DARURAT" in body_of(m) for m in graph.messages_to("6281234505801"))
    assert graph.rejections == [] and fake.rejections == []


async def test_a_recycled_admin_number_makes_its_new_owner_no_admin(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    clock = ManualClock(EARLY)
    await start_wa_bot(clock)
    admin = WhatsAppPerson(graph, webhook_url, "ID.5901", ADMIN_PHONE, clock=clock)
    await admin.say("halo")
    newcomer = WhatsAppPerson(graph, webhook_url, "ID.5999", ADMIN_PHONE, clock=clock)
    assert "Selamat datang" in body_of((await newcomer.say("halo"))[0])
    refused = await newcomer.say("/pengguna")
    assert "Kelola pengguna" not in body_of(refused[0])
    assert _rows(
        wa_settings,
        "SELECT i.external_id, i.chat_id, u.role, u.status FROM channel_identities i"
        " JOIN users u ON u.id = i.user_id WHERE i.channel = 'whatsapp' ORDER BY i.id",
    ) == [("ID.5901", None, "admin", "active"), ("ID.5999", ADMIN_PHONE, None, "registering")]
    assert graph.rejections == []


async def test_her_new_bsuid_before_metas_word_tells_her_of_no_number_taken(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Ibu Sari's WhatsApp account gets a new BSUID, her number unchanged; her first
    message from it comes before Meta's `user_changed_user_id`. For that moment she is a
    stranger at her own number, but the word merges her back and nobody, on Telegram
    either, is told that her number was taken, also once its notice would have been due."""
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5611, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(EARLY)
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5611", "6281234505611", EARLY - timedelta(hours=1)
    )
    await start_wa_bot(clock)
    telegram = TelegramPerson(fake, 5611, "Sari")
    await telegram.say("/start")
    new_key = WhatsAppPerson(graph, webhook_url, "ID.5612", "6281234505611", clock=clock)
    assert "Selamat datang" in body_of((await new_key.say("halo"))[0])  # not known yet
    change = {
        "from": "6281234505611",
        "id": new_wamid(),
        "timestamp": str(int(clock.now().timestamp())),
        "type": "system",
        "system": {
            "body": "User changed",
            "type": "user_changed_user_id",
            "user_id": "ID.5612",
            "previous_user_id": "ID.5611",
        },
    }
    assert (await post_webhook(webhook_url, envelope(messages=[change]))).status_code == 200
    await graph.wait_for(  # written to by her new key now
        lambda: any("sudah tersambung lagi" in body_of(m) for m in graph.messages_to("ID.5612")),
        what="her account found again",
    )
    clock.advance(timedelta(hours=2))  # past the grace a notice of a taken number waits
    await telegram.say("/antrian")
    queue = await new_key.say("/antrian")
    assert "Tidak ada laporan yang menunggu" in body_of(queue[0])  # her coordinator's queue
    assert not any("dipakai akun" in m["text"] for m in telegram.messages())
    assert _rows(
        wa_settings,
        "SELECT user_id, external_id, phone_verified FROM channel_identities"
        " WHERE channel = 'whatsapp'",
    ) == [(sari_id, "ID.5612", 1)]
    assert graph.rejections == [] and fake.rejections == []
