"""The training page's "Status" follows the calendar while the training is scheduled:
"terjadwal" before its days, "berlangsung hari ini" on one of them (check-in open or not),
"sudah selesai" after the last one; a stored state (closed, cancelled) is said as it is."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers.trainings.page import show_page
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, invited_psm, plain, texts, turn
from tests.storage.seed_cases import open_database

# Two days: Tuesday 8 and Thursday 10 December, 08.00-12.00; check-in opens an hour before.
DAYS = [(at(8, 8), at(8, 12)), (at(10, 8), at(10, 12))]


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (at(7, 15), "terjadwal"),
        (at(8, 6), "berlangsung hari ini"),  # the day, before check-in opens
        (at(8, 9), "berlangsung hari ini"),  # check-in open
        (at(9, 9), "terjadwal"),  # between the two days
        (at(10, 20), "berlangsung hari ini"),  # the last day, after its end
        (at(11, 9), "sudah selesai"),
    ],
)
async def test_the_status_follows_the_days(tmp_path, now: datetime, state: str) -> None:
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari, _, training_id = await invited_psm(repos, DAYS)
            page = await turn(app, repos, sari, now, data=f"tp:{training_id}")
            await show_page(page, await repos.trainings.get(training_id))
            await repos.trainings.set_status(training_id, "closed")
            closed = await turn(app, repos, sari, now, data=f"tp:{training_id}")
            await show_page(closed, await repos.trainings.get(training_id))
    finally:
        await db.close()
    assert f"Status: {state}\n" in plain(texts(page)[0])
    assert "Status: absen ditutup\n" in plain(texts(closed)[0])
