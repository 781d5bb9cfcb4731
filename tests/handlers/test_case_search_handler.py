"""/cari with a name: what is typed is compared as a person key; typing only punctuation is
not a search of every case."""

from __future__ import annotations

import pytest
import pytest_asyncio

from handlers.review.search import search
from storage.models import Role
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database, seed_case


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        reporter = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await seed_case(
            repos, reporter=reporter, desa=BABATAN, at=NOW, number="KNG-2026-000001",
            head="Moch. Sanusi",
        )  # fmt: skip
    yield db, coordinator, app_context(tmp_path / "media")
    await db.close()


async def _search(world, typed: str) -> list[str]:
    db, coordinator, app = world
    async with db.transaction() as repos:
        turn = command(app, repos, coordinator, "cari", typed)
        await search(turn)
    return [reply.text for reply in turn.replies]


@pytest.mark.parametrize("typed", ["Muhammad Sanusi", "moch sanusi", "MUH. SANUSI"])
async def test_the_head_of_household_is_found_by_any_spelling(world, typed: str) -> None:
    assert await _search(world, typed) == ["Ditemukan 1 laporan:"]


@pytest.mark.parametrize("typed", ["...", "!?!", "-- ."])
async def test_punctuation_alone_asks_for_a_name(world, typed: str) -> None:
    how = world[2].catalog.text("id", "review.search_how")
    assert await _search(world, typed) == [how]
