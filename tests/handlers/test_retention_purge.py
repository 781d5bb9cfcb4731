"""Retention: closed cases are purged RETENTION_DAYS after their last change, with their
people, households, photos, the forms about them and finished form sessions; nothing else
goes. Rejected applicants are forgotten REJECTED_RETENTION_DAYS after the decision."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import pytest_asyncio

import handlers.photo_files as photo_files
import handlers.retention as retention
from bot.media import store_photo
from bot.scheduler import housekeeping
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.forms.loading import load_forms
from handlers.retention import purge_closed_cases
from storage.models import Role, UserStatus
from storage.schedule import ScheduleRepo
from tests.e2e.reports import photo_with_exif
from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import (
    BABATAN,
    CASE_REPORT_VERSION,
    KADUGEDE,
    NOW,
    make_user,
    open_database,
    query,
    seed_case,
)

REGISTRATION_VERSION = load_forms()["registration"].version

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
            user_id=psm.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state={"a": 1},
            now=OLD,
        )
        await repos.forms.save(finished.id, state={"a": 1}, status="completed", now=OLD)
        draft = await repos.forms.start(
            user_id=psm.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state={"b": 1},
            now=OLD,
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
        "stray_photos": 0,
        "unclaimed_invitations": 0,
        "rejected_people": 0,
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


async def test_the_forms_about_a_purged_case_go_with_it(world) -> None:
    """Review 13: a verification, a review's reason or a correction begun on a case and left
    unfinished kept its note, GPS and photos after the case itself was purged."""
    db, app, ids = world
    held = "photos/ef/held-by-a-correction.jpg"
    (app.media_dir / held).parent.mkdir(parents=True, exist_ok=True)
    (app.media_dir / held).write_bytes(b"jpeg")
    forms = load_forms()
    note = {"answers": {"note": "Rumah Lama Sekali sudah kosong"}}
    about = {  # form, its context, its status
        "verification": ({"case_id": ids["resolved_old"]}, "paused"),
        "review_note": ({"case_id": ids["rejected_old"], "action": "reject"}, "cancelled"),
        "case_report": ({"revising": ids["resolved_old"], "version": 1}, "paused"),
        "followup_visit": ({"case_id": ids["open_old"]}, "paused"),  # a case kept
    }
    sessions = {}
    async with db.transaction() as repos:
        for form_id, (context, status) in about.items():
            state = {**note, "context": context}
            if form_id == "case_report":
                state["answers"] = {"photos": [{"ref": held}]}
            session = await repos.forms.start(
                user_id=1,
                form_id=form_id,
                form_version=forms[form_id].version,
                state=state,
                now=NOW - timedelta(hours=1),
            )
            await repos.forms.save(session.id, state=state, status=status, now=session.updated_at)
            sessions[form_id] = session.id
    await _purge(db, app)
    left = [r[0] for r in query(db.path, "SELECT id FROM form_sessions ORDER BY id")]
    assert left == [ids["draft_session"], sessions["followup_visit"]]
    assert not (app.media_dir / held).exists()
    audit = query(db.path, "SELECT detail FROM audit_log WHERE action = 'retention.purged'")
    assert json.loads(audit[0][0])["sessions"] == 1 + 3  # the old finished one, these three


async def test_temporary_files_older_than_a_day_are_swept_at_the_next_tick(world) -> None:
    db, app, _ = world
    await _purge(db, app)  # the day's retention has run: the sweep does not wait for tomorrow
    folder = app.media_dir / "tmp"
    folder.mkdir(parents=True)
    old, fresh = folder / "ekspor-old.xlsx", folder / "statistik-new.png"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    a_day_ago = time.time() - 24 * 3600 - 60
    os.utime(old, (a_day_ago, a_day_ago))
    async with db.transaction() as repos:
        await housekeeping(repos, app, NOW + timedelta(minutes=1))
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


async def _training(repos, training_id: int, status: str, ends: datetime, owner: int) -> None:
    """A one-day training of Kuningan ending at `ends`."""
    await repos.conn.execute(
        "INSERT INTO trainings (id, kabupaten_code, title, venue_name, venue_address,"
        " audience, rsvp_deadline, checkin_method, open_minutes, late_minutes, secret,"
        " status, created_by, created_at) VALUES (?, '32.08', 'Bimtek', 'Aula', 'Jl. 1',"
        " '{}', ?, 'code', 60, 15, 'k', ?, ?, ?)",
        (training_id, ends.isoformat(), status, owner, OLD.isoformat()),
    )
    await repos.conn.execute(
        "INSERT INTO training_days (training_id, day_number, starts_at, ends_at)"
        " VALUES (?, 1, ?, ?)",
        (training_id, ends.isoformat(), ends.isoformat()),
    )


async def _listed(repos, training_id: int, phone: str, owner: int, user: int | None) -> None:
    """A number from a training's phone list, claimed by `user` (None: not yet)."""
    await repos.conn.execute(
        "INSERT INTO training_pending_invitations (training_id, phone, name,"
        " invited_by, invited_at, user_id, attached_at) VALUES (?, ?, 'Calon', ?, ?, ?, ?)",
        (training_id, phone, owner, OLD.isoformat(), user, user and OLD.isoformat()),
    )


