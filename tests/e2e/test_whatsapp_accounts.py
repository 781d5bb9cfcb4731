"""Whose account a WhatsApp message is when numbers change hands, end to end (signed webhooks
in, the fake Graph API out, the fake Bot API for Telegram): a recycled number's new WhatsApp
account is a stranger; Meta's system message that someone changed number keeps them; a link
by a phone verified on Telegram is told on Telegram; a number WhatsApp verified for someone
silent for a year, shared on Telegram by its new owner, links nobody."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp, open_db
from tests.e2e.db_writes import write_db
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid, post_webhook
from tests.fakes.whatsapp_api import envelope

EARLY = datetime(2026, 12, 1, 6, 30, tzinfo=ZoneInfo("Asia/Jakarta"))


def _rows(settings, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


async def test_a_recycled_number_gives_the_new_owner_nothing_of_the_coordinator(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5301, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(EARLY)  # before the coordinators' daily digest
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5301", "6281234505301", EARLY - timedelta(hours=1)
    )
    await start_wa_bot(clock)
    sari = WhatsAppPerson(graph, webhook_url, "ID.5301", "6281234505301", clock=clock)
    assert "Tidak ada laporan yang menunggu" in body_of((await sari.say("/antrian"))[0])

    # The number lapsed and was sold again: another WhatsApp account writes from it.
    newcomer = WhatsAppPerson(graph, webhook_url, "ID.5399", "6281234505301", clock=clock)
    welcome = await newcomer.say("halo")
    assert "Selamat datang" in body_of(welcome[0])
    queue = await newcomer.say("/antrian")
    assert "Tidak ada laporan yang menunggu" not in body_of(queue[0])
    accounts = _rows(
        wa_settings,
        "SELECT i.external_id, i.chat_id, u.role, u.status FROM channel_identities i"
        " JOIN users u ON u.id = i.user_id WHERE i.channel = 'whatsapp' ORDER BY i.id",
    )
    assert accounts == [
        ("ID.5301", None, "coordinator", "active"),
        ("ID.5399", "6281234505301", None, "registering"),
    ]
    assert graph.rejections == []


async def test_meta_telling_of_a_new_number_keeps_the_person(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """`user_changed_number`: a new number, and with it a new BSUID (as Meta regenerates
    it); the registration goes on from the new number."""
    await start_wa_bot()
    before = WhatsAppPerson(graph, webhook_url, user_id="ID.5401", wa_id="6281234505401")
    await before.say("halo")
    change = {
        "from": "6281234505401",
        "id": new_wamid(),
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": "system",
        "system": {
            "body": "User Sari changed from 6281234505401 to 6285700005401",
            "wa_id": "6285700005401",
            "type": "user_changed_number",
            "user_id": "ID.5402",
            "previous_user_id": "ID.5401",
        },
    }
    response = await post_webhook(webhook_url, envelope(messages=[change]))
    assert response.status_code == 200
    after = WhatsAppPerson(graph, webhook_url, user_id="ID.5402", wa_id="6285700005401")
    answer = await after.say("Siti Aminah")
    assert "✓ Nama: Siti Aminah" in body_of(answer[0])
    assert _rows(
        wa_settings, "SELECT external_id, chat_id, phone, phone_verified FROM channel_identities"
    ) == [("ID.5402", "6285700005401", "+6285700005401", 1)]
    assert graph.messages_to("6281234505401")[1:] == []  # nothing answered the notice
    assert graph.rejections == []


async def test_a_whatsapp_account_linked_by_her_telegram_phone_is_told_on_telegram(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_user(
        wa_settings,
        role="psm",
        telegram_id=5501,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    with open_db(wa_settings.database_path) as db:  # shared her contact on Telegram
        db.execute(
            "UPDATE channel_identities SET phone = '+6281234505501', phone_verified = 1"
            " WHERE channel = 'telegram' AND external_id = '5501'"
        )
    await start_wa_bot()
    telegram = TelegramPerson(fake, 5501, "Ani")
    await telegram.say("/start")
    whatsapp = WhatsAppPerson(graph, webhook_url, user_id="ID.5501", wa_id="6281234505501")
    await whatsapp.say("halo")
    await fake.wait_for(
        lambda: any("baru saja terhubung" in m["text"] for m in telegram.messages()),
        what="the link told on Telegram",
    )
    [told] = [m["text"] for m in telegram.messages() if "baru saja terhubung" in m["text"]]
    assert "Akun WhatsApp dengan nomor +62812*****501" in told and "6281234505501" not in told
    assert graph.rejections == [] and fake.rejections == []


async def test_a_whatsapp_coordinator_sharing_her_number_on_telegram_is_herself_there(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 12: told on WhatsApp to get the export on Telegram, she opens the bot there a
    stranger; sharing her number at the registration's phone question links the accounts."""
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5601, name="Ibu Sari", kabupaten="32.08"
    )
    await write_db(wa_settings.database_path, "DELETE FROM channel_identities")
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5601", "6281234505601", datetime.now(UTC) - timedelta(hours=1)
    )
    await start_wa_bot()
    whatsapp = WhatsAppPerson(graph, webhook_url, user_id="ID.5601", wa_id="6281234505601")
    refused = body_of((await whatsapp.say("/ekspor"))[0])
    assert "buka bot di Telegram, ketik *start* lalu tekan tombol 📱 Bagikan" in refused

    telegram = TelegramPerson(fake, 5602, "Sari")
    await telegram.say("/start")
    asked = await telegram.say("Sari Wulandari")
    assert "nomor HP" in asked[-1]["text"]
    linked = await telegram.share_contact("+6281234505601")  # the keyboard closed first
    assert "Akun Telegram ini sekarang tersambung dengan akun WhatsApp" in linked[0]["text"]
    assert linked[0]["reply_markup"] == {"remove_keyboard": True}
    assert "mendaftar sebagai apa" not in linked[0]["text"] + linked[1]["text"]
    await graph.wait_for(
        lambda: any("baru saja terhubung" in body_of(m) for m in whatsapp.messages()),
        what="the link told on WhatsApp",
    )
    [told] = [body_of(m) for m in whatsapp.messages() if "baru saja terhubung" in body_of(m)]
    assert "Akun Telegram dengan nomor +62812*****601" in told
    queue = await telegram.say("/antrian")
    assert "Tidak ada laporan yang menunggu" in queue[0]["text"]
    assert _rows(
        wa_settings,
        "SELECT user_id, channel, phone_verified FROM channel_identities ORDER BY channel",
    ) == [(sari_id, "telegram", 1), (sari_id, "whatsapp", 1)]
    assert graph.rejections == [] and fake.rejections == []


