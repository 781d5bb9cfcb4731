"""Refused or forged training button presses are audited as `training.refused` with the
button data (as people management's are), and counted under /audit's "refused" kind."""

from __future__ import annotations

import json

import pytest

from handlers.audit.kinds import KINDS
from handlers.router import ACTIVE_BUTTONS
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import CREATED, at, new_training, person, texts, turn
from tests.storage.seed_cases import open_database, query

# Who presses what (filled with the ids below): each must be refused and audited.
PRESSES = [
    ("psm", "tp:{training}:e"),  # a participant opening the export
    ("other_tksk", "tp:{training}:kk"),  # a TKSK of another kecamatan cancelling
    (
        "tuban",
        "tm:{training}:{day}:u{psm}:hadir",
    ),  # another kabupaten's coordinator setting a status
    ("tuban", "ti:i:{training}:{psm}"),  # ... inviting
    ("coordinator", "ti:i:{training}:{tuban_psm}"),  # inviting someone of another kabupaten
    ("coordinator", "tp:{training}:zz"),  # a made-up action
    ("psm", "tr:{training}:a"),  # answering a training one is not invited to
]


@pytest.mark.parametrize(("who", "pattern"), PRESSES)
async def test_a_refused_training_press_is_audited(tmp_path, who, pattern):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            people = {
                "coordinator": await person(repos, "Ibu Sari", Role.COORDINATOR),
                "other_tksk": await person(repos, "Pak Lain", Role.TKSK, kecamatan="32.08.02"),
                "psm": await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01"),
                "tuban": await person(repos, "Pak Tuban", Role.COORDINATOR, kabupaten="35.23"),
                "tuban_psm": await person(
                    repos, "Bu Tuban", Role.PSM, kabupaten="35.23", kecamatan="35.23.01"
                ),
            }
            training_id = await new_training(repos, people["coordinator"], [(at(8, 8), at(8, 12))])
            day = (await repos.trainings.days(training_id))[0]
        data = pattern.format(
            training=training_id, day=day.id, psm=people["psm"].id, tuban_psm=people["tuban_psm"].id
        )
        presser = people[who]
        async with db.transaction() as repos:
            pressed = await turn(app, repos, presser, CREATED, data=data)
            await ACTIVE_BUTTONS[data.split(":")[0]](pressed, data)
        assert len(texts(pressed)) == 1  # said politely, once
        rows = query(tmp_path / "psm.db", "SELECT actor_id, action, detail FROM audit_log")
        assert [(r["actor_id"], r["action"], json.loads(r["detail"])) for r in rows] == [
            (presser.id, "training.refused", {"data": data})
        ]
        assert "training.refused" in KINDS["refused"]
    finally:
        await db.close()
