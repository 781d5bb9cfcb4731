"""Each person's Telegram command menu lists only what their role may use, in their language,
and follows a change of role, status or language; strangers see the short default menu.
A channel without a command menu (WhatsApp) is sent none."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.db_writes import write_db
from tests.e2e.whatsapp import WhatsAppPerson, body_of

VISITOR = ["start", "bantuan", "bahasa", "batal"]


async def _menu_call_count(fake, chat_id: int) -> int:
    return sum(
        1
        for call in fake.calls_of("setMyCommands")
        if (call.params.get("scope") or {}).get("chat_id") == chat_id
    )


async def test_menus_follow_role_status_and_language(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=601,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_bot()
    assert fake.menu_of() == VISITOR  # what a stranger sees
    assert fake.menu_of(language="en") == VISITOR

    ani = TelegramPerson(fake, 601, "Ani")
    await ani.say("/start")
    await fake.wait_for(lambda: fake.menu_of(601), what="the PSM's menu")
    psm_menu = fake.menu_of(601)
    assert {"lapor", "draf", "laporan_saya", "pengingat", "jadwal", "saya"} <= set(psm_menu)
    assert not {"antrian", "pengguna", "audit", "ekspor", "siaran", "bimtek_baru"} & set(psm_menu)

    sari = TelegramPerson(fake, 500, "Sari")
    await sari.say("/start")
    await fake.wait_for(lambda: fake.menu_of(500), what="the coordinator's menu")
    coordinator_menu = fake.menu_of(500)
    assert {"antrian", "pengguna", "ekspor", "siaran", "bimtek_baru", "statistik"} <= set(
        coordinator_menu
    )
    assert not {"audit", "templat", "daftar"} & set(coordinator_menu)

    admin = TelegramPerson(fake, ADMIN_ID, "Admin")
    await admin.say("/start")
    await fake.wait_for(lambda: fake.menu_of(ADMIN_ID), what="the admin's menu")
    assert {"audit", "templat", "pengguna"} <= set(fake.menu_of(ADMIN_ID))

    # Nothing new to give: a second message sends no menu again.
    calls = await _menu_call_count(fake, 601)
    await ani.say("/saya")
    assert await _menu_call_count(fake, 601) == calls

    # The language changes the descriptions.
    await ani.say("/bahasa")
    await ani.tap("English")
    await fake.wait_for(
        lambda: any(
            command["description"] == "Make a new case report"
            for call in fake.calls_of("setMyCommands")
            if (call.params.get("scope") or {}).get("chat_id") == 601
            for command in call.params["commands"]
        ),
        what="the English menu",
    )

    # Suspended: back to the short menu at their next message.
    await write_db(
        settings.database_path, "UPDATE users SET status = 'suspended' WHERE full_name = 'Bu Ani'"
    )
    await ani.say("/saya")
    await fake.wait_for(lambda: fake.menu_of(601) == VISITOR, what="the suspended menu")
    assert fake.rejections == []


async def test_no_menu_is_queued_for_a_channel_without_one(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """WhatsApp has no command menu (its ChannelTraits): the same coordinator's WhatsApp chat
    gets no `menu` row, while their Telegram chat gets the coordinator's menu."""
    sari = await add_user(
        wa_settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await write_db(
        wa_settings.database_path,
        "INSERT INTO channel_identities (user_id, channel, external_id, chat_id, phone,"
        " phone_verified, started_at) VALUES (?, 'whatsapp', 'ID.5000', '6281234500050',"
        " '+6281234500050', 1, '2026-01-01T00:00:00+00:00')",
        sari,
    )
    await start_wa_bot()
    on_whatsapp = WhatsAppPerson(graph, webhook_url, user_id="ID.5000", wa_id="6281234500050")
    shown = await on_whatsapp.say("saya")
    assert "Ibu Sari" in body_of(shown[0])
    on_telegram = TelegramPerson(fake, 500, "Sari")
    await on_telegram.say("/start")
    await fake.wait_for(lambda: fake.menu_of(500), what="the coordinator's Telegram menu")

    with sqlite3.connect(wa_settings.database_path) as db:
        menus = db.execute(
            "SELECT channel FROM outbox WHERE json_extract(message, '$.type') = 'menu'"
        ).fetchall()
        keys = dict(db.execute("SELECT channel, menu_key IS NOT NULL FROM channel_identities"))
    assert menus == [("telegram",)]
    assert keys == {"telegram": 1, "whatsapp": 0}
    assert graph.rejections == [] and fake.rejections == []