async def test_her_old_number_shared_on_telegram_after_a_silent_year_is_a_new_person(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Review 15: Sari changed SIM a year ago; the new owner of her old number registers on
    Telegram and shares his own contact: he goes on registering, none of hers is his."""
    sari_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5701, name="Ibu Sari", kabupaten="32.08"
    )
    await write_db(wa_settings.database_path, "DELETE FROM channel_identities")
    await known_on_whatsapp(
        wa_settings, sari_id, "ID.5701", "6281234505701", datetime.now(UTC) - timedelta(days=400)
    )
    await start_wa_bot()
    telegram = TelegramPerson(fake, 5702, "Budi")
    await telegram.say("/start")
    asked = await telegram.say("Budi Santoso")
    assert "nomor HP" in asked[-1]["text"]
    answered = await telegram.share_contact("+6281234505701")
    said = " ".join(m["text"] for m in answered)
    assert "tersambung" not in said and "mendaftar sebagai apa" in said
    queue = await telegram.say("/antrian")
    assert "Tidak ada laporan yang menunggu" not in queue[0]["text"]
    assert _rows(
        wa_settings, "SELECT user_id = ?, channel FROM channel_identities ORDER BY channel", sari_id
    ) == [(0, "telegram"), (1, "whatsapp")]
    verified = "SELECT phone_verified FROM channel_identities WHERE channel = 'whatsapp'"
    assert _rows(wa_settings, verified) == [(0,)]  # her old number is no longer hers
    assert graph.rejections == [] and fake.rejections == []
