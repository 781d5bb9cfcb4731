"""`psm-bot restore` does not rewind what must only go forward (review 13, finding 4): case
numbers and ids given since the backup, the day's reminders already sent, messages sent at
most once, and the people erased since (named by their audit subject, to erase again)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import EXIT_MIGRATION, main
from storage import migrate
from storage.models import Role
from storage.outbox_enqueue import NewMessage
from storage.restore import restore
from tests.bot.cli_world import (
    CHILD_NIK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.durability.test_migrations import FIXTURES, _load
from tests.storage.seed_cases import BABATAN, NOW, make_user, open_database, query, seed_case

KINDS = ("routine", "bulk", "notice", "reply")  # the backup's messages waiting, in this order


def _write(world: World, sql: str, params: tuple = ()) -> None:
    connection = sqlite3.connect(world.database)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


async def _report_case(world: World) -> tuple[int, str]:
    """A new case of Bu Ani's numbered as the bot numbers it; its id and number."""
    database = await open_database(world.database)
    try:
        async with database.transaction() as repos:
            reporter = await repos.users.get(1)
            assert reporter is not None and reporter.full_name == "Bu Ani"
            number = await repos.cases.next_number("32.08", "KNG", 2026)
            case_id = await seed_case(
                repos,
                reporter=reporter,
                desa=BABATAN,
                at=NOW,
                number=number,
                people=(("Rina Wati", None),),
                no_kk=None,
            )
    finally:
        await database.close()
    return case_id, number


async def _queue_messages(world: World) -> None:
    database = await open_database(world.database)
    try:
        async with database.transaction() as repos:
            for kind in KINDS:
                await repos.outbox.enqueue(
                    NewMessage(
                        user_id=1,
                        channel="telegram",
                        chat_id="1001",
                        kind=kind,
                        priority=2,
                        message={"text": f"pesan {kind}"},
                        now=NOW,
                    )
                )
    finally:
        await database.close()


async def _claim_todays_runs(world: World) -> None:
    database = await open_database(world.database)
    try:
        async with database.transaction() as repos:
            assert await repos.reminders.claim_daily_reminder(1, "2026-11-29", now=NOW)
            assert await repos.schedule.claim("digest", "1:2026-11-29", now=NOW)
    finally:
        await database.close()


def _erasure_subjects(world: World) -> list[sqlite3.Row]:
    """The `subject.erase` audit subjects, the latest first."""
    return query(
        world.database,
        "SELECT subject FROM audit_log WHERE action = 'subject.erase' ORDER BY id DESC",
    )


def _backup(world: World) -> Path:
    assert main(["backup", str(world.root / "backups")]) == 0
    (folder,) = (world.root / "backups").glob("psm-backup-*")
    return folder


