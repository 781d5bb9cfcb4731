"""Who is active with a role in an area: the people a broadcast reaches and those a notice
goes to (TKSK of a kecamatan, coordinators, admins) come from one query."""

from __future__ import annotations

import pytest
import pytest_asyncio

from storage.models import Role, UserStatus
from tests.storage.seed_cases import CINIRU, KADUGEDE, NOW, make_user, open_database


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE)
        await make_user(repos, "Pak Joko", Role.TKSK, kecamatan=KADUGEDE)
        await make_user(repos, "Bu Rina", Role.PSM, kecamatan=CINIRU)
        await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await make_user(repos, "Bu Tuti", Role.PSM, kabupaten="35.23")
        gone = await make_user(repos, "Pak Dedi", Role.PSM, kecamatan=KADUGEDE)
        await repos.users.update(gone.id, now=NOW, status=UserStatus.SUSPENDED)
    yield db
    await db.close()


@pytest.mark.parametrize(
    ("area", "role", "names"),
    [
        pytest.param({}, None, ["Bu Ani", "Pak Joko", "Bu Rina", "Bu Tuti"], id="everyone"),
        pytest.param(
            {"kabupaten_code": "32.08"}, None, ["Bu Ani", "Pak Joko", "Bu Rina"], id="a-kabupaten"
        ),
        pytest.param({"kabupaten_code": "32.08"}, "psm", ["Bu Ani", "Bu Rina"], id="its-psm"),
        pytest.param({"kecamatan_code": KADUGEDE}, None, ["Bu Ani", "Pak Joko"], id="a-kecamatan"),
        pytest.param({"kecamatan_code": KADUGEDE}, "tksk", ["Pak Joko"], id="its-tksk"),
        pytest.param({}, "coordinator", [], id="never-coordinators"),
    ],
)
async def test_a_broadcast_reaches_active_psm_and_tksk_of_its_area(db, area, role, names) -> None:
    async with db.transaction() as repos:
        people = await repos.broadcasts.audience(
            kabupaten_code=area.get("kabupaten_code"),
            kecamatan_code=area.get("kecamatan_code"),
            role=role,
        )
    assert [person.full_name for person in people] == names


@pytest.mark.parametrize(
    ("role", "area", "names"),
    [
        pytest.param(Role.PSM, {}, ["Bu Ani", "Bu Rina", "Bu Tuti"], id="psm"),
        pytest.param(Role.PSM, {"kecamatan_code": CINIRU}, ["Bu Rina"], id="psm-of-a-kecamatan"),
        pytest.param(Role.COORDINATOR, {"kabupaten_code": "32.08"}, ["Ibu Sari"], id="coordinator"),
        pytest.param(Role.ADMIN, {}, [], id="no-admin"),
    ],
)
async def test_active_with_role(db, role, area, names) -> None:
    async with db.transaction() as repos:
        people = await repos.users.active_with_role(role, **area)
    assert [person.full_name for person in people] == names
