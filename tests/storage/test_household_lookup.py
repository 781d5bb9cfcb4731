"""A report finds a known household again by its KK only in the same desa and only when every
case about it is in the reporter's scope (docs/model.md "Households and cases"); otherwise the
report gets a household of its own and the known one is left as it is."""

from __future__ import annotations

import pytest
import pytest_asyncio

from handlers.scope import scope_of
from storage.models import Role
from tests.storage.seed_cases import (
    BABATAN,
    KADUGEDE,
    NOW,
    SINDANGJAWA,
    make_user,
    open_database,
    query,
    seed_case,
)

KK = "3208011210190005"

# (who reports, the desa of the report, whether the household of Bu Ani's case is found)
CASES = [
    ("ani", BABATAN, True),  # the reporter of the case, its desa
    ("wati", BABATAN, False),  # a PSM of another desa: Bu Ani's case is outside her scope
    ("tksk", BABATAN, True),  # the TKSK of the kecamatan sees every case of it
    ("coordinator", BABATAN, True),
    ("ani", SINDANGJAWA, False),  # the same KK reported in another desa
    ("tuban", BABATAN, False),  # a coordinator of another kabupaten
]


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        people = {
            "ani": await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN),
            "wati": await make_user(
                repos, "Bu Wati", Role.PSM, kecamatan=KADUGEDE, desa=SINDANGJAWA
            ),
            "tksk": await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE),
            "coordinator": await make_user(repos, "Ibu Sari", Role.COORDINATOR),
            "tuban": await make_user(repos, "Pak Hadi", Role.COORDINATOR, kabupaten="35.23"),
        }
        await seed_case(
            repos, reporter=people["ani"], desa=BABATAN, at=NOW, number="KNG-2026-000001"
        )
    yield db, people
    await db.close()


@pytest.mark.parametrize(("who", "desa", "found"), CASES)
async def test_a_known_household_is_found_only_in_its_desa_and_scope(
    world, who: str, desa: str, found: bool
) -> None:
    db, people = world
    async with db.reading() as repos:
        household = await repos.households.household_by_kk(KK, desa, scope_of(people[who]))
    ((known,),) = query(db.path, "SELECT household_id FROM cases")
    assert household == (known if found else None)
