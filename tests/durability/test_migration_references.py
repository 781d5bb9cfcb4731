"""A migration that rebuilds a table (storage/migrate.py REBUILDS, 0028 `cases`) refuses a
reference it broke, but not one broken before it began: a row deleted in the sqlite3 shell
(foreign keys off there) must not keep the bot from upgrading, and so from starting."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database
from storage.migrate import latest_version
from tests.durability.test_migrations import FIXTURES, _load, _user_version
from tests.storage.seed_cases import query

V27 = FIXTURES / "schema_v27.sql"


def _orphan_event(path: Path) -> None:
    """An event of a case that is not there, as a sqlite3 shell session leaves it."""
    connection = sqlite3.connect(path)  # foreign keys off, as in the shell
    try:
        with connection:
            connection.execute(
                "INSERT INTO case_events (id, case_id, at, actor_id, from_state, to_state)"
                " VALUES (99, 999, '2026-11-30T08:00:00+00:00', 3, 'submitted', 'verified')"
            )
    finally:
        connection.close()


async def test_a_reference_broken_before_the_upgrade_is_warned_of_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "psm.db"
    _load(V27, path)
    _orphan_event(path)

    database = Database(path)
    with caplog.at_level(logging.WARNING, logger="storage.migrate"):
        await database.open()
    await database.close()

    assert _user_version(path) == latest_version()
    warnings = [r.getMessage() for r in caplog.records if r.name == "storage.migrate"]
    assert len(warnings) == 1 and "1 row(s) of case_events" in warnings[0], warnings
    assert "0028" in warnings[0]
    # Left as it was for the operator to look at; nothing else broken.
    assert [tuple(r) for r in query(path, "SELECT case_id FROM case_events WHERE id = 99")] == [
        (999,)
    ]
    assert [tuple(r)[:3] for r in query(path, "PRAGMA foreign_key_check")] == [
        ("case_events", 99, "cases")
    ]


async def test_a_rebuild_that_breaks_a_reference_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0028 changed to lose case 1 in the copy: its events and the rest that name it would
    point nowhere. Refused, the database left at 27, though an older break is there too."""
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (rebuild,) = migrations.glob("0028_*.sql")
    sql = rebuild.read_text(encoding="utf-8")
    assert sql.count("FROM cases;") == 1
    rebuild.write_text(sql.replace("FROM cases;", "FROM cases WHERE id <> 1;"), "utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    path = tmp_path / "psm.db"
    _load(V27, path)
    _orphan_event(path)

    database = Database(path)
    with pytest.raises(RuntimeError, match="rebuilding cases broke references of") as refused:
        await database.open()

    # Its events 1 and 4 among the rows naming case 1; not the older break (event 99).
    assert "case_events (2 rows)" in str(refused.value)

    assert _user_version(path) == 27
    assert [r[0] for r in query(path, "SELECT id FROM cases ORDER BY id")] == [1, 2]
    assert query(path, "SELECT count(*) FROM case_events WHERE case_id = 1")[0][0] == 2
