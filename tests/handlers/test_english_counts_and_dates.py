"""English that reads naturally (QA walk 9), on Telegram and WhatsApp alike: a count says
"1 report", never "report(s)"; dates follow one style per kind (statistics' long dates "31
October 2026", the case page's "29 Nov 2026 10.00", not "October 31, 2026" and "29-11-2026");
a region's level word is not said twice ("District: Kuningan", "Kabupaten: Kuningan")."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import run_background
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _english(db: Database, user: User) -> User:
    async with db.transaction() as repos:
        return await repos.users.update(user.id, now=NOW, language="en")


async def _one_case(db: Database, channel: str) -> tuple[User, int]:
    """Bu Ani (PSM of Babatan) and her one report, of 29-11-2026 10.00 WIB."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        case_id = await seed_case(
            repos, reporter=ani, desa=BABATAN, at=NOW, number="KNG-2026-000001", head="Siti Aminah"
        )
    return ani, case_id


async def test_statistics_say_their_period_in_long_dates(world, channel: str) -> None:
    db, app = world
    await _one_case(db, channel)
    sari = await _english(db, await person(db, "Ibu Sari", Role.COORDINATOR, channel))
    turn = await send(db, app, sari, channel, command="statistik", command_args="30")
    text = "\n".join(reply.text or "" for reply in await run_background(db, turn))
    assert "<b>Case statistics, last 30 days</b>" in text
    assert "31 October 2026 to 29 November 2026" in text  # was "October 31, 2026 to ..."


async def test_the_case_page_and_search_in_english(world, channel: str) -> None:
    db, app = world
    _, case_id = await _one_case(db, channel)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    tono = await _english(db, tono)
    found = said(await send(db, app, tono, channel, command="cari", command_args="siti"))
    assert "Found 1 report:" in found  # was "Found 1 report(s):"
    page = said(await send(db, app, tono, channel, data=f"cs:{case_id}"))
    assert "Reporter: Bu Ani · 29 Nov 2026 10.00 WIB" in page  # was "29-11-2026 10.00", zone unsaid


async def test_my_reports_list_dates_in_english(world, channel: str) -> None:
    db, app = world
    ani = await _english(db, (await _one_case(db, channel))[0])
    mine = await send(db, app, ani, channel, command="laporan_saya")
    shown = said(mine) + "\n" + "\n".join(labels(mine))
    assert "29 Nov 2026" in shown and "29-11-2026" not in shown


@pytest.mark.parametrize(
    ("language", "line"), [("en", "District: Kuningan"), ("id", "Kabupaten: Kuningan")]
)
async def test_the_profile_says_the_district_once(world, channel: str, language, line) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    if language == "en":
        ani = await _english(db, ani)
    card = said(await send(db, app, ani, channel, command="saya"))
    assert line in card.split("\n")  # was "District: Kabupaten Kuningan"
