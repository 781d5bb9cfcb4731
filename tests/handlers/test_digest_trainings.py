"""The coordinator's daily digest names the kabupaten's trainings of today and tomorrow, one
line each: title, start time, place, and how many will come of how many invited (check-ins
are not known at digest time). Not a cancelled one, one further off, nor another
kabupaten's. The coordinator on either channel."""

from __future__ import annotations

import pytest

from handlers.reminders import coordinator_digest
from storage.models import Role, UserStatus
from tests.handlers.routed_turns import CHANNELS, person, queued
from tests.handlers.training_turns import at, new_training, plain
from tests.storage.seed_cases import KADUGEDE
from tests.storage.statements import statements_run, touching


async def _digest(db, app, user, now) -> str:
    """The digest run at `now`; the person's latest message."""
    async with db.transaction() as repos:
        await coordinator_digest(repos, app, now)
    return plain((await queued(db, user))[-1].text)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_digest_names_todays_and_tomorrows_trainings(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    budi = await person(db, "Pak Budi", Role.COORDINATOR, channel, kabupaten="35.23")
    psm = [
        await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE)
        for name in ("Bu Ani", "Bu Rina", "Bu Dewi")
    ]
    suspended = await person(db, "Pak Susp", Role.PSM, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        ppks = await new_training(
            repos, sari, [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))], title="Pendataan PPKS"
        )
        await repos.trainings.invite(ppks, [p.id for p in psm], at(1, 9))
        await repos.trainings.set_rsvp(ppks, psm[0].id, "akan_hadir", at(2, 9))
        await repos.trainings.set_rsvp(ppks, psm[1].id, "berhalangan", at(2, 9))
        # A fourth invitee, suspended since: no longer counted among those invited.
        await repos.trainings.invite(ppks, [suspended.id], at(1, 9))
        await repos.trainings.set_rsvp(ppks, suspended.id, "akan_hadir", at(2, 9))
        await repos.users.update(suspended.id, now=at(2, 10), status=UserStatus.SUSPENDED)
        stunting = await new_training(
            repos, sari, [(at(9, 13), at(9, 16))], title="Bimtek Stunting & Gizi"
        )
        await repos.trainings.invite(stunting, [psm[2].id], at(1, 9))
        await new_training(repos, sari, [(at(10, 8), at(10, 12))], title="Pekan Depan")
        cancelled = await new_training(repos, sari, [(at(8, 9), at(8, 12))], title="Batal")
        await repos.trainings.set_status(cancelled, "cancelled")
        await new_training(repos, budi, [(at(8, 8), at(8, 12))], title="Tuban")

    eve = await _digest(db, app, sari, at(7, 7))
    assert eve.split("\n")[-1] == (
        "📅 Besok: Bimtek Pendataan PPKS, pukul 08.00 di Aula. Akan hadir 1 dari 3 diundang."
    ), eve
    assert "Stunting" not in eve and "Tuban" not in eve

    day = await _digest(db, app, sari, at(8, 7))
    assert day.split("\n")[-2:] == [
        "📅 Hari ini: Bimtek Pendataan PPKS, pukul 08.00 di Aula. Akan hadir 1 dari 3 diundang.",
        "📅 Besok: Bimtek Stunting & Gizi, pukul 13.00 di Aula. Akan hadir 0 dari 1 diundang.",
    ], day
    for absent in ("Pekan Depan", "Batal", "Tuban"):
        assert absent not in day, day
    assert "Tuban" in await _digest(db, app, budi, at(8, 7))

    async with db.transaction() as repos:  # in English, and a day further on
        await repos.users.update(sari.id, now=at(9, 6), language="en")
    english = await _digest(db, app, sari, at(9, 7))
    assert english.split("\n")[-3:] == [  # day 2 of Pendataan PPKS today
        "📅 Today: Training Pendataan PPKS, at 08.00, Aula. 1 of 3 invited will attend.",
        "📅 Today: Training Bimtek Stunting & Gizi, at 13.00, Aula. 0 of 1 invited will attend.",
        "📅 Tomorrow: Training Pekan Depan, at 08.00, Aula. 0 of 0 invited will attend.",
    ], english


async def test_each_district_s_digest_reads_only_its_own_trainings(world) -> None:
    """Two districts, five training days between today and tomorrow: each district's digest
    reads its own days and their trainings, two queries (one more per day of either district
    before, each district reading the other's too)."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, "telegram")
    budi = await person(db, "Pak Budi", Role.COORDINATOR, "whatsapp", kabupaten="35.23")
    async with db.transaction() as repos:
        for title, hour in (("Satu", 8), ("Dua", 13)):
            await new_training(repos, sari, [(at(8, hour), at(8, hour + 2))], title=title)
        for title, hour in (("Tuban Pagi", 8), ("Tuban Siang", 11), ("Tuban Sore", 14)):
            await new_training(repos, budi, [(at(9, hour), at(9, hour + 2))], title=title)
    async with statements_run(db) as statements, db.transaction() as repos:
        await coordinator_digest(repos, app, at(8, 7))
    assert len(touching(statements, "trainings")) == 4, touching(statements, "trainings")
    kuningan = plain((await queued(db, sari))[-1].text)
    tuban = plain((await queued(db, budi))[-1].text)
    assert "Satu" in kuningan and "Dua" in kuningan and "Tuban" not in kuningan, kuningan
    assert all(f"Tuban {part}" in tuban for part in ("Pagi", "Siang", "Sore")), tuban
    assert "Satu" not in tuban, tuban
