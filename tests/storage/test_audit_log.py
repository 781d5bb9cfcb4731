"""The audit log at storage level: append-only (no update, delete or replace, whatever the
SQL), and the filters /audit uses: period, kinds of action, actor (or the system), record."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
import pytest_asyncio

from storage.audit import SYSTEM_ACTOR, AuditRepo
from storage.models import Role
from tests.storage.seed_cases import NOW, make_user, open_database


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        tono = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan="32.08.01")
        rows = [
            (NOW - timedelta(days=40), sari.id, "case.view", "case:1"),
            (NOW - timedelta(days=3), tono.id, "case.verify", "case:1"),
            (NOW - timedelta(days=2), sari.id, "case.view", "case:2"),
            (NOW - timedelta(hours=5), None, "case.revealed", "case:1"),
            (NOW - timedelta(hours=1), sari.id, "user.role_changed", "user:9"),
            (NOW, sari.id, "case.view", "case:1"),
        ]
        for at, actor, action, subject in rows:
            await repos.audit.record(now=at, actor_id=actor, action=action, subject=subject)
    yield db, sari, tono, tmp_path / "psm.db"
    await db.close()


async def test_filters_newest_first(world) -> None:
    db, sari, tono, _ = world
    async with db.reading() as repos:
        entries, total = await repos.audit.page(since=NOW - timedelta(days=7))
        assert total == 5
        assert [e.action for e in entries][:2] == ["case.view", "user.role_changed"]
        assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
        views, total = await repos.audit.page(actions=("case.view", "case.shown"))
        assert total == 3 and {e.subject for e in views} == {"case:1", "case:2"}
        roles, _ = await repos.audit.page(actions=("user.role*",))
        assert [e.subject for e in roles] == ["user:9"]
        by_tono, total = await repos.audit.page(actor_id=tono.id)
        assert total == 1 and by_tono[0].action == "case.verify"
        system, _ = await repos.audit.page(actor_id=SYSTEM_ACTOR)
        assert [e.action for e in system] == ["case.revealed"]
        about, total = await repos.audit.page(subject="case:1", limit=2, offset=2)
        assert total == 4 and [e.action for e in about] == ["case.verify", "case.view"]
        actors = await repos.audit.actors(since=NOW - timedelta(days=7))
        assert actors == [(sari.id, 3), (None, 1), (tono.id, 1)]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'x' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
        "DELETE FROM audit_log",
        "INSERT OR REPLACE INTO audit_log (id, at, action) VALUES (1, '2026-01-01', 'x')",
        "REPLACE INTO audit_log (id, at, action) VALUES (2, '2026-01-01', 'x')",
        "INSERT INTO audit_log (id, at, action) VALUES (3, '2026-01-01', 'x')"
        " ON CONFLICT (id) DO UPDATE SET action = 'x'",
    ],
)
async def test_no_statement_changes_or_removes_an_entry(world, statement: str) -> None:
    _, _, _, path = world
    with closing(sqlite3.connect(path)) as conn:
        before = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
        conn.commit()
        assert conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before


def test_the_repository_offers_no_way_to_change_the_log() -> None:
    public = {name for name in vars(AuditRepo) if not name.startswith("_")}
    assert public == {
        "record",
        "entries",
        "page",
        "actors",
        "times_of",
        "case_of_number",
        "has_subject",
        "latest_of",
    }
