"""QA walk 5: a coordinator's double tap of "Ya, nonaktifkan" said "Data pengguna ini baru
saja diubah orang lain" though the change was her own. A /pengguna button tapped when the
person already is as it asks says it is done, by whom and when (the presser: "sudah
Bapak/Ibu nonaktifkan"; someone else: named), over the page as it is, and changes (and
tells) nothing again: suspension, reactivation, a role, a desa, a region ("Ubah wilayah":
said as the region changed, not as a role given), a handover, a review of a rejected
registration. A different change meanwhile is still "diubah orang lain". On both
channels."""

from __future__ import annotations

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    queued,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import BABATAN, CINIRU, CINIRU_DESA, KADUGEDE, NOW, seed_case

AT = "(29-11-2026 10.00)"  # NOW, as the deployment's clock reads it
CHANGED = "diubah orang lain"


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _audited(db: Database, action: str) -> int:
    async with db.reading() as repos:
        _, total = await repos.audit.page(actions=(action,))
    return total


async def _people(db: Database, channel: str) -> tuple[User, User, User]:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await person(db, "Ibu Rina", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    return sari, rina, ani


async def _twice(db: Database, app: AppContext, sari: User, channel: str, data: str) -> str:
    """The first tap acts; what the second tap of the same button says."""
    first = said(await send(db, app, sari, channel, data=data))
    assert CHANGED not in first and "sudah" not in first.split("\n")[0], first
    return said(await send(db, app, sari, channel, data=data))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_suspend_tapped_twice_is_done_by_the_presser(world, channel: str) -> None:
    db, app = world
    sari, _, ani = await _people(db, channel)
    page = await send(db, app, sari, channel, data=f"pg:u:{ani.id}")
    ask = await send(db, app, sari, channel, data=button(page, "Nonaktifkan"))
    again = await _twice(db, app, sari, channel, button(ask, "Ya, nonaktifkan"))
    assert again.startswith(f"✅ Bu Ani sudah Bapak/Ibu nonaktifkan {AT}."), again
    assert CHANGED not in again and "Status: Dinonaktifkan" in again
    assert await _audited(db, "person.suspended") == 1
    told = [m.text for m in await queued(db, ani) if "dinonaktifkan oleh" in (m.text or "")]
    assert len(told) == 1
    # The page's "Nonaktifkan" of before, tapped now, says the same.
    old = said(await send(db, app, sari, channel, data=button(page, "Nonaktifkan")))
    assert old.startswith(f"✅ Bu Ani sudah Bapak/Ibu nonaktifkan {AT}."), old


@pytest.mark.parametrize("channel", CHANNELS)
async def test_suspended_by_another_coordinator_names_her(world, channel: str) -> None:
    db, app = world
    sari, rina, ani = await _people(db, channel)
    version = await _version(db, ani)
    await send(db, app, rina, channel, data=f"pg:sy:{ani.id}:{version}")
    late = said(await send(db, app, sari, channel, data=f"pg:sy:{ani.id}:{version}"))
    assert late.startswith(f"✅ Bu Ani sudah dinonaktifkan oleh Ibu Rina {AT}."), late
    assert await _audited(db, "person.suspended") == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_reactivate_tapped_twice(world, channel: str) -> None:
    db, app = world
    sari, _, ani = await _people(db, channel)
    await send(db, app, sari, channel, data=f"pg:sy:{ani.id}:{await _version(db, ani)}")
    data = f"pg:a:{ani.id}:{await _version(db, ani)}"
    again = await _twice(db, app, sari, channel, data)
    assert again.startswith(f"✅ Bu Ani sudah Bapak/Ibu aktifkan kembali {AT}."), again
    assert await _audited(db, "person.reactivated") == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_role_and_a_desa_tapped_twice(world, channel: str) -> None:
    db, app = world
    sari, _, ani = await _people(db, channel)
    data = f"pg:or:{ani.id}:{await _version(db, ani)}:t"  # TKSK of Kadugede
    again = await _twice(db, app, sari, channel, data)
    assert again.startswith(f"✅ Bu Ani sudah Bapak/Ibu jadikan TKSK, wilayah Kec. Kadugede {AT}.")
    assert await _audited(db, "person.role_changed") == 1

    data = f"pg:gd:{ani.id}:{await _version(db, ani)}:p:{CINIRU_DESA}"  # PSM at a Ciniru desa
    again = await _twice(db, app, sari, channel, data)
    assert again.startswith("✅ Bu Ani sudah Bapak/Ibu jadikan PSM, wilayah Desa "), again
    assert f"Kec. Ciniru {AT}." in again.split("\n")[0], again
    assert await _audited(db, "person.role_changed") == 2


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_region_tapped_twice_says_the_region_changed(world, channel: str) -> None:
    # QA walk 6: "sudah Bapak/Ibu jadikan PSM, wilayah Desa Cijemit" read as a role change.
    db, app = world
    sari, _, ani = await _people(db, channel)
    data = f"pg:gd:{ani.id}:{await _version(db, ani)}:p:{CINIRU_DESA}"  # still PSM, in Ciniru
    again = await _twice(db, app, sari, channel, data)
    first = again.split("\n")[0]
    assert first.startswith(f"✅ Wilayah Bu Ani sudah Bapak/Ibu ubah {AT}: sekarang Desa "), first
    assert first.endswith(", Kec. Ciniru.") and "jadikan" not in first, first
    assert await _audited(db, "person.region_changed") == 1

    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    data = f"pg:gk:{tono.id}:{await _version(db, tono)}:t:{CINIRU}:0"  # TKSK of Ciniru now
    again = await _twice(db, app, sari, channel, data)
    assert again.startswith(f"✅ Wilayah Pak Tono sudah Bapak/Ibu ubah {AT}: sekarang Kec. Ciniru.")
    assert await _audited(db, "person.region_changed") == 2


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_region_changed_by_another_coordinator_names_her(world, channel: str) -> None:
    db, app = world
    sari, rina, ani = await _people(db, channel)
    data = f"pg:gd:{ani.id}:{await _version(db, ani)}:p:{CINIRU_DESA}"
    await send(db, app, rina, channel, data=data)
    late = said(await send(db, app, sari, channel, data=data)).split("\n")[0]
    by_rina = f"✅ Wilayah Bu Ani sudah diubah oleh Ibu Rina {AT}: sekarang Desa "
    assert late.startswith(by_rina), late
    assert await _audited(db, "person.region_changed") == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_handover_tapped_twice(world, channel: str) -> None:
    db, app = world
    sari, _, ani = await _people(db, channel)
    dewi = await person(db, "Bu Dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number="KNG-2026-000001")
    data = f"pg:hy:{ani.id}:{await _version(db, ani)}:{dewi.id}"
    again = await _twice(db, app, sari, channel, data)
    assert again.startswith(f"✅ Laporan Bu Ani sudah Bapak/Ibu serahkan kepada Bu Dewi {AT}.")
    assert await _audited(db, "person.handover") == 1
    assert len(await queued(db, dewi)) == 1  # told once


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_review_of_a_rejection_tapped_twice(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await waiting_registration(db, channel, "Rina Lestari")
    async with db.transaction() as repos:
        rina = await repos.users.update(rina.id, now=NOW, status=UserStatus.REJECTED)
    again = await _twice(db, app, sari, channel, f"pg:rv:{rina.id}:{await _version(db, rina)}")
    assert again.startswith(f"✅ Pendaftaran Rina Lestari sudah Bapak/Ibu tinjau ulang {AT}")
    assert await _audited(db, "registration.reconsidered") == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_another_change_meanwhile_is_still_said_so(world, channel: str) -> None:
    db, app = world
    sari, rina, ani = await _people(db, channel)
    version = await _version(db, ani)
    await send(db, app, rina, channel, data=f"pg:or:{ani.id}:{version}:t")  # made TKSK
    late = said(await send(db, app, sari, channel, data=f"pg:sy:{ani.id}:{version}"))
    assert late.startswith("⚠️ Data pengguna ini baru saja diubah orang lain"), late
    async with db.reading() as repos:
        found = await repos.users.get(ani.id)
    assert found is not None and found.status == UserStatus.ACTIVE
