"""A suspended invitee gets no "Ingatkan" reminder and no reschedule notice (as the morning
reminder already spares them); the active ones get both."""

from __future__ import annotations

from handlers.trainings import page, reschedule
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, invited_psm, texts, turn
from tests.storage.seed_cases import open_database, query

NEW_DAYS = {
    "days": [{"day_date": "2026-12-15", "start_time": "08.00", "end_time": "12.00"}],
    "rsvp_deadline": "2026-12-14",
}


async def test_suspended_invitees_are_neither_reminded_nor_told(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator, ani, training_id = await invited_psm(
                repos, [(at(8, 8), at(8, 12))], and_a_suspended_one=True
            )
        async with db.transaction() as repos:
            remind = await turn(app, repos, coordinator, at(2, 10), data=f"tp:{training_id}:r")
            await page.page_button(remind, remind.event.data)
        assert "dikirim ke 1 orang" in texts(remind)[0]

        async with db.transaction() as repos:
            moving = await turn(app, repos, coordinator, at(2, 11), data=f"tp:{training_id}:s")
            await page.page_button(moving, moving.event.data)
            session = await repos.forms.active(coordinator.id)
            assert session is not None
            moved = await turn(app, repos, coordinator, at(2, 11), text="x")
            await reschedule._new_days(moved, session, NEW_DAYS)
        assert "1 peserta diberi tahu" in texts(moved)[0]

        rows = query(tmp_path / "psm.db", "SELECT user_id, message FROM outbox ORDER BY id")
        assert [row["user_id"] for row in rows] == [ani.id, ani.id]  # reminder, new days
        assert "15 Desember" in rows[1]["message"]
    finally:
        await db.close()