def test_a_restore_carries_forward_what_was_given_and_sent_since_the_backup(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(world, "INSERT INTO case_counters VALUES ('32.08', 2026, 2)")  # the world's two
    _write(world, "INSERT INTO case_counters VALUES ('32.08', 2025, 9)")  # only in the backup
    asyncio.run(_queue_messages(world))
    folder = _backup(world)
    _write(world, "DELETE FROM case_counters WHERE year = 2025")  # lower in the live one

    # After the backup the bot gave a case number and id, and sent today's reminders.
    given_id, given_number = asyncio.run(_report_case(world))
    assert given_number == "KNG-2026-000003"
    asyncio.run(_claim_todays_runs(world))
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out

    counters = query(world.database, "SELECT year, last_number FROM case_counters ORDER BY year")
    assert [tuple(row) for row in counters] == [(2025, 9), (2026, 3)]
    # Neither the number nor the id goes to another family.
    assert not query(world.database, "SELECT 1 FROM cases WHERE id = ?", (given_id,))
    next_id, next_number = asyncio.run(_report_case(world))
    assert (next_id, next_number) == (given_id + 1, "KNG-2026-000004")
    # Today's reminder and digest are not sent again.
    keys = query(world.database, "SELECT kind, run_key FROM scheduled_runs ORDER BY kind")
    assert {tuple(row) for row in keys} >= {
        ("daily_reminder", "1:2026-11-29"),
        ("digest", "1:2026-11-29"),
    }
    # Sent at most once: the backup's reminder and broadcast may have gone out since.
    statuses = query(world.database, "SELECT kind, status FROM outbox ORDER BY id")
    assert [tuple(row) for row in statuses] == [
        ("routine", "expired"),
        ("bulk", "expired"),
        ("notice", "pending"),
        ("reply", "pending"),
    ]
    assert "1 case number counter(s) and 1 id sequence(s) raised" in out
    assert "2 reminder(s), digest(s) or broadcast message(s) waiting in the backup expired" in out


def test_a_restore_names_the_people_erased_since_the_backup(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    erased_before = "3208020101800004"  # Budi, erased before the backup: already gone from it
    assert main(["subject", "erase", erased_before, "--yes"]) == 0
    folder = _backup(world)
    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0
    subject, before = (row[0] for row in _erasure_subjects(world))
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    captured = capsys.readouterr()
    # Ayu is back: the operator is told, by her audit subject alone, to erase her again.
    assert query(world.database, "SELECT 1 FROM household_members WHERE nik = ?", (CHILD_NIK,))
    assert "warning: 1 person(s) were erased after this backup was made: the restored" in (
        captured.err
    )
    assert subject.startswith("nik-hmac:") and subject in captured.err
    assert before not in captured.err
    for private in (CHILD_NIK, "Ayu", "Lestari"):
        assert private not in captured.out + captured.err

    # Erased again as the warning says, by the subject alone (the log holds no NIK).
    assert main(["migrate"]) == 0
    assert f"psm-bot subject erase {subject} --yes" in captured.err
    assert main(["subject", "erase", subject, "--yes"]) == 0
    assert not query(world.database, "SELECT 1 FROM household_members WHERE nik = ?", (CHILD_NIK,))
    assert _erasure_subjects(world)[0][0] == subject  # logged as the same person
    capsys.readouterr()
    assert main(["subject", "erase", subject, "--yes"]) == 1  # nobody holds that NIK now
    assert f"no household member's NIK has the audit subject {subject}" in capsys.readouterr().err


async def _create(path: Path) -> None:
    database = await open_database(path)
    await database.close()


def _sequences(path: Path) -> dict[str, int]:
    return {row[0]: row[1] for row in query(path, "SELECT name, seq FROM sqlite_sequence")}


def _set_sequence(path: Path, name: str, seq: int) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
            connection.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))
    finally:
        connection.close()


