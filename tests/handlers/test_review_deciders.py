"""Who may verify or approve a case: never its reporter; the TKSK before the coordinators;
the admins standing in only where that leaves nobody in the region."""

from __future__ import annotations

from handlers.review.deciders import deciders
from storage.models import Role, UserStatus
from tests.storage.seed_cases import NOW, make_user, open_database

KADUGEDE, CINIRU = "32.08.01", "32.08.02"


async def _who(repos, action: str, reporter_id: int, kecamatan: str = KADUGEDE):
    found = await deciders(
        repos, action, kecamatan_code=kecamatan, kabupaten_code="32.08", authors=(reporter_id,)
    )
    return sorted(person.full_name for person in found.people), found.standing_in


async def test_the_region_decides_and_the_admins_stand_in_only_where_it_cannot(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa="32.08.01.2006")
        tksk = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await make_user(repos, "Pak Admin", Role.ADMIN, kabupaten=None)
        away = await make_user(repos, "Bu Admin Cuti", Role.ADMIN, kabupaten=None)
        await repos.users.update(away.id, now=NOW, status=UserStatus.SUSPENDED)
        await make_user(repos, "Pak Koordinator Tuban", Role.COORDINATOR, kabupaten="35.23")

        assert await _who(repos, "verify", psm.id) == (["Pak Tono"], False)
        # The TKSK's own report: the coordinators verify it.
        assert await _who(repos, "verify", tksk.id) == (["Ibu Sari"], False)
        # A kecamatan with no TKSK: the coordinators too.
        assert await _who(repos, "verify", psm.id, CINIRU) == (["Ibu Sari"], False)
        assert await _who(repos, "approve", psm.id) == (["Ibu Sari"], False)
        # The only coordinator reported it: the active admins stand in (not another
        # kabupaten's coordinator, not a suspended admin).
        assert await _who(repos, "approve", sari.id) == (["Pak Admin"], True)
        assert await _who(repos, "verify", sari.id, CINIRU) == (["Pak Admin"], True)
        # A second coordinator of the kabupaten: no need for the admins.
        await make_user(repos, "Pak Dedi", Role.COORDINATOR)
        assert await _who(repos, "approve", sari.id) == (["Pak Dedi"], False)
    await db.close()
