"""A reschedule changes the day rows in place (day N keeps its id, nothing is reused), the
morning reminder of the new date goes out even when the old date's went out that morning, and
the old invitation's answer buttons no longer answer (the new schedule is shown instead). A
dropped day's id may go to another training's new day: a day's buttons name their training, so
a stale one says it is out of date instead of opening the other training's day."""

from __future__ import annotations

from handlers.trainings import manual, people, rsvp, schedule
from handlers.trainings.rsvp import invitation_message
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import (
    at,
    button_data,
    invited_psm,
    new_training,
    person,
    texts,
    turn,
)
from tests.storage.seed_cases import open_database, query


def _morning_reminders(path, user_id: int) -> int:
    rows = query(path, "SELECT message FROM outbox WHERE user_id = ?", (user_id,))
    return sum("Hari ini" in row["message"] for row in rows)


async def test_the_new_days_morning_reminder_after_a_reschedule(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            psm = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            days = [(at(8, 10), at(8, 15)), (at(9, 10), at(9, 15))]
            training_id = await new_training(repos, coordinator, days, deadline=at(7, 0))
            await new_training(repos, coordinator, [(at(20, 8), at(20, 12))], title="Lain")
            await repos.trainings.invite(training_id, [psm.id], at(1, 9))
            before = [day.id for day in await repos.trainings.days(training_id)]
        async with db.transaction() as repos:
            await schedule.morning_reminders(repos, app, at(8, 6, 1))
        assert _morning_reminders(tmp_path / "psm.db", psm.id) == 1

        # 07.00, before check-in opens: moved to 15 and 16 Dec, then to one day, the 15th.
        async with db.transaction() as repos:
            new_days = [(at(15, 10), at(15, 15)), (at(16, 10), at(16, 15))]
            await repos.training_invites.replace_days(training_id, new_days, at(14, 0))
            assert [day.id for day in await repos.trainings.days(training_id)] == before
            await repos.training_invites.replace_days(
                training_id, [(at(15, 10), at(15, 15))], at(14, 0)
            )
            kept = await repos.trainings.days(training_id)
            assert [(day.id, day.starts_at) for day in kept] == [(before[0], at(15, 10))]
        async with db.transaction() as repos:
            await schedule.morning_reminders(repos, app, at(15, 6, 1))
            await schedule.morning_reminders(repos, app, at(15, 6, 2))  # once a day
        assert _morning_reminders(tmp_path / "psm.db", psm.id) == 2
    finally:
        await db.close()


async def test_a_reminder_claimed_with_the_earlier_key_today_is_not_sent_again(tmp_path):
    """The release before keyed the claim "{day id}:{user}": on the day of deployment."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, psm, training_id = await invited_psm(repos, [(at(8, 10), at(8, 15))])
            (day,) = await repos.trainings.days(training_id)
            await repos.schedule.claim("training_morning", f"{day.id}:{psm.id}", now=at(8, 6, 1))
        async with db.transaction() as repos:
            await schedule.morning_reminders(repos, app, at(8, 9))
        assert _morning_reminders(tmp_path / "psm.db", psm.id) == 0
    finally:
        await db.close()


async def test_the_old_invitations_answer_buttons_refuse_after_a_reschedule(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, psm, training_id = await invited_psm(repos, [(at(8, 10), at(8, 15))])
            training = await repos.trainings.get(training_id)
            days = await repos.trainings.days(training_id)
            old = invitation_message(app, "id", training, days, "training.invitation_title")
            old_yes = old.buttons[0][0].data
            await repos.training_invites.replace_days(
                training_id, [(at(15, 10), at(15, 15))], at(14, 0)
            )
        async with db.transaction() as repos:
            tapped = await turn(app, repos, psm, at(2, 9), data=old_yes)
            await rsvp.answer(tapped, old_yes)
            assert (await repos.trainings.invitation(training_id, psm.id)).rsvp is None
        assert "jadwal lama" in texts(tapped)[0] and "15 Desember" in texts(tapped)[0]
        new_yes = button_data(tapped)[0]
        assert new_yes != old_yes and len(new_yes.encode()) <= 64
        async with db.transaction() as repos:
            tapped = await turn(app, repos, psm, at(2, 9), data=new_yes)
            await rsvp.answer(tapped, new_yes)
            assert (await repos.trainings.invitation(training_id, psm.id)).rsvp == "akan_hadir"
    finally:
        await db.close()


async def test_a_later_day_moved_also_stales_the_old_buttons(tmp_path):
    """Day 1 kept, day 2 moved: the old "Akan hadir" answered a schedule that is gone."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            two_days = [(at(8, 10), at(8, 15)), (at(9, 10), at(9, 15))]
            _, psm, training_id = await invited_psm(repos, two_days)
            training = await repos.trainings.get(training_id)
            days = await repos.trainings.days(training_id)
            old = invitation_message(app, "id", training, days, "training.invitation_title")
            old_yes = old.buttons[0][0].data
            moved = [(at(8, 10), at(8, 15)), (at(10, 10), at(10, 15))]
            await repos.training_invites.replace_days(training_id, moved, at(7, 0))
        async with db.transaction() as repos:
            tapped = await turn(app, repos, psm, at(2, 9), data=old_yes)
            await rsvp.answer(tapped, old_yes)
            assert (await repos.trainings.invitation(training_id, psm.id)).rsvp is None
        assert "jadwal lama" in texts(tapped)[0]
    finally:
        await db.close()


async def test_a_dropped_days_buttons_do_not_open_the_day_that_took_its_id(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            two_days = [(at(8, 10), at(8, 15)), (at(9, 10), at(9, 15))]
            coordinator, psm, first = await invited_psm(repos, two_days)
            training = await repos.trainings.get(first)
            shown = await turn(app, repos, coordinator, at(2, 9), data=f"tp:{first}:m")
            await manual.choose_day(shown, training)
            dropped = (await repos.trainings.days(first))[1]
            await repos.training_invites.replace_days(first, two_days[:1], at(7, 0))
            other = await new_training(repos, coordinator, [(at(20, 8), at(20, 12))], title="Lain")
            await repos.trainings.invite(other, [psm.id], at(2, 9))
            (taken,) = await repos.trainings.days(other)
        assert taken.id == dropped.id  # SQLite gave the dropped day's id to the new day
        # Day 2's: its hand-set list, and its walk-in (offered once the day has come: written
        # out here, as the walk-in day buttons of a day to come are not shown).
        stale = [button_data(shown)[1], f"ti:d:{first}:{dropped.id}"]
        assert stale == [f"tm:{first}:{dropped.id}:p0", f"ti:d:{first}:{dropped.id}"]
        old_format = [
            f"tm:{dropped.id}:p0",
            f"tm:{dropped.id}:u{psm.id}:hadir",
            f"ti:d:{dropped.id}",
        ]
        for data in stale + old_format:
            async with db.transaction() as repos:
                tapped = await turn(app, repos, coordinator, at(2, 9), data=data)
                handler = manual.manual_button if data.startswith("tm") else people.people_button
                await handler(tapped, data)
                assert await repos.trainings.attendance(taken.id) == {}
                assert await repos.forms.active(coordinator.id) is None  # no walk-in asked
            assert texts(tapped) == [
                "Pesan itu sudah lama; mohon mulai lagi dari halaman bimtek (ketik /bimtek)."
            ]
        async with db.transaction() as repos:  # the new day's own buttons work
            data = f"tm:{other}:{taken.id}:u{psm.id}"
            tapped = await turn(app, repos, coordinator, at(2, 9), data=data)
            await manual.manual_button(tapped, data)
        assert "Status Bu Ani hari 1" in texts(tapped)[0]
        statuses = button_data(tapped)
        assert f"tm:{other}:{taken.id}:u{psm.id}:sakit" in statuses  # (hadir: not before the day)
        assert all(len(data.encode()) <= 64 for data in statuses)  # WhatsApp ids: 200-256
    finally:
        await db.close()