async def test_unclaimed_phone_list_numbers_go_a_month_after_their_training(world) -> None:
    db, app, _ = world
    rows = {  # training id -> (status, how long ago its last day ended)
        1: ("closed", timedelta(days=40)),
        2: ("closed", timedelta(days=10)),
        3: ("cancelled", timedelta(days=-20)),  # cancelled before it took place
        4: ("scheduled", timedelta(days=-5)),  # still to come
    }
    async with db.transaction() as repos:
        (owner,) = await repos.conn.execute_fetchall("SELECT id FROM users LIMIT 1")
        for training_id, (status, ago) in rows.items():
            await _training(repos, training_id, status, NOW - ago, owner[0])
            for phone, user in (
                (f"+62813000{training_id}1", None),
                (f"+62813000{training_id}2", owner[0]),
            ):
                await _listed(repos, training_id, phone, owner[0], user)
    await _purge(db, app)
    left = [
        tuple(row)
        for row in query(
            db.path,
            "SELECT training_id, user_id IS NULL FROM training_pending_invitations ORDER BY 1, 2",
        )
    ]
    # Unclaimed numbers of the training over for 40 days and of the cancelled one are gone;
    # numbers someone claimed (they are that user's now) and those of recent trainings stay.
    assert left == [(1, 0), (2, 0), (2, 1), (3, 0), (4, 0), (4, 1)]
    (detail,) = query(
        db.path,
        "SELECT detail FROM audit_log WHERE action = 'retention.purged' ORDER BY id DESC LIMIT 1",
    )
    assert json.loads(detail[0])["unclaimed_invitations"] == 2


async def test_a_purge_rolled_back_leaves_the_photos(world) -> None:
    db, app, _ = world

    class Interrupted(Exception):
        pass

    try:
        async with db.transaction() as repos:
            await purge_closed_cases(repos, app, NOW)
            raise Interrupted  # e.g. the power went before the commit
    except Interrupted:
        pass
    assert len(query(db.path, "SELECT id FROM cases")) == 4  # nothing purged
    assert (app.media_dir / ONLY_OLD).exists()  # so the case still shows its photo
    await _purge(db, app)
    assert not (app.media_dir / ONLY_OLD).exists()


async def test_a_purged_cases_photo_an_update_brings_stays(world) -> None:
    """The same picture fetched for an update not handled yet (its turn still to come):
    the purge leaves it to that turn (review 8, finding 1: every removal asks)."""
    db, app, _ = world
    app.photos_in_flight.fetched(901, ONLY_OLD)
    await _purge(db, app)
    assert len(query(db.path, "SELECT id FROM cases")) == 2
    assert (app.media_dir / ONLY_OLD).exists()


async def test_a_photo_a_draft_holds_stays(world) -> None:
    """The same picture sent again for a new report is the same file (content hash)."""
    db, app, ids = world
    async with db.transaction() as repos:
        await repos.forms.save(
            ids["draft_session"], state={"photos": [ONLY_OLD]}, status="active", now=NOW
        )
    await _purge(db, app)
    assert len(query(db.path, "SELECT id FROM cases")) == 2
    assert (app.media_dir / ONLY_OLD).exists()


async def _applicant(repos, name: str, telegram_id: str, decided_days_ago: int | None) -> int:
    """Someone who registered (and whose registration was rejected that many days ago)."""
    at = NOW - timedelta(days=(decided_days_ago or 0) + 1)
    user = await repos.users.create(now=at, status=UserStatus.PENDING, full_name=name)
    await repos.users.update(
        user.id, now=at, phone="+6281234567001", requested_role="psm", kecamatan_code=KADUGEDE
    )
    await repos.users.add_identity(
        user_id=user.id, channel="telegram", external_id=telegram_id, chat_id=telegram_id, now=at
    )
    await repos.audit.record(
        now=at, actor_id=user.id, action="registration.submitted", subject=f"user:{user.id}"
    )
    session = await repos.forms.start(
        user_id=user.id,
        form_id="registration",
        form_version=REGISTRATION_VERSION,
        state={"n": name},
        now=at,
    )
    await repos.forms.save(session.id, state={"n": name}, status="completed", now=at)
    if decided_days_ago is not None:
        await repos.people.decide_registration(
            user.id,
            version=user.version,
            approve=False,
            decider_id=1,
            now=NOW - timedelta(days=decided_days_ago),
        )
    await deliver(  # the notice of the rejection, never sent (they blocked the bot)
        repos, user_id=user.id, message=Outbound.say("Maaf"), kind=DeliveryKind.NOTICE, now=at
    )
    return user.id


