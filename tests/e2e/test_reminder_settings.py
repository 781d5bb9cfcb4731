"""/pengingat: a PSM moves the daily reminder to another hour or turns it off by tapping, or
types an hour of her own after "Jam lain" (here over WhatsApp, whose list carries the options)."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from handlers.routes import button_prefix_clashes
from tests.e2e.db_writes import write_db
from tests.e2e.test_review import PSM, people  # noqa: F401 (the `people` fixture)
from tests.e2e.whatsapp import WhatsAppPerson, body_of


def _reminder(settings) -> tuple:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT u.reminder_time, u.reminders_enabled FROM users u JOIN channel_identities i"
            " ON i.user_id = u.id WHERE i.external_id = ?",
            (str(PSM),),
        ).fetchone()


async def test_a_psm_taps_an_hour_then_turns_the_reminder_off(
    fake,
    settings,
    people,  # noqa: F811
) -> None:
    psm = people[PSM]
    await psm.say("/pengingat", until="Pengingat harian")
    answer = await psm.tap("08.00")
    assert "sekitar pukul 08.00" in answer[-1]["text"]
    assert _reminder(settings) == ("08:00", 1)

    await psm.say("/pengingat", until="Pengingat harian")
    answer = await psm.tap("Matikan")
    assert "dimatikan" in answer[-1]["text"]
    assert _reminder(settings) == ("08:00", 0)
    with sqlite3.connect(settings.database_path) as db:
        refused = db.execute("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%refused'")
        assert refused.fetchone() == (0,)
    assert fake.rejections == []


def test_two_handlers_never_claim_one_button_prefix() -> None:
    assert button_prefix_clashes(["pg", "rm", "cx"]) == []
    assert button_prefix_clashes(["pg", "rm", "pg"]) == ["pg"]
    assert button_prefix_clashes(["f1"]) == ["f1"]  # a form button's data starts with f


async def test_a_psm_on_whatsapp_types_her_own_hour(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    ani = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7601,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await write_db(
        wa_settings.database_path,
        "INSERT INTO channel_identities (user_id, channel, external_id, chat_id, phone,"
        " phone_verified, started_at) VALUES (?, 'whatsapp', 'ID.7601', '6281234500076',"
        " '+6281234500076', 1, '2026-01-01T00:00:00+00:00')",
        ani,
    )
    await start_wa_bot(settings={"quiet_hours": "21:00-06:00"})  # the product's, at any hour
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.7601", wa_id="6281234500076")
    asked = await psm.say("pengingat")
    assert asked[0]["interactive"]["type"] == "list"
    question = await psm.tap("Jam lain")
    assert "Jam berapa pengingat Bapak/Ibu dikirim (WIB)?" in body_of(question[0])
    refused = await psm.say("jam 10 malam")
    assert "termasuk jam tenang" in body_of(refused[0])
    done = await psm.say("17.30")
    assert body_of(done[0]) == "Pengingat harian akan dikirim sekitar pukul 17.30."
    with sqlite3.connect(wa_settings.database_path) as db:
        stored = db.execute(
            "SELECT reminder_time, reminders_enabled FROM users WHERE id = ?", (ani,)
        ).fetchone()
    assert stored == ("17:30", 1)
    assert graph.rejections == []
