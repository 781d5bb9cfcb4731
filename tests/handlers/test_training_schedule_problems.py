"""Everything wrong with a new training's days is said at once: an end before the start and
a deadline after the first day were told one per round trip through the summary."""

from __future__ import annotations

from handlers.trainings.creation import schedule_of
from storage.models import Role
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import NOW, make_user, open_database

DAYS = [
    {"day_date": "2026-12-10", "start_time": "08.00", "end_time": "07.00"},
    {"day_date": "2026-12-11", "start_time": "08.00", "end_time": "16:00"},
]


async def test_every_problem_of_the_days_is_told_together(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
            turn = command(app_context(tmp_path), repos, sari, "bimtek_baru")
        days, problems = schedule_of(turn, {"days": DAYS, "rsvp_deadline": "2026-12-20"})
        assert days == []
        assert problems == [
            turn.t("training.problem_times", date="10-12-2026"),
            turn.t("training.problem_deadline", latest="Rabu, 9 Desember 2026"),
        ]
        fixed = [{**DAYS[0], "end_time": "12.00"}, DAYS[1]]
        days, problems = schedule_of(turn, {"days": fixed, "rsvp_deadline": "2026-12-08"})
        assert problems == [] and len(days) == 2 and days[0][0] > NOW
    finally:
        await db.close()
