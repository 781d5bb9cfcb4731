"""Upgrading a database of any earlier schema version keeps every row and keeps serving.

`tests/fixtures/schema_vN.sql` is a database as it looked at version N (schema and rows of
every table; see tests/fixtures/make_schema_fixtures.py). Each one is opened with the current
code, which applies the later migrations.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram.inbound import sender_key, to_inbound
from storage.backup import backup
from storage.db import Database
from storage.migrate import available_migrations, latest_version
from storage.models import Role, UserStatus
from storage.person_names import person_key
from storage.restore import restore
from storage.scope import Scope
from tests.durability.durable_harness import (
    RecordingChannel,
    in_process_settings,
    integrity,
    settle,
    start_in_process,
)
from tests.storage.case_changes import counted_days, counted_windows, day_rows, window_rows
from tests.storage.seed_cases import BABATAN, query, seed_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_VERSION = re.compile(r"schema_v(\d+)\.sql$")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _version(path: Path) -> int:
    match = _VERSION.search(path.name)
    assert match, path
    return int(match.group(1))


FIXTURE_FILES = sorted(FIXTURES.glob("schema_v*.sql"), key=_version)


def _load(fixture: Path, target: Path) -> None:
    connection = sqlite3.connect(target)
    try:
        connection.executescript(fixture.read_text(encoding="utf-8"))
    finally:
        connection.close()


def _contents(path: Path) -> dict[str, tuple[list[str], Counter]]:
    """Every table's columns and rows (as a multiset)."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()
            found[table] = (columns, Counter(rows))
        return found
    finally:
        connection.close()


def _user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


def test_every_version_before_the_latest_has_a_fixture() -> None:
    latest = latest_version()
    have = {_version(path) for path in FIXTURE_FILES}
    missing = [version for version in range(1, latest) if version not in have]
    assert not missing, (
        f"the newest migration is {latest:04d}, but there is no database fixture of schema"
        f" version(s) {missing}: add ROWS for them in tests/fixtures/make_schema_fixtures.py"
        " and run `.venv/bin/python tests/fixtures/make_schema_fixtures.py`, so upgrades from"
        " every released version stay tested"
    )
    assert all(version < latest for version in have), "a fixture of an unknown schema version"


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_the_fixture_is_what_its_migrations_build(fixture: Path) -> None:
    """Migration files are append-only: 0001..000N still build the schema recorded at N."""
    version = _version(fixture)
    fresh = sqlite3.connect(":memory:")
    recorded = sqlite3.connect(":memory:")
    try:
        for number, path in available_migrations():
            if number <= version:
                fresh.executescript(path.read_text(encoding="utf-8"))
        recorded.executescript(fixture.read_text(encoding="utf-8"))

        def schema(connection: sqlite3.Connection) -> set[tuple[str, str, str]]:
            return {
                (kind, name, " ".join((sql or "").split()))
                for kind, name, sql in connection.execute(
                    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                )
            }

        changed = schema(fresh) ^ schema(recorded)
        assert not changed, (
            f"migrations 0001..{version:04d} no longer build the schema of {fixture.name}:"
            " a migration that deployments already ran was edited (add a new migration"
            f" instead). Differences: {sorted(changed)}"
        )
    finally:
        fresh.close()
        recorded.close()


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
async def test_upgrading_keeps_every_row(fixture: Path, tmp_path: Path) -> None:
    path = tmp_path / "psm.db"
    _load(fixture, path)
    assert _user_version(path) == _version(fixture)
    before = _contents(path)
    assert all(rows for _, rows in before.values()), "the fixture should fill every table"

    database = Database(path)
    await database.open()
    await database.close()

    assert _user_version(path) == latest_version()
    assert integrity(path) == ["ok"]
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, (columns, rows) in before.items():
            listed = ", ".join(f'"{column}"' for column in columns)
            try:
                now = Counter(connection.execute(f'SELECT {listed} FROM "{table}"').fetchall())
            except sqlite3.OperationalError as exc:
                raise AssertionError(f"{table} lost a column or went away: {exc}") from exc
            lost = rows - now
            assert not lost, f"{table}: rows lost or changed by the upgrade: {list(lost)[:3]}"
    finally:
        connection.close()


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
async def test_upgraded_households_have_their_heads_keys(fixture: Path, tmp_path: Path) -> None:
    """Migration 0018 stores the head's person key; the households already there get theirs
    (SQL cannot compute it: the runner fills it in the migration's transaction)."""
    path = tmp_path / "psm.db"
    _load(fixture, path)
    database = Database(path)
    await database.open()
    await database.close()

    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT head_name, head_key FROM households").fetchall()
    finally:
        connection.close()
    assert len(rows) == (0 if _version(fixture) < 2 else 2)  # migration 0002 made households
    assert [key for _, key in rows] == [person_key(name) for name, _ in rows]


