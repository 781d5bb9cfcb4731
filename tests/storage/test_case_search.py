"""/cari by name (`CaseReviewRepo.search(name_key=...)`): the head of household and the
subjects are compared on the same person key (case, punctuation and the spellings of
Muhammad ignored), LIKE's wildcards are taken literally, and only cases in scope are found."""

from __future__ import annotations

import pytest
import pytest_asyncio

from handlers.scope import scope_of
from storage.models import Role
from storage.person_names import person_key
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    TUBAN_DESA,
    make_user,
    open_database,
    seed_case,
)

# (number, head of household, the subject of the case, the desa)
CASES = [
    ("KNG-2026-000001", "Moch. Sanusi", "Ayu Lestari", BABATAN),
    ("KNG-2026-000002", "Slamet Riyadi", "Muh. Rizki Ramadhan", BABATAN),
    ("KNG-2026-000003", "JOSÉ Ömer", "Dewi Sartika", BABATAN),  # not plain ASCII
    ("KNG-2026-000004", "Siti Aminah", "Budi", CINIRU_DESA),
    ("KNG-2026-000005", "Hamdan", "Wulan", BABATAN),
    ("TBN-2026-000001", "Moch. Sanusi", "Rina", TUBAN_DESA),
]

# (what the coordinator of Kuningan types, the numbers found)
SEARCHES = [
    ("Moch. Sanusi", {"KNG-2026-000001"}),
    ("Moch Sanusi", {"KNG-2026-000001"}),
    ("Muhammad Sanusi", {"KNG-2026-000001"}),
    ("MOHAMMAD sanusi", {"KNG-2026-000001"}),
    ("sanusi", {"KNG-2026-000001"}),
    ("Muhammad", {"KNG-2026-000001", "KNG-2026-000002"}),
    ("Mhd Rizki", {"KNG-2026-000002"}),
    ("ammad sanu", {"KNG-2026-000001"}),  # pieces of words
    ("ham", {"KNG-2026-000001", "KNG-2026-000002", "KNG-2026-000005"}),  # muhammad, Hamdan
    ("slamet", {"KNG-2026-000002"}),
    ("josé ömer", {"KNG-2026-000003"}),
    ("Ömer", {"KNG-2026-000003"}),
    ("siti aminah", {"KNG-2026-000004"}),
    ("Aminah Siti", set()),
    ("___", set()),
    ("a_u", set()),
    ("Sanusi Riyadi", set()),
]


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        reporter = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        people = {
            "coordinator": await make_user(repos, "Ibu Sari", Role.COORDINATOR),
            "tksk": await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE),
        }
        for number, head, subject, desa in CASES:
            await seed_case(
                repos,
                reporter=reporter,
                desa=desa,
                at=NOW,
                number=number,
                head=head,
                people=((subject, None),),
                no_kk=None,
            )
    yield db, people
    await db.close()


@pytest.mark.parametrize(("typed", "numbers"), SEARCHES)
async def test_a_name_finds_the_cases_of_that_head_or_subject(
    world, typed: str, numbers: set[str]
) -> None:
    db, people = world
    async with db.reading() as repos:
        found = await repos.review.search(
            scope_of(people["coordinator"]), name_key=person_key(typed)
        )
    assert {case.number for case in found} == numbers


async def test_a_name_is_found_only_in_scope(world) -> None:
    db, people = world
    async with db.reading() as repos:
        found = await repos.review.search(scope_of(people["tksk"]), name_key="siti")
        sanusi = await repos.review.search(scope_of(people["tksk"]), name_key="muhammad sanusi")
    assert found == []
    assert [case.number for case in sanusi] == ["KNG-2026-000001"]


async def test_a_head_renamed_by_a_later_report_is_found_by_the_new_name(world) -> None:
    """The head's key is stored (`households.head_key`): a refresh of the name writes it."""
    db, people = world
    async with db.transaction() as repos:
        (row,) = await repos.conn.execute_fetchall(
            "SELECT household_id FROM cases WHERE number = 'KNG-2026-000002'"
        )
        await repos.households.update_household(row[0], now=NOW, head_name="Mhd. Yusuf")
    async with db.reading() as repos:
        scope = scope_of(people["coordinator"])
        renamed = await repos.review.search(scope, name_key=person_key("Muhammad Yusuf"))
        former = await repos.review.search(scope, name_key="slamet")
    assert [case.number for case in renamed] == ["KNG-2026-000002"]
    assert former == []


async def test_each_case_found_names_its_head_and_desa_in_one_read(world) -> None:
    """The head of household as the case page shows it (this report's answer, the household's
    row where the answers are gone) and the desa by name, read with the cases: no query per
    case found."""
    db, people = world
    async with db.transaction() as repos:
        (row,) = await repos.conn.execute_fetchall(
            "SELECT household_id FROM cases WHERE number = 'KNG-2026-000002'"
        )  # a later report names another head: this case's page keeps its own answer
        await repos.households.update_household(row[0], now=NOW, head_name="Mhd. Yusuf")
        await repos.conn.execute(
            "UPDATE cases SET answers = '{}' WHERE number = 'KNG-2026-000005'"
        )  # its answers blanked (retention): the household's row names the head
    statements: list[str] = []
    async with db.reading() as repos:
        await repos.conn.set_trace_callback(statements.append)
        try:
            found = await repos.review.search(scope_of(people["coordinator"]), name_key="ham")
        finally:
            await repos.conn.set_trace_callback(None)
    assert len(statements) == 1, statements
    named = {case.number: (case.head_name, case.desa_name) for case in found}
    assert named == {
        "KNG-2026-000001": ("Moch. Sanusi", "Babatan"),
        "KNG-2026-000002": ("Slamet Riyadi", "Babatan"),
        "KNG-2026-000005": ("Hamdan", "Babatan"),
    }


