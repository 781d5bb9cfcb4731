"""A training needs a day's notice (answers close by the end of the day before the first
day): a first day set for today is told as such, naming what to change and how to stop,
instead of a deadline problem no deadline can solve (the person looped between "at the
latest the day before" and "that date has passed"); a deadline too late names the latest
date it may be. Both creation and reschedule read the days through `schedule_of`."""

from __future__ import annotations

from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from handlers.trainings.creation import schedule_of
from handlers.trainings.reschedule import RESCHEDULE_FORM
from handlers.trainings.reschedule import _new_days as reschedule_completed
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, new_training, person, plain, texts, turn
from tests.storage.seed_cases import open_database

TODAY = {"day_date": "2026-12-07", "start_time": "13.00", "end_time": "15.00"}
TOMORROW = {"day_date": "2026-12-08", "start_time": "08.00", "end_time": "12.00"}


async def test_a_first_day_today_says_what_to_change(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            asking = await turn(app, repos, sari, at(7, 9), text="x")
        for deadline in ("2026-12-07", "2026-12-06"):
            days, problems = schedule_of(asking, {"days": [TODAY], "rsvp_deadline": deadline})
            assert days == []
            (problem,) = problems
            assert "paling cepat besok" in plain(problem)
            assert "Tanggal (1)" in problem and "/batal" in problem
        days, problems = schedule_of(asking, {"days": [TOMORROW], "rsvp_deadline": "2026-12-08"})
        (problem,) = problems
        assert "paling lambat Senin, 7 Desember 2026" in problem
        days, problems = schedule_of(asking, {"days": [TOMORROW], "rsvp_deadline": "2026-12-07"})
        assert problems == [] and len(days) == 1
    finally:
        await db.close()


async def test_a_reschedule_to_today_comes_back_with_the_way_out(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            training_id = await new_training(repos, sari, [(at(10, 8), at(10, 12))])
            answers = {"days": [TODAY], "rsvp_deadline": "2026-12-07"}
            state = {**new_state(), "answers": answers, "closed": ["days"]}
            state["context"] = {"training_id": training_id}
            session = await repos.forms.start(
                user_id=sari.id,
                form_id=RESCHEDULE_FORM,
                form_version=load_forms()[RESCHEDULE_FORM].version,
                state=state,
                now=at(7, 9),
            )
            done = await turn(app, repos, sari, at(7, 9), text="x")
            await reschedule_completed(done, session, answers)
            days = await repos.trainings.days(training_id)
            reopened = await repos.forms.active(sari.id)
        assert days[0].starts_at == at(10, 8)  # nothing moved
        assert reopened is not None and reopened.id == session.id
        assert "paling cepat besok" in texts(done)[0]
    finally:
        await db.close()
