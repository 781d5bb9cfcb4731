"""/pengingat: a PSM moves the daily reminder to another hour or turns it off by tapping."""

from __future__ import annotations

import sqlite3

from handlers.router import button_prefix_clashes
from tests.e2e.test_review import PSM, people  # noqa: F401 (the `people` fixture)


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
    answer = await psm.tap("08:00")
    assert "sekitar pukul 08:00" in answer[-1]["text"]
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