@pytest.mark.parametrize(
    "fixture",
    [p for p in FIXTURE_FILES if 2 <= _version(p) < 16],
    ids=lambda p: p.stem,
)
async def test_upgraded_cases_are_in_the_statistics_rollups(fixture: Path, tmp_path: Path) -> None:
    """Migrations 0015 and 0016 count the cases already there by local day and in the
    windows ending on today (their own fill, kept as published; storage/rollup_fills.py is
    its runtime twin)."""
    path = tmp_path / "psm.db"
    _load(fixture, path)
    database = Database(path)
    await database.open()
    await database.close()

    assert sum(day_rows(database)[1].values()) == 2  # the fixtures' two cases
    assert day_rows(database) == counted_days(database)
    last_day = query(path, "SELECT last_day FROM case_window_end")[0][0]
    assert window_rows(database) == counted_windows(database, date.fromisoformat(last_day))


async def test_upgraded_people_hold_the_day_of_their_last_daily_reminder(tmp_path: Path) -> None:
    """Migration 0020 gives each person the local date of their last daily reminder, read from
    their `daily_reminder` keys (another person's whose id begins alike is not theirs)."""
    path = tmp_path / "psm.db"
    _load(FIXTURES / "schema_v19.sql", path)
    database = Database(path)
    await database.open()
    await database.close()

    connection = sqlite3.connect(path)
    try:
        rows = dict(connection.execute("SELECT id, reminded_on FROM users").fetchall())
    finally:
        connection.close()
    assert rows[3] == "2026-11-22"
    assert {rows[user] for user in rows if user != 3} == {""}


async def test_upgraded_districts_have_no_contact_until_a_coordinator_sets_one(
    tmp_path: Path,
) -> None:
    """Migration 0021 adds the district offices' contact lines: none at first (the messages
    keep their general wording), one per kabupaten, 1-200 characters."""
    path = tmp_path / "psm.db"
    _load(FIXTURES / "schema_v20.sql", path)
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            assert await repos.district_contacts.contact("32.08") is None
            await repos.district_contacts.set_contact(
                "32.08", "Dinsos Kuningan, Bu Rina 0812-3456-7890", by=2, now=NOW
            )
            await repos.district_contacts.set_contact("32.08", "Pak Hadi 0813", by=2, now=NOW)
        async with database.reading() as repos:
            assert await repos.district_contacts.contact("32.08") == "Pak Hadi 0813"
            assert await repos.district_contacts.contact("35.23") is None
        for refused in ("  ", "x" * 201):
            with pytest.raises(sqlite3.IntegrityError):
                async with database.transaction() as repos:
                    await repos.district_contacts.set_contact("35.23", refused, by=2, now=NOW)
    finally:
        await database.close()


@pytest.mark.parametrize(
    "fixture", [p for p in FIXTURE_FILES if 2 <= _version(p) < 24], ids=lambda p: p.stem
)
async def test_upgraded_cases_know_who_wrote_them(fixture: Path, tmp_path: Path) -> None:
    """Migration 0024 keeps who wrote each case (four eyes after a handover): the actor of
    its first event, else of its `case.submitted` audit entry, else its reporter. In the
    fixtures Bu Ani (3) wrote both cases; from version 23 on, case 1 was handed to Dewi (21)."""
    path = tmp_path / "psm.db"
    _load(fixture, path)
    connection = sqlite3.connect(path)
    try:  # a third case, its first event gone, known to the audit; a fourth, to neither
        for number in (3, 4):
            connection.execute(
                "INSERT INTO cases (id, number, kabupaten_code, kecamatan_code, desa_code,"
                " household_id, reporter_id, state, urgency, protected, description, details,"
                " consent, answers, form_version, submitted_at, updated_at)"
                " SELECT ?, ?, kabupaten_code, kecamatan_code, desa_code, household_id, 5,"
                " state, urgency, protected, description, details, consent, answers,"
                " form_version, submitted_at, updated_at FROM cases WHERE id = 2",
                (number, f"KNG-2026-00000{number}"),
            )
        if _version(fixture) >= 9:  # the audit log came with migration 0009
            connection.execute(
                "INSERT INTO audit_log (at, actor_id, action, subject, detail)"
                " VALUES ('2026-11-22T10:45:00+00:00', 6, 'case.submitted', 'case:3', '{}')"
            )
        connection.commit()
    finally:
        connection.close()
    database = Database(path)
    await database.open()
    await database.close()

    rows = [
        tuple(r) for r in query(path, "SELECT id, reporter_id, submitted_by FROM cases ORDER BY id")
    ]
    handed_over = _version(fixture) >= 23
    assert rows == [
        (1, 21 if handed_over else 3, 3),
        (2, 3, 3),
        (3, 5, 6 if _version(fixture) >= 9 else 5),
        (4, 5, 5),
    ]


async def _delete_highest(path: Path) -> None:
    """The retention deletes the highest case there (the database opened anew)."""
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            (highest,) = await repos.conn.execute_fetchall("SELECT max(id) FROM cases")
            await repos.retention.delete_cases([highest[0]])
    finally:
        await database.close()