@pytest.mark.parametrize(
    ("who", "number", "numbers"),
    [
        ("coordinator", "KNG-2026-000004", {"KNG-2026-000004"}),
        ("tksk", "KNG-2026-000004", set()),  # Ciniru's: outside the TKSK's kecamatan
        ("coordinator", "1", {"KNG-2026-000001"}),  # the serial alone: Tuban's is elsewhere
        ("coordinator", "TBN-2026-000001", set()),
    ],
)
async def test_a_number_is_found_only_in_scope(world, who, number, numbers) -> None:
    db, people = world
    async with db.reading() as repos:
        found = await repos.review.search(scope_of(people[who]), number=number)
    assert {case.number for case in found} == numbers


async def test_a_whole_number_is_sought_by_its_index_not_scanned(world) -> None:
    """A number typed or pasted is looked up at every such message: it must not read every
    case of the district (as `number = ? OR number LIKE ?` did)."""
    db, people = world
    statements: list[str] = []
    async with db.reading() as repos:
        await repos.review.conn.set_trace_callback(statements.append)
        try:
            await repos.review.search(scope_of(people["coordinator"]), number="KNG-2026-000002")
        finally:
            await repos.review.conn.set_trace_callback(None)
        (search,) = [s for s in statements if "FROM cases c" in s]
        plan = await repos.review._all(f"EXPLAIN QUERY PLAN {search}")
    steps = [row[3] for row in plan]
    assert any(
        step.startswith("SEARCH c USING INDEX") and "(number=?)" in step for step in steps
    ), steps


# (the place, the limit and offset: what is counted and which numbers are found)
PLACED = [
    (None, 10, 0, 3, {"KNG-2026-000001", "KNG-2026-000002", "KNG-2026-000005"}),
    (BABATAN, 10, 0, 3, {"KNG-2026-000001", "KNG-2026-000002", "KNG-2026-000005"}),
    (KADUGEDE, 10, 0, 3, {"KNG-2026-000001", "KNG-2026-000002", "KNG-2026-000005"}),
    (CINIRU_DESA, 10, 0, 0, set()),  # Siti Aminah's desa: no Muhammad, no Hamdan
    (None, 2, 0, 3, None),  # two of them
    (None, 2, 2, 3, None),  # the third
]


@pytest.mark.parametrize(("place", "limit", "offset", "count", "numbers"), PLACED)
async def test_a_name_is_counted_and_paged_within_a_place(
    world, place, limit: int, offset: int, count: int, numbers: set[str] | None
) -> None:
    db, people = world
    scope = scope_of(people["coordinator"])
    async with db.reading() as repos:
        found = await repos.review.search(
            scope, name_key="ham", place=place, limit=limit, offset=offset
        )
        counted = await repos.review.count_found(scope, name_key="ham", place=place)
        every = await repos.review.search(scope, name_key="ham", place=place)
    assert counted == count == len(every)
    if numbers is not None:
        assert {case.number for case in found} == numbers
    else:  # a page: its part of the whole list, in order
        assert [case.id for case in found] == [case.id for case in every][offset : offset + limit]


async def test_a_place_keeps_out_the_cases_elsewhere(world) -> None:
    db, people = world
    scope = scope_of(people["coordinator"])
    async with db.reading() as repos:
        ciniru = await repos.review.search(scope, name_key="siti", place=CINIRU_DESA)
        kadugede = await repos.review.search(scope, name_key="siti", place=KADUGEDE)
        counted = await repos.review.count_found(scope, name_key="siti", place=KADUGEDE)
    assert [case.number for case in ciniru] == ["KNG-2026-000004"]
    assert kadugede == [] and counted == 0


async def test_a_nik_or_kk_is_counted_as_fetched_a_case_found_both_ways_once(world) -> None:
    """16 digits are sought as a subject's NIK and a household's KK in one list, counted by
    one query (QA walk 10: /cari counted the ten fetched of 19 reports with one KK)."""
    db, people = world
    twice = "3208011210190099"  # one case's subject NIK and its KK alike: found once
    async with db.transaction() as repos:
        reporter = await make_user(repos, "Bu Ina", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        for serial in range(11, 23):
            await seed_case(
                repos, reporter=reporter, desa=BABATAN, at=NOW, number=f"KNG-2026-{serial:06}",
                people=(("Ayu", twice if serial == 11 else None),), no_kk=twice,
            )  # fmt: skip
    scope = scope_of(people["coordinator"])
    async with db.reading() as repos:
        first = await repos.review.search(scope, identifier=twice, limit=8)
        every = await repos.review.search(scope, identifier=twice, limit=100)
        counted = await repos.review.count_found(scope, identifier=twice)
    assert counted == len(every) == 12 and len({case.id for case in every}) == 12
    assert [case.id for case in first] == [case.id for case in every][:8]