async def test_rejected_applicants_are_forgotten_after_their_retention(world) -> None:
    db, app, _ = world
    app = replace(app, rejected_retention_days=90)
    async with db.transaction() as repos:
        old = await _applicant(repos, "Rina Lestari", "9001", decided_days_ago=91)
        recent = await _applicant(repos, "Sari Rahayu", "9002", decided_days_ago=30)
        waiting = await _applicant(repos, "Dewi Kartika", "9003", decided_days_ago=None)
    await _purge(db, app)
    users = {
        r[0]: tuple(r[1:])
        for r in query(db.path, "SELECT id, status, full_name, phone, kecamatan_code FROM users")
    }
    assert users[old] == ("rejected", "", None, None)  # nameless, for the audit log
    assert users[recent] == ("rejected", "Sari Rahayu", "+6281234567001", KADUGEDE)
    assert users[waiting] == ("pending", "Dewi Kartika", "+6281234567001", KADUGEDE)
    assert users[1][1] == "Bu Ani"
    for table in ("channel_identities", "form_sessions"):
        owners = {r[0] for r in query(db.path, f"SELECT user_id FROM {table}")}
        assert old not in owners and {recent, waiting} <= owners, table
    (message,) = query(db.path, "SELECT status, chat_id FROM outbox WHERE user_id = ?", (old,))
    assert tuple(message) == ("expired", None)
    assert query(db.path, "PRAGMA foreign_key_check") == []
    (detail,) = query(db.path, "SELECT detail FROM audit_log WHERE action = 'retention.purged'")
    assert json.loads(detail[0])["rejected_people"] == 1
    assert "Rina" not in detail[0] and "9001" not in detail[0]
    # The next day finds nothing more to forget.
    await _purge(db, app, NOW + timedelta(days=1))
    details = query(db.path, "SELECT detail FROM audit_log WHERE action = 'retention.purged'")
    assert len(details) == 1


async def test_a_forgotten_applicant_leaves_no_claimed_phone_list_number(world) -> None:
    """A number from a phone list that a rejected applicant claimed holds their phone (and
    the name the file gave them): it goes when they are forgotten, nothing else does."""
    db, app, _ = world
    app = replace(app, rejected_retention_days=90)
    async with db.transaction() as repos:
        old = await _applicant(repos, "Rina Lestari", "9001", decided_days_ago=91)
        recent = await _applicant(repos, "Sari Rahayu", "9002", decided_days_ago=30)
        await _training(repos, 7, "scheduled", NOW + timedelta(days=5), owner=1)
        await _listed(repos, 7, "+6281234567001", owner=1, user=old)
        await _listed(repos, 7, "+6281234567002", owner=1, user=recent)
        await _listed(repos, 7, "+6281234567003", owner=1, user=None)
    await _purge(db, app)
    left = query(db.path, "SELECT phone, user_id FROM training_pending_invitations ORDER BY phone")
    assert [tuple(row) for row in left] == [
        ("+6281234567002", recent),
        ("+6281234567003", None),
    ]
    assert query(db.path, "PRAGMA foreign_key_check") == []


# -- photo files nothing shows (review 6, finding 1) -------------------------------------------


def _file(app, relative: str, *, days_old: float) -> str:
    """A file under MEDIA_PATH last written `days_old` days before NOW."""
    path = app.media_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"jpeg of a family")
    stamp = (NOW - timedelta(days=days_old)).timestamp()
    os.utime(path, (stamp, stamp))
    return relative


