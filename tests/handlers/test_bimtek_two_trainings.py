"""Two trainings open on the same day: /hadir tries the code against each of them, and a
location check-in counts for the training whose venue is within its radius."""

from __future__ import annotations

from handlers.trainings import checkin
from handlers.trainings.codes import current_code
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import CREATED, at, new_training, person, texts, turn
from tests.storage.seed_cases import open_database

AULA = (-6.9755, 108.4836)
BALAI_DESA = (-6.9000, 108.5500)  # some 10 km away


async def test_the_code_of_either_training_checks_in_to_that_one(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            tksk = await person(repos, "Pak Tono", Role.TKSK, kecamatan="32.08.01")
            ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            morning = await new_training(repos, coordinator, [(at(8, 8), at(8, 12))], title="Pagi")
            noon = await new_training(
                repos, tksk, [(at(8, 12), at(8, 16))], kecamatan="32.08.01", title="Siang"
            )
            await repos.trainings.invite(morning, [ani.id], CREATED)
            await repos.trainings.invite(noon, [ani.id], CREATED)
        now = at(8, 11, 30)  # both windows are open
        async with db.transaction() as repos:
            code = current_code((await repos.trainings.get(noon)).secret, now)
            checked = await turn(app, repos, ani, now, command="hadir", args=code)
            await checkin.check_in(checked)
            noon_day = (await repos.trainings.days(noon))[0]
            morning_day = (await repos.trainings.days(morning))[0]
            assert await repos.trainings.attendance_of(noon_day.id, ani.id) is not None
            assert await repos.trainings.attendance_of(morning_day.id, ani.id) is None
        assert "Siang" in texts(checked)[0]
        async with db.transaction() as repos:
            code = current_code((await repos.trainings.get(morning)).secret, now)
            again = await turn(app, repos, ani, now, command="hadir", args=code)
            await checkin.check_in(again)
            assert await repos.trainings.attendance_of(morning_day.id, ani.id) is not None
        assert "Pagi" in texts(again)[0]
    finally:
        await db.close()


async def _two_location_trainings(repos) -> tuple:
    """Bu Ani invited to two trainings on one morning, checked in by location, 10 km apart."""
    coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
    ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
    ids = {}
    for title, venue in (("Aula", AULA), ("Balai", BALAI_DESA)):
        ids[title] = await new_training(
            repos,
            coordinator,
            [(at(8, 8), at(8, 12))],
            title=title,
            method="location",
            venue=venue,
            radius=150,
        )
        await repos.trainings.invite(ids[title], [ani.id], CREATED)
    return ani, ids


async def test_a_location_counts_for_the_training_within_its_radius(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            ani, ids = await _two_location_trainings(repos)
        now = at(8, 8, 5)
        async with db.transaction() as repos:
            asked = await turn(app, repos, ani, now, command="hadir")
            await checkin.check_in(asked)
            session = await repos.forms.active(ani.id)
            assert session is not None
            shared = await turn(app, repos, ani, now, location=BALAI_DESA)
            await checkin._location_given(
                shared, session, {"location": {"lat": -6.9, "lon": 108.55}}
            )
            balai = (await repos.trainings.days(ids["Balai"]))[0]
            aula = (await repos.trainings.days(ids["Aula"]))[0]
            assert await repos.trainings.attendance_of(balai.id, ani.id) is not None
            assert await repos.trainings.attendance_of(aula.id, ani.id) is None
        assert "Balai" in texts(shared)[0]
    finally:
        await db.close()


async def test_a_location_form_counts_a_day_only_for_the_training_it_was_asked_for(tmp_path):
    """A reschedule that drops a day lets SQLite give its id to another training's new day:
    the open check-in form names each day with its training, and a day now another
    training's is not checked in to."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            ani, ids = await _two_location_trainings(repos)
        now = at(8, 8, 5)
        async with db.transaction() as repos:
            asked = await turn(app, repos, ani, now, command="hadir")
            await checkin.check_in(asked)
            session = await repos.forms.active(ani.id)
            assert session is not None
            assert sorted(session.state["context"]["days"]) == sorted(
                [[ids[t], (await repos.trainings.days(ids[t]))[0].id] for t in ids]
            )
            balai = (await repos.trainings.days(ids["Balai"]))[0]
            # As if the form had been asked for Aula's day whose id Balai's day now has.
            session.state["context"]["days"] = [[ids["Aula"], balai.id]]
            shared = await turn(app, repos, ani, now, location=BALAI_DESA)
            await checkin._location_given(
                shared, session, {"location": {"lat": -6.9, "lon": 108.55}}
            )
            assert await repos.trainings.attendance_of(balai.id, ani.id) is None
        assert "tidak berlaku" in texts(shared)[0]
    finally:
        await db.close()