def test_a_backup_from_before_ids_were_never_reused_gets_the_ids_given_since(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review 14: a backup of before migration 0028 has no sqlite_sequence, so nothing was
    carried; `psm-bot migrate` then set the case sequence from the backup alone (7: its
    highest case named anywhere) and ids 8 to 12, given since, were given again to another
    family. The backup is brought to this code's schema first, then carried forward: case
    ids, and form sessions' (AUTOINCREMENT since 0031), as every such table's."""
    backup = world.root / "v27.db"
    _load(FIXTURES / "schema_v27.sql", backup)
    _set_sequence(world.database, "cases", 12)
    _set_sequence(world.database, "form_sessions", 40)
    capsys.readouterr()

    assert main(["restore", str(backup)]) == 0
    assert main(["migrate"]) == 0
    sequences = _sequences(world.database)
    assert (sequences["cases"], sequences["form_sessions"]) == (12, 40)
    assert "2 id sequence(s) raised" in capsys.readouterr().out


def test_a_live_database_not_yet_upgraded_still_gives_its_highest_ids(tmp_path: Path) -> None:
    """Code upgraded, the live database not yet (the bot not restarted), a backup restored:
    the live form_sessions is not AUTOINCREMENT there (before 0031), so it has no sequence;
    its highest id is what it gave."""
    live, backup = tmp_path / "psm.db", tmp_path / "v27.db"
    _load(FIXTURES / "schema_v30.sql", live)
    _load(FIXTURES / "schema_v27.sql", backup)
    (highest,) = query(live, "SELECT max(id) FROM form_sessions")[0]
    _write_to(live, "UPDATE form_sessions SET id = 50 WHERE id = ?", (highest,))
    assert "form_sessions" not in _sequences(live)

    report = restore(backup, live)

    assert _sequences(live)["form_sessions"] == 50
    assert _sequences(live)["cases"] >= 7
    assert report.carried.sequences >= 1


def _write_to(path: Path, sql: str, params: tuple = ()) -> None:
    connection = sqlite3.connect(path)  # foreign keys off: the live database is only read
    try:
        with connection:
            connection.execute(sql, params)
    finally:
        connection.close()


def test_every_autoincrement_table_is_carried(tmp_path: Path) -> None:
    """Every AUTOINCREMENT table of this code's schema, as the schema says, not a list."""
    live, backup = tmp_path / "psm.db", tmp_path / "backup.db"
    for path in (live, backup):
        asyncio.run(_create(path))
    tables = [
        row[0]
        for row in query(
            live,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'",
        )
    ]
    assert {"cases", "form_sessions"} <= set(tables)
    for number, table in enumerate(tables, start=1):
        _set_sequence(live, table, 1000 + number)

    report = restore(backup, live)

    restored = _sequences(live)
    assert {table: restored.get(table) for table in tables} == {
        table: 1000 + number for number, table in enumerate(tables, start=1)
    }
    assert report.carried.sequences == len(tables)


async def _new_admin(world: World) -> int:
    database = await open_database(world.database)
    try:
        async with database.transaction() as repos:
            return (await make_user(repos, "Pak Admin Baru", Role.ADMIN)).id
    finally:
        await database.close()


def _erasures(path: Path) -> list[tuple]:
    return [
        tuple(row)
        for row in query(
            path,
            "SELECT at, actor_id, subject, detail FROM audit_log"
            " WHERE action = 'subject.erase' ORDER BY id",
        )
    ]


def test_a_second_restore_still_names_the_people_erased_since_the_first_backup(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review 14: the `subject.erase` entries made after the backup were only printed; a
    second restore (the first one's backup was the wrong one, or put back again) over the
    first found none, and the person stayed unerased with nobody told. The entries are
    copied into the restored log: the warning is given again, and the log keeps the fact.
    Their actor is kept where the backup has that user, else NULL (erasures are made on the
    server: NULL already)."""
    folder = _backup(world)
    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0
    admin = asyncio.run(_new_admin(world))  # a user the backup lacks
    subject = _erasure_subjects(world)[0][0]
    _write(
        world,
        "INSERT INTO audit_log (at, actor_id, action, subject, detail)"
        " VALUES ('2026-12-01T08:00:00.000000+00:00', ?, 'subject.erase', 'nik-hmac:ab12', '{}')",
        (admin,),
    )
    _write(
        world,
        "INSERT INTO audit_log (at, actor_id, action, subject, detail)"
        " VALUES ('2026-12-01T09:00:00.000000+00:00', 1, 'subject.erase', 'nik-hmac:cd34', '{}')",
    )
    erased = _erasures(world.database)
    assert len(erased) == 3
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    first = capsys.readouterr().err
    assert "warning: 3 person(s) were erased after this backup was made" in first
    # In the restored log as they were; the admin made after the backup is not in it.
    assert _erasures(world.database) == [
        erased[0],
        (erased[1][0], None, *erased[1][2:]),
        erased[2],  # Bu Ani (user 1) is in the backup
    ]
    assert not query(world.database, "SELECT 1 FROM users WHERE id = ?", (admin,))

    assert main(["restore", str(folder)]) == 0  # again, before anyone erased them again
    second = capsys.readouterr().err
    assert "warning: 3 person(s) were erased after this backup was made" in second
    for named in (subject, "nik-hmac:ab12", "nik-hmac:cd34"):
        assert f"psm-bot subject erase {named} --yes" in second
    assert len(_erasures(world.database)) == 3  # not copied twice
    assert query(world.database, "PRAGMA foreign_key_check") == []


def test_a_backup_that_cannot_be_upgraded_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backup's copy is migrated before anything live is touched: a migration that
    fails leaves the live database as it was, and no staged copy behind."""
    migrations = world.root / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (rebuild,) = migrations.glob("0028_*.sql")
    rebuild.write_text(rebuild.read_text("utf-8") + "\nSELECT no_such_column FROM cases;\n")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    backup = world.root / "v27.db"
    _load(FIXTURES / "schema_v27.sql", backup)
    before = world.database.read_bytes()
    capsys.readouterr()

    assert main(["restore", str(backup)]) == EXIT_MIGRATION
    err = capsys.readouterr().err
    assert f"{backup} could not be brought to this psm-bot's schema" in err, err
    assert "migration 0028 failed" in err and "nothing was changed" in err
    assert world.database.read_bytes() == before
    left = {path.name for path in world.database.parent.iterdir()} - {"media", "psm.db"}
    assert not [name for name in left if not name.endswith(".lock")], left  # the locks' files