async def test_photo_files_nothing_shows_are_swept_once_older_than_a_draft_lives(world) -> None:
    """A stranger's photo, a draft's dropped before this version, a half-written file: kept
    for ever before. Swept once untouched longer than a draft lives (14 days) and a margin."""
    db, app, ids = world
    stray = _file(app, "photos/ee/" + "e" * 64 + ".jpg", days_old=17)
    half_written = _file(app, "photos/ee/" + "f" * 64 + ".part", days_old=17)
    recent = _file(app, "photos/ee/" + "a" * 64 + ".jpg", days_old=15)  # a turn may hold it
    drafted = _file(app, "photos/dd/drafted.jpg", days_old=40)
    updated = _file(app, "photos/dd/in-an-update.jpg", days_old=40)
    shown = _file(app, "photos/dd/shown.jpg", days_old=40)
    chart = _file(app, "tmp/statistik-old.png", days_old=17)  # housekeeping's, not ours
    elsewhere = _file(app, "cases/kept.jpg", days_old=400)
    _file(app, ONLY_OLD, days_old=40)  # its case is purged: removed with it, counted once
    ((reporter,),) = query(
        db.path, "SELECT reporter_id FROM cases WHERE id = ?", (ids["open_old"],)
    )
    async with db.transaction() as repos:
        state = {"answers": {"photos": [{"ref": drafted}]}}
        await repos.forms.save(ids["draft_session"], state=state, status="paused", now=OLD)
        await repos.cases.add_update(
            ids["open_old"], reporter_id=reporter, answers={"photos": [{"ref": updated}]}, now=OLD
        )
        await repos.conn.execute(
            "INSERT INTO case_photos (case_id, path, created_at) VALUES (?, ?, ?)",
            (ids["open_old"], shown, OLD.isoformat()),
        )

    await _purge(db, app)

    assert not (app.media_dir / stray).exists()
    assert not (app.media_dir / half_written).exists()
    assert not (app.media_dir / ONLY_OLD).exists()
    for kept in (recent, drafted, updated, shown, chart, elsewhere, SHARED):
        assert (app.media_dir / kept).is_file(), kept
    audit = query(db.path, "SELECT detail FROM audit_log WHERE action = 'retention.purged'")
    detail = json.loads(audit[0][0])
    assert (detail["photos"], detail["stray_photos"]) == (1, 2)  # ONLY_OLD counted once


async def test_a_photo_stored_again_is_not_swept_before_its_turn_names_it(world) -> None:
    """The same picture sent again (another report, a redelivery) is the same file: storing
    it touches it, so the sweep never takes it while its turn is in flight."""
    db, app, _ = world
    data = photo_with_exif(7)
    again = await store_photo(data, app.media_dir)
    stamp = (NOW - timedelta(days=30)).timestamp()
    os.utime(app.media_dir / again, (stamp, stamp))
    assert await store_photo(data, app.media_dir) == again  # fetched for a turn in flight
    await _purge(db, app)
    assert (app.media_dir / again).is_file()


async def test_a_sweep_that_fails_before_its_commit_removes_nothing(world, monkeypatch) -> None:
    """Files go only once the day's purge is committed: a failure before (the disk full)
    removes none; the next tick sweeps them."""
    db, app, _ = world
    stray = _file(app, "photos/ee/" + "e" * 64 + ".jpg", days_old=17)
    claim = ScheduleRepo.claim

    async def disk_full(*args, **kwargs) -> None:
        raise OSError("database or disk is full")

    monkeypatch.setattr(ScheduleRepo, "claim", disk_full)
    with pytest.raises(OSError):
        await _purge(db, app)
    assert (app.media_dir / stray).is_file()
    assert len(query(db.path, "SELECT id FROM cases")) == 4  # nothing purged
    monkeypatch.setattr(ScheduleRepo, "claim", claim)
    await _purge(db, app)
    assert not (app.media_dir / stray).exists()


async def test_the_sweep_holds_the_writer_only_to_read_the_names_in_use(world, monkeypatch) -> None:
    """Review 8, finding 3: listing a big old MEDIA_PATH (a stat of every file) and removing
    what nothing uses take long; answers are written meanwhile, not after."""
    db, app, _ = world
    stray = _file(app, "photos/ee/" + "e" * 64 + ".jpg", days_old=17)
    loop = asyncio.get_running_loop()
    answered: list[str] = []

    async def answer(step: str) -> None:
        async with db.transaction() as repos:
            await repos.audit.record(now=NOW, actor_id=None, action="test.answer")
        answered.append(step)

    def meanwhile(step: str) -> None:  # in the sweep's thread: an answer must get through
        asyncio.run_coroutine_threadsafe(answer(step), loop).result(timeout=5)

    walk, remove = os.walk, photo_files.remove_media

    def listing(*args, **kwargs):
        meanwhile("listing")
        return walk(*args, **kwargs)

    def removing(*args, **kwargs):
        meanwhile("removing")
        return remove(*args, **kwargs)

    monkeypatch.setattr(os, "walk", listing)
    monkeypatch.setattr(photo_files, "remove_media", removing)
    await _purge(db, app)
    assert answered == ["listing", "removing"]
    assert not (app.media_dir / stray).exists()
    assert len(query(db.path, "SELECT id FROM cases")) == 2
