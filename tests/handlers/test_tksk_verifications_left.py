"""A kecamatan's only TKSK suspended or made a PSM: the cases waiting for his verification
become the coordinators' (verified from /antrian). The coordinator is told how many, in the
question before and with the change (QA walk 12); nothing is said when none waits. On both
channels."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU_DESA, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _kadugede(db: Database, channel: str) -> tuple[User, User]:
    """Coordinator Sari; Pak Tono, Kadugede's TKSK, with two cases waiting for him there (one
    sent back and corrected), one of another kecamatan and one already verified."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for number, desa, state in (
            ("KNG-2026-000001", BABATAN, "submitted"),
            ("KNG-2026-000002", BABATAN, "resubmitted"),
            ("KNG-2026-000003", BABATAN, "verified"),
            ("KNG-2026-000004", CINIRU_DESA, "submitted"),
        ):
            await seed_case(repos, reporter=ani, desa=desa, at=NOW, number=number, state=state)
    return sari, tono


async def test_suspending_the_tksk_says_his_waiting_cases_go_to_the_coordinators(
    world, channel
) -> None:
    db, app = world
    sari, tono = await _kadugede(db, channel)
    asked = said(await send(db, app, sari, channel, data=f"pg:s:{tono.id}:1"))
    assert "Nonaktifkan Pak Tono?" in asked
    assert "⚠️ 2 laporan menunggu verifikasinya; setelah perubahan ini, laporan itu" in asked
    done = said(await send(db, app, sari, channel, data=f"pg:sy:{tono.id}:1"))
    assert "⏸ Pak Tono dinonaktifkan." in done
    assert "2 laporan menunggu verifikasinya; kini diverifikasi koordinator lewat" in done


async def test_making_the_tksk_a_psm_says_so_too(world, channel) -> None:
    db, app = world
    sari, tono = await _kadugede(db, channel)
    version = await _version(db, tono)
    roles = await send(db, app, sari, channel, data=f"pg:o:{tono.id}:{version}")
    assert "2 laporan menunggu verifikasinya" in said(roles)
    desa = await send(db, app, sari, channel, data=button(roles, "PSM"))
    done = said(await send(db, app, sari, channel, data=button(desa, "Babatan")))
    assert "✅ Perubahan disimpan." in done
    assert "2 laporan menunggu verifikasinya; kini diverifikasi koordinator lewat" in done


async def test_nothing_is_said_when_no_case_waits_for_him(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    asked = said(await send(db, app, sari, channel, data=f"pg:s:{tono.id}:1"))
    done = said(await send(db, app, sari, channel, data=f"pg:sy:{tono.id}:1"))
    assert "Nonaktifkan Pak Tono?" in asked and "⏸ Pak Tono dinonaktifkan." in done
    assert "menunggu verifikasi" not in asked + done
