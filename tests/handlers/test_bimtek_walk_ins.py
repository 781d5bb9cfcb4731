"""Walk-ins: the "➕ Name (tanpa HP)" button after the form session's transcript was cleared
asks for the name again instead of adding a nameless candidate; and a day over before
someone was invited shows no status for them (not 'Tidak hadir')."""

from __future__ import annotations

from datetime import timedelta

from handlers.trainings import people
from handlers.trainings.common import day_status
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import CREATED, at, new_training, person, texts, turn
from tests.storage.seed_cases import open_database


async def test_a_walk_in_whose_name_was_cleared_is_asked_again(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            training_id = await new_training(repos, coordinator, [(at(8, 8), at(8, 12))])
            day = (await repos.trainings.days(training_id))[0]
            state = {
                "answers": {"name": "Mbah Karto"},
                "context": {"training_id": training_id, "purpose": "walk_in", "day_id": day.id},
            }
            session = await repos.forms.start(
                user_id=coordinator.id,
                form_id=people.PERSON_FORM,
                form_version=app.forms[people.PERSON_FORM].version,
                state=state,
                now=CREATED,
            )
            await repos.forms.save(session.id, state=state, status="completed", now=CREATED)
        later = at(8, 9)
        async with db.transaction() as repos:
            assert await repos.forms.clear_finished(before=later - timedelta(hours=24), now=later)
            data = f"ti:n:{training_id}:{day.id}:{session.id}"
            tapped = await turn(app, repos, coordinator, later, data=data)
            await people.people_button(tapped, data)
            assert await repos.trainings.invitations(training_id) == []
            asking = await repos.forms.active(coordinator.id)
        assert "Mohon ketik lagi nama" in texts(tapped)[0]
        assert asking is not None and asking.form_id == people.PERSON_FORM
    finally:
        await db.close()


async def test_a_day_over_before_the_invitation_has_no_status(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            days = [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))]
            training_id = await new_training(repos, coordinator, days)
            await repos.trainings.invite(training_id, [ani.id], at(8, 19))  # after day 1
            training = await repos.trainings.get(training_id)
            invitation = await repos.trainings.invitation(training_id, ani.id)
            statuses = [
                day_status(training, invitation, None, day, at(9, 13))
                for day in await repos.trainings.days(training_id)
            ]
        assert statuses == [None, "tidak_hadir"]
    finally:
        await db.close()
