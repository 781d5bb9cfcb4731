"""`hadir` typed days before a Bimtek names the next one and when its check-in opens; an
answer after the deadline says that coming and checking in on the day still works (a
person who declined must not read "you cannot come"). Both channels."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _invited(db, channel):
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
    return ani, training_id


async def test_hadir_days_early_names_the_next_training(world, channel):
    db, app = world
    ani, training_id = await _invited(db, channel)
    async with db.transaction() as repos:  # unanswered, "hadir" is asked back as the answer
        await repos.trainings.set_rsvp(training_id, ani.id, "akan_hadir", NOW)
    early = await send(db, app, ani, channel, text="hadir", now=at(5, 10))
    text = said(early)
    assert "Tidak ada bimtek hari ini" in text, text
    assert "Bimtek Uji" in text and "8 Desember 2026" in text and "ketik <b>hadir</b>" in text


async def test_after_the_deadline_checking_in_on_the_day_still_works(world, channel):
    db, app = world
    ani, training_id = await _invited(db, channel)
    late = await send(db, app, ani, channel, data=f"tr:{training_id}:a", now=at(7, 10))
    assert "tidak bisa diubah lagi" in said(late), said(late)
    assert "absen pada hari bimtek" in said(late) and "tetap bisa" in said(late)
