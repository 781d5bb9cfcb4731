"""Someone present on a day has come, whatever their answer was: a reschedule resets every
answer, so a person who then checked in without answering again is "Sudah hadir" in /jadwal
and counted "Akan hadir" on the organiser's page, never "Belum menjawab". Both channels."""

from __future__ import annotations

import pytest

from handlers.trainings.codes import current_code
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def test_a_person_checked_in_is_present_not_unanswered(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    days = [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))]
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, days, deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)  # never answered again
        secret = (await repos.trainings.get(training_id)).secret
    now = at(8, 8, 5)
    checked = await send(db, app, ani, channel, text=f"hadir {current_code(secret, now)}", now=now)
    assert "Bimtek Uji" in said(checked), said(checked)
    schedule = await send(db, app, ani, channel, command="jadwal", now=now)
    assert "Sudah hadir" in said(schedule) and "Belum menjawab" not in said(schedule)
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=now)
    assert "Akan hadir: 1" in said(page) and "Belum menjawab: 0" in said(page), said(page)
