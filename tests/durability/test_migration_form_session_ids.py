"""Migration 0031: a form session's id is given once. A form's buttons name their session
(handlers/forms/step.py `button_data`): had a deleted session's id come back, its buttons still
in the chat would answer the new session. Upgraded from any earlier schema, the highest
session deleted (by the retention, an erasure), the next one gets a new id, after a restart
too; above a session that only a waiting background request still names (the v30 fixture's
session 9)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database
from storage.forms import FormRepo
from tests.durability.test_migrations import FIXTURE_FILES, _load, _version
from tests.storage.seed_cases import query

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
UPGRADED = [p for p in FIXTURE_FILES if _version(p) in (1, 29, 30)]


async def _delete_highest_and_start_one(path: Path) -> tuple[int, int]:
    """The highest session deleted, then one started for Bu Ani (user 3), the database
    opened anew: (the deleted id, the new id)."""
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            ((highest,),) = await repos.conn.execute_fetchall("SELECT max(id) FROM form_sessions")
            await repos.conn.execute("DELETE FROM form_sessions WHERE id = ?", (highest,))
            forms: FormRepo = repos.forms
            started = await forms.start(
                user_id=3, form_id="registration", form_version=1, state={}, now=NOW
            )
    finally:
        await database.close()
    return highest, started.id


@pytest.mark.parametrize("fixture", UPGRADED, ids=lambda p: p.stem)
async def test_an_upgraded_database_never_gives_a_session_id_again(
    fixture: Path, tmp_path: Path
) -> None:
    path = tmp_path / "psm.db"
    _load(fixture, path)
    named_by_a_request = 9 if _version(fixture) >= 30 else 0
    deleted, first = await _delete_highest_and_start_one(path)
    assert first == max(deleted, named_by_a_request) + 1
    deleted_again, second = await _delete_highest_and_start_one(path)  # a restart between
    assert deleted_again == first and second == first + 1
    assert query(path, "PRAGMA foreign_key_check") == []
    indexes = query(path, "SELECT name FROM sqlite_master WHERE tbl_name = 'form_sessions'")
    assert {row[0] for row in indexes} == {
        "form_sessions",
        "form_sessions_one_active",
        "form_sessions_user",
        "form_sessions_to_clear",
        "form_sessions_drafts",
    }