async def _report_one(path: Path) -> tuple[int, str]:
    """A case reported as the bot reports one (its number from the district's counter),
    the database opened anew."""
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            reporter = await repos.users.get(3)  # Bu Ani, PSM in Babatan
            assert reporter is not None
            number = await repos.cases.next_number("32.08", "KNG", 2026)
            case_id = await seed_case(repos, reporter=reporter, desa=BABATAN, at=NOW, number=number)
    finally:
        await database.close()
    return case_id, number


@pytest.mark.parametrize(
    "fixture", [p for p in FIXTURE_FILES if _version(p) >= 2], ids=lambda p: p.stem
)
async def test_upgraded_cases_never_give_an_id_or_number_again(
    fixture: Path, tmp_path: Path
) -> None:
    """Migration 0028: a case id is given once. The highest case deleted (the fixtures'
    case 2), the next case gets a new id and number, and after a restart, and a backup
    restored, again; above a case only the audit log still names (the v27 fixture's case 7,
    deleted by the retention before the upgrade), whose entries must not become the new
    case's."""
    path = tmp_path / "psm.db"
    _load(fixture, path)
    highest = 7 if _version(fixture) >= 27 else 2
    database = Database(path)
    await database.open()  # upgraded: the writer keeps its foreign keys and modern renames
    try:
        async with database.transaction() as repos:
            pragmas = [
                (await repos.conn.execute_fetchall(f"PRAGMA {name}"))[0][0]
                for name in ("foreign_keys", "legacy_alter_table")
            ]
    finally:
        await database.close()
    assert pragmas == [1, 0]
    await _delete_highest(path)
    first, number = await _report_one(path)
    assert first == highest + 1
    assert number not in {f"KNG-2026-{n:06d}" for n in range(1, highest + 1)}
    await _delete_highest(path)
    second, again = await _report_one(path)  # a restart between
    assert second == first + 1 and again != number
    ids = [row[0] for row in query(path, "SELECT id FROM cases ORDER BY id")]
    assert ids == [1, second]
    assert query(path, "PRAGMA foreign_key_check") == []

    # Deleted, then the database backed up and restored: the backup knows the id was given.
    await _delete_highest(path)
    backup(path, tmp_path / "backup", rate=None)
    await asyncio.to_thread(restore, tmp_path / "backup" / "psm.db", path)  # runs a loop of its own
    third, _ = await _report_one(path)
    assert third == second + 1
    # The rebuilt table's triggers count what comes and goes, as before.
    assert day_rows(Database(path)) == counted_days(Database(path))


async def test_a_user_merged_before_the_upgrade_is_marked_and_offered_to_nobody(
    tmp_path: Path,
) -> None:
    """Migration 0029: the user `psm-bot user merge` absorbed into Dewi (21) before the
    column (the v28 fixture's 22, suspended, its `user.merged` audit entry) is marked
    merged into her; nobody else is. An admin's name search finds Dewi alone, and her
    merged row cannot be reactivated."""
    path = tmp_path / "psm.db"
    _load(FIXTURES / "schema_v28.sql", path)
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            found, total = await repos.people.named(
                Scope(everything=True), "dewi", limit=10, offset=0
            )
            assert ([p.id for p in found], total) == ([21], 1)
            merged = await repos.users.get(22)
            assert merged is not None and merged.merged_into == 21
            assert await repos.people.person(22, Scope(everything=True)) is None
            reactivated = await repos.people.change(
                22,
                version=merged.version,
                scope=Scope(everything=True),
                manageable=tuple(Role),
                now=NOW,
                status=UserStatus.ACTIVE,
            )
            assert reactivated is None
    finally:
        await database.close()
    marked = query(path, "SELECT id FROM users WHERE merged_into IS NOT NULL")
    assert [row[0] for row in marked] == [22]


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Budi"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Budi", "language_code": "id"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
async def test_an_upgraded_database_serves_the_people_in_it(fixture: Path, tmp_path: Path) -> None:
    """Someone halfway through registering before the upgrade goes on after it."""
    _load(fixture, tmp_path / "psm.db")
    channel = RecordingChannel(name="telegram")
    runtime = await start_in_process(in_process_settings(tmp_path), channel, to_inbound)
    try:
        assert runtime.db is not None
        async with runtime.db.transaction() as repos:
            for update in (_update(5001, 2001, "/start"), _update(5002, 1003, "/saya")):
                await repos.inbox.add(
                    channel="telegram",
                    ext_id=str(update["update_id"]),
                    payload=update,
                    sender_key=sender_key(update),
                    now=runtime.clock.now(),
                )
        await settle(runtime, "telegram")
        # The update stored before the upgrade (1004 typed "kadu gede") is handled now.
        assert any("✓ Kecamatan: Kadugede" in m.text for m in channel.to("1004"))
        assert "nama lengkap" in channel.to("2001")[-1].text.lower()
        assert "Bu Ani" in channel.to("1003")[-1].text
        assert channel.bot.problems == []
    finally:
        await runtime.stop()
    connection = sqlite3.connect(tmp_path / "psm.db")
    try:
        statuses = dict(connection.execute("SELECT ext_id, status FROM inbox").fetchall())
    finally:
        connection.close()
    assert statuses["1043"] == "done" and statuses["5001"] == statuses["5002"] == "done"
