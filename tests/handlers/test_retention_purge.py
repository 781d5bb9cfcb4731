"""Retention: closed cases are purged RETENTION_DAYS after their last change, with their
people, households, photos and finished form sessions; nothing else goes."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from datetime import timedelta

import pytest_asyncio

import handlers.retention as retention
from handlers.retention import purge_closed_cases
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import (
    BABATAN,
    KADUGEDE,
    NOW,
    make_user,
    open_database,
    query,
    seed_case,
)

OLD = NOW - timedelta(days=1900)
SHARED = "photos/ab/shared.jpg"
ONLY_OLD = "photos/cd/only-old.jpg"


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    app = replace(app_context(tmp_path / "media"), retention_days=1825)
    for relative in (SHARED, ONLY_OLD):
        path = app.media_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"jpeg")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        ids = {}
        ids["resolved_old"] = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=OLD,
            number="KNG-2021-000001",
            state="resolved",
            people=(("Lama Sekali", "3208014506100001"),),
            photos=(SHARED, ONLY_OLD),
        )
        ids["rejected_old"] = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=OLD,
            number="KNG-2021-000002",
            state="rejected",
            people=(("Ditolak", "3208014506100002"),),
        )
        ids["resolved_recent"] = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=OLD,
            updated_at=NOW - timedelta(days=100),
            number="KNG-2021-000003",
            state="resolved",
            people=(("Baru Selesai", "3208014506100003"),),
            photos=(SHARED,),
        )
        ids["open_old"] = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=OLD,
            number="KNG-2021-000004",
            state="in_follow_up",
            people=(("Masih Ditangani", "3208014506100004"),),
        )
        # Rows from other features that point at the purged case.
        await repos.conn.execute(
            "INSERT INTO case_versions (case_id, version, answers, details, created_at)"
            " VALUES (?, 1, '{}', '{}', ?)",
            (ids["resolved_old"], OLD.isoformat()),
        )
        await repos.cases.flag_duplicate(ids["open_old"], ids["rejected_old"], "nik", now=OLD)
        await repos.cases.add_update(
            ids["resolved_old"], reporter_id=psm.id, answers={"x": 1}, now=OLD
        )
        finished = await repos.forms.start(
            user_id=psm.id, form_id="case_report", form_version=1, state={"a": 1}, now=OLD
        )
        await repos.forms.save(finished.id, state={"a": 1}, status="completed", now=OLD)
        draft = await repos.forms.start(
            user_id=psm.id, form_id="case_report", form_version=1, state={"b": 1}, now=OLD
        )
        ids["finished_session"], ids["draft_session"] = finished.id, draft.id
    yield db, app, ids
    await db.close()


async def _purge(db, app, now=NOW):
    async with db.transaction() as repos:
        await purge_closed_cases(repos, app, now)


async def test_old_closed_cases_go_with_their_people(world) -> None:
    db, app, ids = world
    await _purge(db, app)
    numbers = [r[0] for r in query(db.path, "SELECT number FROM cases ORDER BY id")]
    assert numbers == ["KNG-2021-000003", "KNG-2021-000004"]
    names = [r[0] for r in query(db.path, "SELECT name FROM household_members ORDER BY id")]
    assert names == ["Baru Selesai", "Masih Ditangani"]
    assert len(query(db.path, "SELECT id FROM households")) == 2
    purged = (ids["resolved_old"], ids["rejected_old"])
    for table, column in (
        ("case_events", "case_id"),
        ("case_categories", "case_id"),
        ("case_subjects", "case_id"),
        ("case_photos", "case_id"),
        ("case_updates", "case_id"),
        ("case_versions", "case_id"),
        ("duplicate_flags", "other_id"),
    ):
        rows = query(db.path, f"SELECT 1 FROM {table} WHERE {column} IN (?, ?)", purged)
        assert rows == [], table
    assert query(db.path, "PRAGMA foreign_key_check") == []
    # The photo only the purged case used is gone; the shared one stays.
    assert not (app.media_dir / ONLY_OLD).exists() and (app.media_dir / SHARED).exists()
    sessions = [r[0] for r in query(db.path, "SELECT id FROM form_sessions")]
    assert sessions == [ids["draft_session"]]  # drafts have their own expiry
    audit = query(db.path, "SELECT detail FROM audit_log WHERE action = 'retention.purged'")
    assert json.loads(audit[0][0]) == {
        "cases": 2,
        "sessions": 1,
        "photos": 1,
        "closed_before": (NOW - timedelta(days=1825)).isoformat(),
    }


async def test_once_a_day(world) -> None:
    db, app, _ = world
    await _purge(db, app)
    async with db.transaction() as repos:
        reporter = await repos.users.get(1)
        await seed_case(
            repos,
            reporter=reporter,
            desa=BABATAN,
            at=OLD,
            number="KNG-2021-000009",
            state="resolved",
            people=(("Terlambat", None),),
        )
    await _purge(db, app, NOW + timedelta(hours=1))  # the same local day: done already
    assert len(query(db.path, "SELECT id FROM cases")) == 3
    await _purge(db, app, NOW + timedelta(days=1))  # the next day
    assert len(query(db.path, "SELECT id FROM cases")) == 2
    assert len(query(db.path, "SELECT 1 FROM audit_log WHERE action = 'retention.purged'")) == 2


async def test_a_backlog_goes_in_batches_before_the_day_is_done(world, monkeypatch) -> None:
    db, app, _ = world
    monkeypatch.setattr(retention, "BATCH", 1)
    await _purge(db, app)
    assert len(query(db.path, "SELECT id FROM cases")) == 3
    assert query(db.path, "SELECT 1 FROM scheduled_runs WHERE kind = 'retention'") == []
    await _purge(db, app, NOW + timedelta(minutes=1))
    assert len(query(db.path, "SELECT id FROM cases")) == 2
    await _purge(db, app, NOW + timedelta(minutes=2))  # nothing left: the day is marked
    assert len(query(db.path, "SELECT 1 FROM scheduled_runs WHERE kind = 'retention'")) == 1


async def test_temporary_files_older_than_a_day_are_swept(world) -> None:
    db, app, _ = world
    folder = app.media_dir / "tmp"
    folder.mkdir(parents=True)
    old, fresh = folder / "ekspor-old.xlsx", folder / "statistik-new.png"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    await _purge(db, app)
    assert not old.exists() and fresh.exists()


async def test_the_writer_connection_is_left_as_it_was(world) -> None:
    db, app, _ = world
    async with db.transaction() as repos:
        async with repos.conn.execute("PRAGMA secure_delete = 0") as cursor:
            await cursor.fetchall()
        await purge_closed_cases(repos, app, NOW)
        async with repos.conn.execute("PRAGMA secure_delete") as cursor:
            assert (await cursor.fetchone())[0] == 0
    assert len(query(db.path, "SELECT id FROM cases")) == 2  # it did purge
