"""A check-in code of this training from earlier the same day (read at the venue long
before it was typed) is said to have expired, not to be wrong, and is not counted towards
the wrong-code lockout; a code of the day before, or never shown, is wrong. Both channels,
typed as "hadir KODE"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.trainings.codes import ROTATE_SECONDS, code_for, slot_of
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

EXPIRED = "Kode itu sudah kedaluwarsa"
WRONG = "Kode itu salah"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_code_from_earlier_today_has_expired_and_locks_nobody_out(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    days = [(at(8, 8), at(8, 17)), (at(9, 8), at(9, 17))]
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, days, deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
        secret = (await repos.trainings.get(training_id)).secret
    shown = at(9, 7, 10)  # read at the venue at 07.10, typed 85 minutes later
    typed_at = shown + timedelta(minutes=85)
    early = code_for(secret, slot_of(shown))
    for minute in range(6):  # more than the lockout's five: none of them counts
        now = typed_at + timedelta(minutes=minute)
        tried = await send(db, app, ani, channel, text=f"hadir {early}", now=now)
        assert EXPIRED in said(tried) and WRONG not in said(tried), said(tried)
    async with db.reading() as repos:
        assert await repos.audit.entries("training.code_wrong") == []
    # Yesterday's code (day 1, 8 Dec at 15.00) is no code of today: wrong, and counted.
    yesterday = code_for(secret, slot_of(at(8, 15)))
    assert yesterday not in {
        code_for(secret, slot)
        for slot in range(slot_of(at(9, 0)), slot_of(typed_at) + 1 + 600 // ROTATE_SECONDS)
    }
    now = typed_at + timedelta(minutes=10)
    tried = await send(db, app, ani, channel, text=f"hadir {yesterday}", now=now)
    assert WRONG in said(tried), said(tried)
    async with db.reading() as repos:
        assert len(await repos.audit.entries("training.code_wrong")) == 1
