"""Who may press the buttons of a training's page added for links, invitations, reschedule
and walk-ins: only those who manage the training (its area in their scope); everyone else
gets the polite refusal and nothing changes. Forged data reaching outside the training's area
is refused too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID, bot_environment
from tests.e2e.training_helpers import at, create_training, plain

NOT_ALLOWED = "tidak berwenang"
OLD_BUTTON = "Tombol itu sudah tidak berlaku"


@pytest.fixture
def settings(fake, tmp_path: Path) -> Settings:
    env = bot_environment(fake, tmp_path, DISTRICTS="32.08:KNG,35.23:TBN")
    return load_settings(**{key.lower(): value for key, value in env.items()})


def _snapshot(database) -> tuple:
    with sqlite3.connect(database) as db:
        return tuple(
            db.execute(sql).fetchall()
            for sql in (
                "SELECT training_id, user_id, rsvp FROM training_invitations ORDER BY 1, 2",
                "SELECT day_id, user_id, status FROM training_attendance ORDER BY 1, 2",
                "SELECT * FROM training_pending_invitations",
                "SELECT id, day_number, starts_at FROM training_days ORDER BY id",
                "SELECT id, full_name, role, status FROM users ORDER BY id",
                "SELECT user_id, form_id FROM form_sessions WHERE status = 'active' ORDER BY 1",
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'training.%'"
                " AND action != 'training.refused'",  # a refusal is audited, and changes nothing
                "SELECT join_code FROM trainings",
            )
        )


async def test_only_managers_in_scope_use_the_new_buttons(fake, settings, start_bot) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings, role="coordinator", telegram_id=502, name="Pak Hadi", kabupaten="35.23"
    )
    await add_user(
        settings,
        role="tksk",
        telegram_id=601,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    ani = await add_user(
        settings,
        role="psm",
        telegram_id=701,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    tuban_psm = await add_user(
        settings,
        role="psm",
        telegram_id=705,
        name="Pak Tuban",
        kabupaten="35.23",
        kecamatan="35.23.01",
        desa="35.23.01.2001",
    )
    clock = ManualClock(at(1, 9))
    await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, 500, "Sari")
    others = {
        "coordinator of Tuban": TelegramPerson(fake, 502),
        "TKSK (a kabupaten-wide training)": TelegramPerson(fake, 601),
        "PSM": TelegramPerson(fake, 701),
        "admin": TelegramPerson(fake, ADMIN_ID),
    }
    for person in (coordinator, *others.values()):
        await person.say("/start")
    await create_training(coordinator)
    with sqlite3.connect(settings.database_path) as db:
        training = db.execute("SELECT id FROM trainings").fetchone()[0]
        day = db.execute("SELECT id FROM training_days").fetchone()[0]
    # The coordinator's own name search, whose session a forged "register" press points at
    # (a walk-in: on the day, 8 December).
    clock.set(at(8, 9))
    await coordinator.say("/bimtek")
    await coordinator.tap_data(f"tp:{training}:w", 1)
    await coordinator.say("Orang Baru")
    with sqlite3.connect(settings.database_path) as db:
        session = db.execute(
            "SELECT id FROM form_sessions WHERE form_id = 'training_person'"
        ).fetchone()[0]

    buttons = [
        f"tp:{training}:l",
        f"tp:{training}:i",
        f"tp:{training}:in",
        f"tp:{training}:if",
        f"tp:{training}:w",
        f"tp:{training}:s",
        f"ti:i:{training}:{ani}",
        f"ti:d:{training}:{day}",
        f"ti:w:{training}:{day}:{ani}",
        f"ti:n:{training}:{day}:{session}",
    ]
    for who, person in others.items():
        if who == "admin":
            continue
        for data in buttons:
            before = _snapshot(settings.database_path)
            reply = await person.tap_data(data, 1)
            assert NOT_ALLOWED in plain(reply[-1]["text"]), (who, data)
            assert _snapshot(settings.database_path) == before, (who, data)

    # The admin manages every training: the invite menu opens.
    menu = await others["admin"].tap_data(f"tp:{training}:i", 1)
    assert "Undang peserta" in plain(menu[-1]["text"])

    # Forged data from the training's own coordinator: outside its area, someone else's session.
    for data, expected in (
        (f"ti:i:{training}:{tuban_psm}", NOT_ALLOWED),
        (f"ti:w:{training}:{day}:{tuban_psm}", NOT_ALLOWED),
        (f"ti:i:{training}:x", NOT_ALLOWED),
        (f"ti:q:{training}:{ani}", NOT_ALLOWED),
    ):
        before = _snapshot(settings.database_path)
        reply = await coordinator.tap_data(data, 1)
        assert expected in plain(reply[-1]["text"]), data
        assert _snapshot(settings.database_path) == before, data
    admin = others["admin"]
    before = _snapshot(settings.database_path)
    reply = await admin.tap_data(f"ti:n:{training}:{day}:{session}", 1)  # the coordinator's session
    assert OLD_BUTTON in plain(reply[-1]["text"])
    assert _snapshot(settings.database_path) == before
    with sqlite3.connect(settings.database_path) as db:
        refused = db.execute("SELECT detail FROM audit_log WHERE action = 'training.refused'")
        audited = [json.loads(row[0])["data"] for row in refused]
    assert audited == buttons * 3 + [  # each refused press of the three others, then forged
        f"ti:i:{training}:{tuban_psm}",
        f"ti:w:{training}:{day}:{tuban_psm}",
        f"ti:i:{training}:x",
        f"ti:q:{training}:{ani}",
    ]
    assert fake.rejections == []
