"""Izin/sakit excuses a day only when given before that day's check-in opened and before the
answer deadline: a no-show cannot turn 'Tidak hadir' into 'Sakit' after the day, a reason
finished after the deadline or a cancellation is refused, and a new training's deadline must
fall before its first day."""

from __future__ import annotations

from handlers.trainings import rsvp
from handlers.trainings.common import day_status
from handlers.trainings.creation import schedule_of
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, invited_psm, new_training, person, texts, turn
from tests.storage.seed_cases import open_database

SICK = {"reason_kind": {"name": "sakit"}, "reason_text": "demam"}


async def _statuses(repos, training_id: int, user_id: int, now) -> list[str | None]:
    training = await repos.trainings.get(training_id)
    invitation = await repos.trainings.invitation(training_id, user_id)
    return [
        day_status(training, invitation, None, day, now)
        for day in await repos.trainings.days(training_id)
    ]


async def _excuse(app, db, psm, training_id: int, tapped_at, finished_at) -> list[str]:
    """Berhalangan tapped at one moment, the reason form finished at another."""
    async with db.transaction() as repos:
        tap = await turn(app, repos, psm, tapped_at, data=f"tr:{training_id}:b")
        await rsvp.answer(tap, tap.event.data)
        session = await repos.forms.active(psm.id)
    if session is None:
        return texts(tap)
    async with db.transaction() as repos:
        finished = await turn(app, repos, psm, finished_at, text="demam")
        await rsvp._reason_given(finished, session, SICK)
    return texts(finished)


async def test_a_no_show_cannot_excuse_a_day_already_held(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            days = [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))]
            # Made before the rule: answers open until the end of the first day.
            _, psm, training_id = await invited_psm(repos, days, deadline=at(9, 0))
            await repos.trainings.set_rsvp(training_id, psm.id, "akan_hadir", at(1, 9))
        evening = at(8, 20)  # day 1 is over and she never came
        said = await _excuse(app, db, psm, training_id, evening, evening)
        assert "Sakit" in said[0]
        async with db.transaction() as repos:
            # Day 1 stays a no-show; day 2's check-in had not opened: excused.
            assert await _statuses(repos, training_id, psm.id, at(9, 13)) == [
                "tidak_hadir",
                "sakit",
            ]
    finally:
        await db.close()


async def test_a_reason_finished_too_late_changes_nothing(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            rina = await person(repos, "Bu Rina", Role.PSM, kecamatan="32.08.01")
            late = await new_training(
                repos, coordinator, [(at(8, 8), at(8, 12))], deadline=at(7, 0), title="A"
            )
            cancelled = await new_training(
                repos, coordinator, [(at(8, 8), at(8, 12))], deadline=at(7, 0), title="B"
            )
            await repos.trainings.invite(late, [ani.id], at(1, 9))
            await repos.trainings.invite(cancelled, [rina.id], at(1, 9))
        # Tapped before the deadline, the reason typed after it.
        said = await _excuse(app, db, ani, late, at(6, 22), at(7, 0, 5))
        assert "tidak bisa diubah lagi" in said[0]
        async with db.transaction() as repos:
            tapped = await turn(app, repos, rina, at(5, 9), data=f"tr:{cancelled}:b")
            await rsvp.answer(tapped, tapped.event.data)
            session = await repos.forms.active(rina.id)
            await repos.trainings.set_status(cancelled, "cancelled")
        async with db.transaction() as repos:
            finished = await turn(app, repos, rina, at(5, 9, 5), text="demam")
            await rsvp._reason_given(finished, session, SICK)
            assert "dibatalkan" in texts(finished)[0]
            assert (await repos.trainings.invitation(late, ani.id)).reason_kind is None
            assert (await repos.trainings.invitation(cancelled, rina.id)).reason_kind is None
    finally:
        await db.close()


async def test_the_deadline_must_fall_before_the_first_day(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            asking = await turn(app, repos, coordinator, at(1, 9), text="x")
        day = {"day_date": "2026-12-08", "start_time": "08.00", "end_time": "12.00"}
        for deadline, refused in (("2026-12-08", True), ("2026-12-07", False)):
            days, problems = schedule_of(asking, {"days": [day], "rsvp_deadline": deadline})
            assert bool(problems) is refused and bool(days) is not refused
            if refused:
                (problem,) = problems
                assert "sehari sebelum hari pertama" in problem
    finally:
        await db.close()
