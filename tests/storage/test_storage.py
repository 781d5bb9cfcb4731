"""Storage: connections, migrations, transactions and every repository, on a real SQLite file."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage import db as db_module
from storage.db import WAL_SIZE_LIMIT, Database, connect, require_sqlite
from storage.migrate import apply_migrations, available_migrations, latest_version
from storage.models import Region, Role, UserStatus
from storage.outbox_enqueue import NewMessage
from storage.repos import Repos

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
STAMP = "2026-11-29T10:00:00.000000+00:00"


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "data" / "psm.db")
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def scalar(repos: Repos, sql: str, params: tuple = ()) -> object:
    async with repos.conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return row[0] if row is not None else None


async def rows(repos: Repos, sql: str, params: tuple = ()) -> list[dict]:
    async with repos.conn.execute(sql, params) as cursor:
        return [dict(row) for row in await cursor.fetchall()]


async def make_user(
    repos: Repos,
    *,
    status: UserStatus = UserStatus.ACTIVE,
    role: Role | None = Role.PSM,
    kabupaten: str | None = "32.08",
    name: str = "Ibu Sari",
) -> int:
    user = await repos.users.create(
        now=T0, status=status, full_name=name, role=role, kabupaten_code=kabupaten
    )
    return user.id


# -- connections, migrations, PRAGMAs -------------------------------------------------------


def test_migrations_are_numbered_from_one() -> None:
    numbers = [number for number, _ in available_migrations()]
    assert numbers == list(range(1, latest_version() + 1))
    assert latest_version() >= 1


async def test_open_creates_schema_at_latest_version(db: Database) -> None:
    async with db.transaction() as repos:
        assert await scalar(repos, "PRAGMA user_version") == latest_version()
        tables = {
            row["name"]
            for row in await rows(repos, "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert {
        "regions",
        "users",
        "channel_identities",
        "form_versions",
        "form_sessions",
        "inbox",
        "outbox",
        "scheduled_runs",
        "channel_state",
        "audit_log",
    } <= tables
    assert db.path.exists()


async def test_writer_pragmas(db: Database) -> None:
    async with db.transaction() as repos:
        assert str(await scalar(repos, "PRAGMA journal_mode")).lower() == "wal"
        assert await scalar(repos, "PRAGMA synchronous") == 2  # FULL
        assert await scalar(repos, "PRAGMA foreign_keys") == 1
        assert await scalar(repos, "PRAGMA busy_timeout") == 5000
        assert await scalar(repos, "PRAGMA journal_size_limit") == WAL_SIZE_LIMIT


def _size(path: Path) -> int:
    return path.stat().st_size


async def test_the_wal_is_cut_back_after_a_long_snapshot(tmp_path: Path, monkeypatch) -> None:
    limit = 256 * 1024
    pragmas = [p for p in db_module.PRAGMAS if "journal_size_limit" not in p]
    monkeypatch.setattr(db_module, "PRAGMAS", (*pragmas, f"PRAGMA journal_size_limit={limit}"))
    database = Database(tmp_path / "psm.db")
    await database.open()
    wal = Path(f"{database.path}-wal")
    backup = sqlite3.connect(database.path, isolation_level=None)  # a backup's snapshot
    try:
        backup.execute("BEGIN")
        backup.execute("SELECT COUNT(*) FROM users").fetchone()
        for index in range(40):
            async with database.transaction() as repos:
                await repos.conn.execute(
                    "INSERT INTO audit_log (at, action, subject, detail) VALUES (?, ?, ?, ?)",
                    (T0.isoformat(), "test", str(index), "x" * 60_000),
                )
        grown = _size(wal)
        backup.execute("COMMIT")  # the backup ends
        backup.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()  # as the bot's would
        async with database.transaction() as repos:  # the WAL starts over
            await repos.users.create(now=T0, status=UserStatus.ACTIVE, full_name="Ani")
        after = _size(wal)
    finally:
        backup.close()
        await database.close()
    assert grown > 2 * 2**20
    assert after <= limit


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repos:
            await repos.users.add_identity(user_id=999, channel="telegram", external_id="1")


async def test_second_open_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "psm.db"
    conn = await connect(path)
    try:
        assert await apply_migrations(conn) == list(range(1, latest_version() + 1))
        assert await apply_migrations(conn) == []
    finally:
        await conn.close()

    # Database.open on an up-to-date file neither fails (CREATE TABLE would) nor changes it.
    database = Database(path)
    await database.open()
    try:
        async with database.transaction() as repos:
            await make_user(repos)
    finally:
        await database.close()
    database = Database(path)
    await database.open()
    try:
        async with database.reading() as repos:
            assert await scalar(repos, "PRAGMA user_version") == latest_version()
            assert await repos.users.count() == 1
    finally:
        await database.close()


async def test_open_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "psm.db"
    database = Database(path)
    await database.open()
    await database.close()
    newer = latest_version() + 1
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {newer}")
    raw.close()

    database = Database(path)
    try:
        with pytest.raises(RuntimeError) as caught:
            await database.open()
    finally:
        await database.close()
    message = str(caught.value)
    assert f"schema version {newer}" in message
    assert "newer than this code" in message
    assert "upgrade psm-bot" in message
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == newer
    raw.close()


async def test_close_twice_is_safe(tmp_path: Path) -> None:
    database = Database(tmp_path / "psm.db")
    await database.open()
    await database.close()
    await database.close()


# -- transactions ---------------------------------------------------------------------------


async def test_failing_statement_rolls_the_whole_transaction_back(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repos:
            user_id = await make_user(repos)
            await repos.audit.record(now=T0, actor_id=user_id, action="user.created")
            await repos.conn.execute(
                "INSERT INTO users (full_name, status, created_at, updated_at)"
                " VALUES ('x', 'no-such-status', 't', 't')"
            )
    async with db.reading() as repos:
        assert await repos.users.count() == 0
        assert await repos.audit.entries() == []
    # The writer is usable again afterwards (lock released, no transaction left open).
    async with db.transaction() as repos:
        await make_user(repos)
    async with db.reading() as repos:
        assert await repos.users.count() == 1


async def test_python_exception_rolls_back(db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as repos:
            await make_user(repos)
            _ = 1 / 0
    async with db.reading() as repos:
        assert await repos.users.count() == 0


async def test_reader_sees_committed_writes(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
    async with db.reading() as repos:
        user = await repos.users.get(user_id)
    assert user is not None and user.full_name == "Ibu Sari"


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO users (full_name, status, created_at, updated_at)"
        " VALUES ('x', 'active', 't', 't')",
        "DELETE FROM users",
        "CREATE TABLE sneaky (x)",
    ],
)
async def test_read_only_connection_cannot_write(db: Database, sql: str) -> None:
    async with db.reading() as repos:
        with pytest.raises(sqlite3.OperationalError):
            await repos.conn.execute(sql)
    async with db.reading() as repos:
        assert await repos.users.count() == 0


# -- users and identities -------------------------------------------------------------------


async def test_user_create_get_update(db: Database) -> None:
    async with db.transaction() as repos:
        created = await repos.users.create(
            now=T0,
            status=UserStatus.REGISTERING,
            full_name="Pak Budi",
            role=None,
            kabupaten_code=None,
            language="en",
        )
        fetched = await repos.users.get(created.id)
        assert fetched == created
        assert created.status == UserStatus.REGISTERING
        assert created.role is None
        assert created.language == "en"
        assert created.phone_verified is False
        assert created.created_at == T0 and created.updated_at == T0

        updated = await repos.users.update(
            created.id,
            now=minutes(5),
            status=UserStatus.PENDING,
            requested_role=Role.PSM,
            kabupaten_code="32.08",
            kecamatan_code="32.08.01",
            desa_code="32.08.01.2001",
            phone="+6281234567890",
            phone_verified=True,
            decided_at=minutes(4),
        )
        assert updated.status == UserStatus.PENDING
        assert updated.requested_role == Role.PSM
        assert updated.desa_code == "32.08.01.2001"
        assert updated.phone_verified is True
        assert updated.decided_at == minutes(4)
        assert updated.created_at == T0
        assert updated.updated_at == minutes(5)
        assert await repos.users.get(created.id) == updated
        assert await repos.users.get(created.id + 100) is None
        assert await repos.users.count() == 1


@pytest.mark.parametrize("field", ["id", "created_at", "updated_at", "nonsense", "role; DROP"])
async def test_user_update_refuses_unknown_fields(db: Database, field: str) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        with pytest.raises(ValueError, match="unknown user fields"):
            await repos.users.update(user_id, now=minutes(1), **{field: "x"})
        user = await repos.users.get(user_id)
    assert user is not None and user.updated_at == T0


async def test_stored_times_are_utc_and_naive_times_refused(db: Database) -> None:
    jakarta = datetime(2026, 11, 29, 17, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    async with db.transaction() as repos:
        user = await repos.users.create(now=jakarta, status=UserStatus.ACTIVE)
        stored = await scalar(repos, "SELECT created_at FROM users WHERE id = ?", (user.id,))
        assert stored == "2026-11-29T10:00:00.000000+00:00"
        assert user.created_at == T0
        with pytest.raises(ValueError, match="naive"):
            await repos.users.create(now=datetime(2026, 1, 1), status=UserStatus.ACTIVE)


async def test_identity_add_and_touch(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        first = await repos.users.add_identity(
            user_id=user_id, channel="telegram", external_id="42", chat_id="42", now=T0
        )
        assert first.started_at == T0 and first.last_inbound_at == T0
        assert first.unreachable_at is None

        await repos.users.mark_unreachable("telegram", "42", now=minutes(1))
        blocked = await repos.users.identity("telegram", "42")
        assert blocked is not None and blocked.unreachable_at == minutes(1)

        touched = await repos.users.touch_identity(first.id, chat_id="4242", now=minutes(10))
        assert touched.started_at == T0  # kept from the first time
        assert touched.last_inbound_at == minutes(10)
        assert touched.unreachable_at is None
        assert touched.chat_id == "4242"
        assert touched.user_id == user_id


async def test_identity_touched_by_the_id_the_channel_knows(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        first = await repos.users.add_identity(
            user_id=user_id, channel="telegram", external_id="42"
        )
        assert await repos.users.touch_known("telegram", "43", chat_id="43", now=T0) is None
        assert await repos.users.touch_known("whatsapp", "42", chat_id="42", now=T0) is None
        assert await repos.users.identity("telegram", "43") is None

        touched = await repos.users.touch_known("telegram", "42", chat_id="4242", now=minutes(2))
        assert touched is not None and touched.id == first.id and touched.user_id == user_id
        assert (touched.chat_id, touched.started_at) == ("4242", minutes(2))
        assert touched == await repos.users.identity("telegram", "42")


async def test_identity_added_before_start_gets_started_at_on_first_touch(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        added = await repos.users.add_identity(user_id=user_id, channel="telegram", external_id="7")
        assert added.chat_id is None
        assert added.started_at is None and added.last_inbound_at is None

        touched = await repos.users.touch_identity(added.id, chat_id="7", now=minutes(3))
        assert touched.started_at == minutes(3)
        again = await repos.users.touch_identity(added.id, chat_id="7", now=minutes(9))
        assert again.started_at == minutes(3)
        assert again.last_inbound_at == minutes(9)

        await repos.users.set_identity_phone(added.id, "+6281234567890", verified=True)
        phoned = await repos.users.identity("telegram", "7")
        assert phoned is not None
        assert phoned.phone == "+6281234567890" and phoned.phone_verified is True
        assert await repos.users.identity("telegram", "8") is None
        assert await repos.users.identity("whatsapp", "7") is None


async def test_identity_is_unique_per_channel(db: Database) -> None:
    async with db.transaction() as repos:
        first = await make_user(repos)
        second = await make_user(repos)
        await repos.users.add_identity(user_id=first, channel="telegram", external_id="42")
        await repos.users.add_identity(user_id=second, channel="whatsapp", external_id="42")
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repos:
            await repos.users.add_identity(user_id=second, channel="telegram", external_id="42")


async def test_identities_of_lists_most_recent_first(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        never = await repos.users.add_identity(user_id=user_id, channel="x", external_id="1")
        old = await repos.users.add_identity(
            user_id=user_id, channel="telegram", external_id="1", chat_id="1", now=T0
        )
        new = await repos.users.add_identity(
            user_id=user_id, channel="whatsapp", external_id="1", chat_id="1", now=minutes(5)
        )
        listed = await repos.users.identities_of(user_id)
    assert [identity.id for identity in listed] == [new.id, old.id, never.id]


async def test_list_approvers(db: Database) -> None:
    async with db.transaction() as repos:
        coordinator = await make_user(repos, role=Role.COORDINATOR, kabupaten="32.08")
        await make_user(repos, role=Role.COORDINATOR, kabupaten="32.08", status=UserStatus.PENDING)
        await make_user(
            repos, role=Role.COORDINATOR, kabupaten="32.08", status=UserStatus.SUSPENDED
        )
        tuban = await make_user(repos, role=Role.COORDINATOR, kabupaten="35.23")
        admin = await make_user(repos, role=Role.ADMIN, kabupaten=None)
        await make_user(repos, role=Role.ADMIN, kabupaten=None, status=UserStatus.PENDING)
        await make_user(repos, role=Role.PSM, kabupaten="32.08")
        await make_user(repos, role=Role.TKSK, kabupaten="32.08")
        await make_user(repos, role=None, kabupaten="32.08", status=UserStatus.REGISTERING)

        kuningan = await repos.users.list_approvers("32.08")
        assert [user.id for user in kuningan] == [coordinator, admin]
        assert [user.id for user in await repos.users.list_approvers("35.23")] == [tuban, admin]
        assert [user.id for user in await repos.users.list_approvers(None)] == [admin]
        assert [user.id for user in await repos.users.list_approvers("33.01")] == [admin]


# -- inbox ----------------------------------------------------------------------------------


async def add_update(repos: Repos, ext_id: str, *, channel: str = "telegram", now=T0) -> bool:
    return await repos.inbox.add(
        channel=channel,
        ext_id=ext_id,
        payload={"update_id": ext_id, "text": "NIK 3208011234567890"},
        sender_key=f"{channel}:42",
        now=now,
    )


async def test_inbox_add_deduplicates(db: Database) -> None:
    async with db.transaction() as repos:
        assert await add_update(repos, "100") is True
        assert await add_update(repos, "100") is False
        assert await add_update(repos, "100", channel="whatsapp") is True
        assert await add_update(repos, "101") is True
        pending = await repos.inbox.pending()
    assert [(item.channel, item.ext_id) for item in pending] == [
        ("telegram", "100"),
        ("whatsapp", "100"),
        ("telegram", "101"),
    ]
    assert pending[0].payload == {"update_id": "100", "text": "NIK 3208011234567890"}
    assert pending[0].sender_key == "telegram:42"
    assert pending[0].status == "pending" and pending[0].attempts == 0


async def test_inbox_pending_limit(db: Database) -> None:
    async with db.transaction() as repos:
        for n in range(5):
            await add_update(repos, str(n))
        assert [item.ext_id for item in await repos.inbox.pending(limit=2)] == ["0", "1"]


async def test_inbox_mark_done_drops_the_payload(db: Database) -> None:
    async with db.transaction() as repos:
        await add_update(repos, "100")
        item = (await repos.inbox.pending())[0]
        await repos.inbox.mark_done(item.id, now=minutes(1))
        assert await repos.inbox.pending() == []
        (row,) = await rows(repos, "SELECT * FROM inbox WHERE id = ?", (item.id,))
        assert row["status"] == "done"
        assert row["payload"] is None
        assert row["processed_at"] == "2026-11-29T10:01:00.000000+00:00"
        # The dedup key is kept: a redelivery is still recognised.
        assert await add_update(repos, "100") is False
        assert await repos.inbox.counts() == {"done": 1}


async def test_inbox_record_failure_counts_and_gives_up(db: Database) -> None:
    async with db.transaction() as repos:
        await add_update(repos, "100")
        item = (await repos.inbox.pending())[0]
        assert await repos.inbox.record_failure(item.id, now=minutes(1), give_up=False) == 1
        assert await repos.inbox.record_failure(item.id, now=minutes(2), give_up=False) == 2
        (still,) = await repos.inbox.pending()
        assert still.attempts == 2 and still.payload is not None

        assert await repos.inbox.record_failure(item.id, now=minutes(3), give_up=True) == 3
        assert await repos.inbox.pending() == []
        (row,) = await rows(repos, "SELECT * FROM inbox WHERE id = ?", (item.id,))
        assert row["status"] == "failed"
        assert row["payload"] is None
        assert row["attempts"] == 3
        assert row["processed_at"] == "2026-11-29T10:03:00.000000+00:00"
        assert await repos.inbox.counts() == {"failed": 1}


async def test_inbox_confirm_below_and_purge_confirmed(db: Database) -> None:
    async with db.transaction() as repos:
        for ext_id in ("5", "9", "10", "11"):
            await add_update(repos, ext_id)
        await add_update(repos, "3", channel="whatsapp")
        by_ext = {item.ext_id: item for item in await repos.inbox.pending()}
        await repos.inbox.mark_done(by_ext["5"].id, now=minutes(1))
        await repos.inbox.mark_done(by_ext["10"].id, now=minutes(1))
        wa = next(item for item in await repos.inbox.pending() if item.channel == "whatsapp")
        await repos.inbox.mark_done(wa.id, now=minutes(1))

        # Numeric, not text, comparison: "9" < 10 but "10" is not.
        await repos.inbox.confirm_below("telegram", 10)
        confirmed = {
            row["ext_id"]: row["confirmed"]
            for row in await rows(
                repos, "SELECT ext_id, confirmed FROM inbox WHERE channel = ?", ("telegram",)
            )
        }
        assert confirmed == {"5": 1, "9": 1, "10": 0, "11": 0}

        # Only confirmed rows that are no longer pending are forgotten; other channels untouched.
        assert await repos.inbox.purge_confirmed("telegram") == 1
        left = await rows(repos, "SELECT channel, ext_id FROM inbox ORDER BY id")
        assert [(row["channel"], row["ext_id"]) for row in left] == [
            ("telegram", "9"),
            ("telegram", "10"),
            ("telegram", "11"),
            ("whatsapp", "3"),
        ]
        # Once forgotten, the key can be stored again (Telegram reuses update ids).
        assert await add_update(repos, "5") is True


async def test_inbox_purge_older_than(db: Database) -> None:
    async with db.transaction() as repos:
        await add_update(repos, "1", now=T0)
        await add_update(repos, "2", now=T0)
        await add_update(repos, "3", now=minutes(60))
        await add_update(repos, "4", channel="whatsapp", now=T0)
        by_ext = {(item.channel, item.ext_id): item for item in await repos.inbox.pending()}
        for key in (("telegram", "1"), ("telegram", "3"), ("whatsapp", "4")):
            await repos.inbox.mark_done(by_ext[key].id, now=minutes(61))
        # "2" is old but still pending: never forgotten; "3" is done but recent.
        assert await repos.inbox.purge_older_than("telegram", minutes(30)) == 1
        left = await rows(repos, "SELECT channel, ext_id FROM inbox ORDER BY id")
        assert [(row["channel"], row["ext_id"]) for row in left] == [
            ("telegram", "2"),
            ("telegram", "3"),
            ("whatsapp", "4"),
        ]


# -- outbox ---------------------------------------------------------------------------------


async def enqueue(
    repos: Repos,
    *,
    user_id: int | None = None,
    kind: str = "reply",
    priority: int = 1,
    now: datetime = T0,
    channel: str = "telegram",
    chat_id: str | None = "42",
    waiting: bool = False,
    expires_at: datetime | None = None,
    text: str = "halo",
    thread: str | None = None,
) -> int:
    return await repos.outbox.enqueue(
        NewMessage(
            user_id=user_id,
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            priority=priority,
            message={"text": text, "thread": thread} if thread else {"text": text},
            now=now,
            expires_at=expires_at,
            waiting=waiting,
        )
    )


async def outbox_row(repos: Repos, item_id: int) -> dict:
    (row,) = await rows(repos, "SELECT * FROM outbox WHERE id = ?", (item_id,))
    return row


async def test_outbox_enqueue_many_queues_in_order_as_enqueue_would(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        fields = [
            {"kind": "transient", "priority": 0, "message": {"callback_id": "c1"}},
            {"kind": "reply", "priority": 0, "message": {"text": "Nama?"}, "delete_after": 60},
            {"kind": "routine", "priority": 2, "message": {"text": "ingat"}, "waiting": True},
        ]
        common = {"user_id": user_id, "channel": "telegram", "chat_id": "42", "now": T0}
        await repos.outbox.enqueue_many([NewMessage(**common, **one) for one in fields])
        one_by_one = [await repos.outbox.enqueue(NewMessage(**common, **one)) for one in fields]
        await repos.outbox.enqueue_many([])
        stored = await rows(repos, "SELECT * FROM outbox ORDER BY id")
    assert [row["id"] for row in stored[3:]] == one_by_one
    for many, single in zip(stored[:3], stored[3:], strict=True):
        assert {**many, "id": 0} == {**single, "id": 0}
    assert [row["kind"] for row in stored[:3]] == ["transient", "reply", "routine"]
    assert [row["status"] for row in stored[:3]] == ["pending", "pending", "waiting"]


async def test_outbox_due_by_priority_then_id(db: Database) -> None:
    async with db.transaction() as repos:
        low_1 = await enqueue(repos, priority=3, text="Sudah dicatat ✓")
        high_1 = await enqueue(repos, priority=0)
        low_2 = await enqueue(repos, priority=3)
        mid = await enqueue(repos, priority=1)
        high_2 = await enqueue(repos, priority=0)
        await enqueue(repos, priority=0, channel="whatsapp")
        due = await repos.outbox.due("telegram", T0)
        assert [item.id for item in due] == [high_1, high_2, mid, low_1, low_2]
        assert [item.id for item in await repos.outbox.due("telegram", T0, limit=2)] == [
            high_1,
            high_2,
        ]
        first_low = next(item for item in due if item.id == low_1)
        assert first_low.message == {"text": "Sudah dicatat ✓"}
        assert first_low.status == "pending" and first_low.attempts == 0
        assert first_low.not_before == T0 and first_low.expires_at is None


async def test_outbox_not_before_respected(db: Database) -> None:
    async with db.transaction() as repos:
        later = await enqueue(repos, now=minutes(10), priority=0)
        now = await enqueue(repos, now=T0, priority=5)
        assert [item.id for item in await repos.outbox.due("telegram", T0)] == [now]
        assert [item.id for item in await repos.outbox.due("telegram", minutes(10))] == [
            later,
            now,
        ]
        assert await repos.outbox.next_due_at("telegram", T0) == T0
        assert await repos.outbox.next_due_at("whatsapp", T0) is None


async def test_outbox_waiting_rows_are_not_due(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        await enqueue(repos, user_id=user_id, kind="notice", chat_id=None, waiting=True)
        assert await repos.outbox.due("telegram", minutes(60)) == []
        assert await repos.outbox.next_due_at("telegram", T0) is None
        assert await repos.outbox.counts() == {"waiting": 1}


async def test_outbox_a_message_past_its_expiry_is_not_due(db: Database) -> None:
    """The housekeeping marks expired messages once a minute; until then one past its
    expiry (a reminder of its day after midnight) was still sent."""
    async with db.transaction() as repos:
        stale = await enqueue(repos, expires_at=minutes(10))
        fresh = await enqueue(repos, expires_at=minutes(30))
        assert [item.id for item in await repos.outbox.due("telegram", minutes(5))] == [
            stale,
            fresh,
        ]
        assert [item.id for item in await repos.outbox.due("telegram", minutes(10))] == [fresh]
        assert await repos.outbox.next_due_at("telegram", minutes(10)) == T0
        assert await repos.outbox.due("telegram", minutes(30)) == []
        # Nothing left to wait for: the sender does not wake at once again and again.
        assert await repos.outbox.next_due_at("telegram", minutes(30)) is None


async def test_outbox_release_waiting(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        other = await make_user(repos)
        notice = await enqueue(repos, user_id=user_id, kind="notice", chat_id=None, waiting=True)
        routine = await enqueue(repos, user_id=user_id, kind="routine", chat_id=None, waiting=True)
        bulk = await enqueue(repos, user_id=user_id, kind="bulk", chat_id=None, waiting=True)
        on_whatsapp = await enqueue(
            repos, user_id=user_id, kind="notice", chat_id=None, waiting=True, channel="whatsapp"
        )
        others = await enqueue(repos, user_id=other, kind="notice", chat_id=None, waiting=True)
        # Held behind a closed window (they had a chat): goes out unless past its lifetime.
        held = await enqueue(
            repos,
            user_id=user_id,
            kind="routine",
            chat_id="1",
            waiting=True,
            expires_at=minutes(31),
        )
        held_too_long = await enqueue(
            repos,
            user_id=user_id,
            kind="routine",
            chat_id="1",
            waiting=True,
            expires_at=minutes(30),
        )

        released = await repos.outbox.release_waiting(
            user_id=user_id, channel="telegram", chat_id="4242", now=minutes(30)
        )
        assert released.count == 2
        statuses = {item.id: item for item in await repos.outbox.for_user(user_id)}
        assert statuses[notice].status == "pending"
        assert statuses[notice].chat_id == "4242"
        assert statuses[notice].not_before == minutes(30)
        assert statuses[routine].status == "expired"
        assert statuses[bulk].status == "expired"
        assert statuses[on_whatsapp].status == "waiting"
        assert (statuses[held].status, statuses[held].chat_id) == ("pending", "4242")
        assert (statuses[held_too_long].status, statuses[held_too_long].chat_id) == ("expired", "1")
        assert statuses[held_too_long].not_before == T0
        assert (await repos.outbox.for_user(other))[0].status == "waiting"
        due = await repos.outbox.due("telegram", minutes(30))
        assert sorted(item.id for item in due) == sorted([notice, held])
        assert others not in statuses


async def test_outbox_a_released_alert_goes_before_what_was_held_with_it(db: Database) -> None:
    """QA: a TKSK's weekly summary held since Monday came out above the darurat alert its
    tap released (same released priority, older id): the alert goes first, then the rest in
    their order, then the answer to what the person wrote."""
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        held = {"user_id": user_id, "waiting": True, "chat_id": "1", "expires_at": minutes(60)}
        summary = await enqueue(repos, **held, kind="routine", text="Ringkasan mingguan")
        notice = await enqueue(repos, **held, kind="notice", text="Kabar")
        alert = await enqueue(repos, **held, kind="alert", text="LAPORAN DARURAT")
        await repos.outbox.release_waiting(
            user_id=user_id, channel="telegram", chat_id="1", now=minutes(30)
        )
        reply = await enqueue(repos, user_id=user_id, kind="reply", now=minutes(30))
        due = await repos.outbox.due("telegram", minutes(30))
        assert [item.id for item in due] == [alert, summary, notice, reply]


async def test_outbox_release_waiting_puts_the_first_thread_first_and_names_the_threads(
    db: Database,
) -> None:
    """QA walk 5: a suspension notice waiting for someone who never wrote came after the
    answer to their first message. A message of `first_thread` goes before the answer also
    then (a reply's priority); other messages waiting for a first message keep theirs. What
    went out names its threads; an expired one does not count."""
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        waiting = {"user_id": user_id, "kind": "notice", "chat_id": None, "waiting": True}
        status = await enqueue(repos, **waiting, thread="account:status")
        news = await enqueue(repos, **waiting)
        invitation = await enqueue(repos, **waiting, thread="training:7")
        await enqueue(repos, **waiting, thread="training:8", expires_at=minutes(30))

        released = await repos.outbox.release_waiting(
            user_id=user_id,
            channel="telegram",
            chat_id="4242",
            now=minutes(30),
            first_thread="account:status",
        )
        items = {item.id: item for item in await repos.outbox.for_user(user_id)}
    assert released.count == 3
    assert released.threads == {"account:status", "training:7"}
    assert [items[i].priority for i in (status, news, invitation)] == [0, 1, 1]


async def test_outbox_release_waiting_drops_whatever_is_past_its_expiry(db: Database) -> None:
    """An invitation held behind a closed window (or for someone who never started) is not
    released after its RSVP deadline, whatever its kind; one still in time goes out."""
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        held = {"user_id": user_id, "kind": "notice", "waiting": True}
        past = await enqueue(repos, **held, chat_id="1", expires_at=minutes(30))
        in_time = await enqueue(repos, **held, chat_id="1", expires_at=minutes(31))
        never_started = await enqueue(repos, **held, chat_id=None, expires_at=minutes(30))
        no_expiry = await enqueue(repos, **held, chat_id="1")

        released = await repos.outbox.release_waiting(
            user_id=user_id, channel="telegram", chat_id="4242", now=minutes(30)
        )
        items = {item.id: item for item in await repos.outbox.for_user(user_id)}
    assert released.count == 2
    assert [items[i].status for i in (past, never_started)] == ["expired", "expired"]
    assert [items[i].status for i in (in_time, no_expiry)] == ["pending", "pending"]
    assert items[in_time].priority == 0 and items[past].priority == 1  # only what goes out


async def test_outbox_a_newer_message_of_a_thread_drops_the_older_unsent_ones(
    db: Database,
) -> None:
    """A training's reschedule drops its invitation still held (or not yet sent) for that
    person, on any channel; what was sent, other threads and other people stay."""
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        other = await make_user(repos)
        thread = {"user_id": user_id, "kind": "notice", "thread": "training:7"}
        held = await enqueue(repos, **thread, chat_id="1", waiting=True, channel="whatsapp")
        unsent = await enqueue(repos, **thread)
        sent = await enqueue(repos, **thread)
        await repos.outbox.mark_sent(sent, now=T0)
        another_training = await enqueue(repos, **{**thread, "thread": "training:8"})
        unthreaded = await enqueue(repos, user_id=user_id, kind="notice")
        someone_else = await enqueue(repos, **{**thread, "user_id": other})

        newest = await enqueue(repos, **thread, text="Jadwal berubah")
        statuses = {item.id: item.status for item in await repos.outbox.for_user(user_id)}
        assert (await repos.outbox.get(someone_else)).status == "pending"
        # Several in one batch (e.g. one turn's replies): the last of the thread stays.
        common = {"user_id": user_id, "channel": "telegram", "chat_id": "42", "now": T0}
        await repos.outbox.enqueue_many(
            [
                NewMessage(
                    **common, kind="notice", priority=1, message={"text": t, "thread": "t:9"}
                )
                for t in ("lama", "baru")
            ]
        )
        batch = await rows(repos, "SELECT message, status FROM outbox WHERE id > ?", (newest,))
    assert [statuses[i] for i in (held, unsent, newest)] == ["expired", "expired", "pending"]
    assert [statuses[i] for i in (sent, another_training, unthreaded)] == [
        "sent",
        "pending",
        "pending",
    ]
    assert [(json.loads(r["message"])["text"], r["status"]) for r in batch] == [
        ("lama", "expired"),
        ("baru", "pending"),
    ]


async def test_outbox_defer_extends_a_routine_lifetime_never_a_deadline(db: Database) -> None:
    """WhatsApp's messaging limit moves a message later: a routine reminder lives on after
    the new moment, an invitation still never goes out after its RSVP deadline."""
    async with db.transaction() as repos:
        routine = await enqueue(repos, kind="routine", expires_at=minutes(60))
        notice = await enqueue(repos, kind="notice", expires_at=minutes(60))
        for item_id in (routine, notice):
            await repos.outbox.defer(
                item_id, not_before=minutes(120), lifetime=timedelta(hours=12), error="limit"
            )
        assert (await repos.outbox.get(routine)).expires_at == minutes(120 + 12 * 60)
        assert (await repos.outbox.get(notice)).expires_at == minutes(60)
        assert await repos.outbox.expire_due(minutes(61)) == 1
        assert (await repos.outbox.get(notice)).status == "expired"


async def test_outbox_expire_transient(db: Database) -> None:
    async with db.transaction() as repos:
        pending = await enqueue(repos, kind="transient")
        sent = await enqueue(repos, kind="transient")
        reply = await enqueue(repos, kind="reply")
        await repos.outbox.mark_sent(sent, now=T0, ext_message_id="m1")
        assert await repos.outbox.expire_transient() == 1
        assert (await outbox_row(repos, pending))["status"] == "expired"
        assert (await outbox_row(repos, sent))["status"] == "sent"
        assert (await outbox_row(repos, reply))["status"] == "pending"
        assert await repos.outbox.expire_transient() == 0


async def test_outbox_expire_due(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        old_pending = await enqueue(repos, kind="routine", expires_at=minutes(10))
        old_waiting = await enqueue(
            repos,
            user_id=user_id,
            kind="routine",
            chat_id=None,
            waiting=True,
            expires_at=minutes(10),
        )
        fresh = await enqueue(repos, kind="routine", expires_at=minutes(120))
        forever = await enqueue(repos, kind="notice")
        sent = await enqueue(repos, kind="routine", expires_at=minutes(10))
        await repos.outbox.mark_sent(sent, now=minutes(1))

        assert await repos.outbox.expire_due(minutes(10)) == 0  # not yet past
        assert await repos.outbox.expire_due(minutes(11)) == 2
        assert (await outbox_row(repos, old_pending))["status"] == "expired"
        assert (await outbox_row(repos, old_waiting))["status"] == "expired"
        assert (await outbox_row(repos, fresh))["status"] == "pending"
        assert (await outbox_row(repos, forever))["status"] == "pending"
        assert (await outbox_row(repos, sent))["status"] == "sent"


async def test_outbox_mark_sent(db: Database) -> None:
    async with db.transaction() as repos:
        item_id = await enqueue(repos)
        await repos.outbox.mark_sent(item_id, now=minutes(1), ext_message_id="777")
        row = await outbox_row(repos, item_id)
        assert row["status"] == "sent"
        assert row["ext_message_id"] == "777"
        assert row["attempts"] == 0  # a success is no failed try
        assert row["sent_at"] == "2026-11-29T10:01:00.000000+00:00"
        assert await repos.outbox.due("telegram", minutes(60)) == []
        await repos.outbox.set_ext_message_id(item_id, "778")
        assert (await outbox_row(repos, item_id))["ext_message_id"] == "778"


async def test_outbox_retry_later(db: Database) -> None:
    async with db.transaction() as repos:
        item_id = await enqueue(repos)
        await repos.outbox.retry_later(
            item_id, not_before=minutes(5), error="network " * 200, failed_try=True
        )
        row = await outbox_row(repos, item_id)
        assert row["status"] == "pending"
        assert row["attempts"] == 1
        assert len(row["last_error"]) == 500
        assert await repos.outbox.due("telegram", minutes(4)) == []
        (due,) = await repos.outbox.due("telegram", minutes(5))
        assert due.id == item_id and due.attempts == 1 and due.not_before == minutes(5)
        await repos.outbox.retry_later(
            item_id, not_before=minutes(6), error="network", failed_try=True
        )
        assert (await outbox_row(repos, item_id))["attempts"] == 2
        # A flood limit: the channel said when, no attempt used.
        await repos.outbox.retry_later(
            item_id, not_before=minutes(7), error="429", failed_try=False
        )
        assert (await outbox_row(repos, item_id))["attempts"] == 2


async def test_outbox_mark_failed(db: Database) -> None:
    async with db.transaction() as repos:
        item_id = await enqueue(repos)
        await repos.outbox.mark_failed(item_id, error="Forbidden: bot was blocked by the user")
        row = await outbox_row(repos, item_id)
        assert row["status"] == "failed"
        assert row["attempts"] == 1
        assert row["last_error"] == "Forbidden: bot was blocked by the user"
        assert await repos.outbox.due("telegram", minutes(60)) == []
        assert await repos.outbox.counts() == {"failed": 1}


# -- forms ----------------------------------------------------------------------------------


async def test_form_save_definition_first_wins(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.forms.save_definition("kasus", 1, {"title": "Laporan kasus"})
        await repos.forms.save_definition("kasus", 1, {"title": "changed"})
        await repos.forms.save_definition("kasus", 2, {"title": "Laporan kasus v2"})
        assert await repos.forms.definition("kasus", 1) == {"title": "Laporan kasus"}
        assert await repos.forms.definition("kasus", 2) == {"title": "Laporan kasus v2"}
        assert await repos.forms.definition("kasus", 3) is None
        assert await repos.forms.definition("other", 1) is None


async def test_form_start_pauses_the_previous_active_session(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        other_user = await make_user(repos)
        await repos.forms.save_definition("kasus", 1, {})
        await repos.forms.save_definition("profil", 1, {})
        first = await repos.forms.start(
            user_id=user_id, form_id="kasus", form_version=1, state={"a": 1}, now=T0
        )
        assert first.status == "active" and first.rev == 1 and first.state == {"a": 1}
        others = await repos.forms.start(
            user_id=other_user, form_id="kasus", form_version=1, state={}, now=T0
        )
        second = await repos.forms.start(
            user_id=user_id, form_id="profil", form_version=1, state={}, now=minutes(5)
        )
        paused = await repos.forms.get(first.id)
        assert paused is not None
        assert paused.status == "paused" and paused.updated_at == minutes(5)
        assert await repos.forms.active(user_id) == second
        assert (await repos.forms.active(other_user)) == others
        active_count = await scalar(
            repos,
            "SELECT COUNT(*) FROM form_sessions WHERE user_id = ? AND status = 'active'",
            (user_id,),
        )
        assert active_count == 1
        listed = await repos.forms.of_user(user_id, ("active", "paused"))
        assert [session.id for session in listed] == [second.id, first.id]
        assert await repos.forms.of_user(user_id, ("completed",)) == []


async def test_only_one_active_session_per_user_is_enforced_by_the_index(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        await repos.forms.save_definition("kasus", 1, {})
        await repos.forms.start(user_id=user_id, form_id="kasus", form_version=1, state={}, now=T0)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repos:
            await repos.conn.execute(
                "INSERT INTO form_sessions (user_id, form_id, form_version, state, status,"
                " created_at, updated_at) VALUES (?, 'kasus', 1, '{}', 'active', ?, ?)",
                (user_id, STAMP, STAMP),
            )
    # Paused ones may be many.
    async with db.transaction() as repos:
        for _ in range(2):
            await repos.conn.execute(
                "INSERT INTO form_sessions (user_id, form_id, form_version, state, status,"
                " created_at, updated_at) VALUES (?, 'kasus', 1, '{}', 'paused', ?, ?)",
                (user_id, STAMP, STAMP),
            )
        assert len(await repos.forms.of_user(user_id, ("paused",))) == 2


async def test_form_session_needs_a_stored_definition(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as repos:
            user_id = await make_user(repos)
            await repos.forms.start(
                user_id=user_id, form_id="missing", form_version=1, state={}, now=T0
            )


async def test_form_save_bumps_rev(db: Database) -> None:
    async with db.transaction() as repos:
        user_id = await make_user(repos)
        await repos.forms.save_definition("kasus", 1, {})
        session = await repos.forms.start(
            user_id=user_id, form_id="kasus", form_version=1, state={}, now=T0
        )
        step = await repos.forms.save(
            session.id, state={"nama": "Siti"}, status="active", now=minutes(1)
        )
        assert step.rev == 2 and step.state == {"nama": "Siti"}
        assert step.updated_at == minutes(1) and step.created_at == T0
        done = await repos.forms.save(
            session.id, state={"nama": "Siti"}, status="completed", now=minutes(2)
        )
        assert done.rev == 3 and done.status == "completed"
        assert await repos.forms.active(user_id) is None


# -- schedule and channel state -------------------------------------------------------------


async def test_schedule_claim_at_most_once_per_key(db: Database) -> None:
    async with db.transaction() as repos:
        assert await repos.schedule.claim("reminder", "user:1:2026-11-29", now=T0) is True
        assert await repos.schedule.claim("reminder", "user:1:2026-11-29", now=minutes(1)) is False
        assert await repos.schedule.claim("reminder", "user:1:2026-11-30", now=T0) is True
        assert await repos.schedule.claim("digest", "user:1:2026-11-29", now=T0) is True
        ran_at = await scalar(
            repos,
            "SELECT ran_at FROM scheduled_runs WHERE kind = 'reminder' AND run_key = ?",
            ("user:1:2026-11-29",),
        )
        assert ran_at == "2026-11-29T10:00:00.000000+00:00"


async def test_schedule_claim_survives_only_when_committed(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as repos:
            assert await repos.schedule.claim("reminder", "k", now=T0) is True
            raise RuntimeError("the work failed")
    async with db.transaction() as repos:
        assert await repos.schedule.claim("reminder", "k", now=T0) is True


async def test_channel_state(db: Database) -> None:
    async with db.transaction() as repos:
        assert await repos.schedule.get_state("telegram", "offset") is None
        await repos.schedule.set_state("telegram", "offset", "100")
        await repos.schedule.set_state("telegram", "offset", "105")
        assert await repos.schedule.get_state("telegram", "offset") == "105"
        assert await repos.schedule.get_state("whatsapp", "offset") is None
        await repos.schedule.set_state("whatsapp", "offset", "7")
        await repos.schedule.drop_state("telegram", "offset")
        await repos.schedule.drop_state("telegram", "never set")  # nothing to drop: no error
        assert await repos.schedule.get_state("telegram", "offset") is None
        assert await repos.schedule.get_state("whatsapp", "offset") == "7"


# -- audit ----------------------------------------------------------------------------------


async def test_audit_log_records_and_reads(db: Database) -> None:
    async with db.transaction() as repos:
        actor = await make_user(repos)
        await repos.audit.record(
            now=T0, actor_id=actor, action="user.approved", subject="user:2", detail={"x": "é"}
        )
        await repos.audit.record(now=minutes(1), actor_id=None, action="backup")
    async with db.reading() as repos:
        entries = await repos.audit.entries()
        approved = await repos.audit.entries("user.approved")
    assert [entry["action"] for entry in entries] == ["user.approved", "backup"]
    assert approved[0]["actor_id"] == actor
    assert approved[0]["subject"] == "user:2"
    assert approved[0]["detail"] == '{"x": "é"}'
    assert approved[0]["at"] == "2026-11-29T10:00:00.000000+00:00"
    assert entries[1]["detail"] == "{}"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET action = 'forged'",
        "UPDATE audit_log SET detail = NULL WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    ],
)
async def test_audit_log_is_append_only(db: Database, sql: str) -> None:
    async with db.transaction() as repos:
        await repos.audit.record(now=T0, actor_id=None, action="user.added_by_cli")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        async with db.transaction() as repos:
            await repos.conn.execute(sql)
    async with db.reading() as repos:
        entries = await repos.audit.entries()
    assert [entry["action"] for entry in entries] == ["user.added_by_cli"]


# -- regions --------------------------------------------------------------------------------


async def test_regions_sync_get_children(db: Database) -> None:
    regions = [
        Region(code="32.08", name="Kabupaten Kuningan", level="kabupaten", parent_code="32"),
        Region(code="32.08.01", name="Kadugede", level="kecamatan", parent_code="32.08"),
        Region(code="32.08.01.2002", name="Ciketak", level="desa", parent_code="32.08.01"),
        Region(code="32.08.01.2001", name="Sindangjawa", level="desa", parent_code="32.08.01"),
    ]
    async with db.transaction() as repos:
        assert await repos.regions.sync(regions) == 4
        renamed = Region(code="32.08.01", name="Kadu Gede", level="kecamatan", parent_code="32.08")
        assert await repos.regions.sync([renamed]) == 1
        assert await repos.regions.get("32.08.01") == renamed
        assert await repos.regions.get("32.08.99") is None
        assert await repos.regions.name_of("32.08.01") == "Kadu Gede"
        assert await repos.regions.name_of("32.08.99") == "32.08.99"  # not in our lists
        # Many at once (one query): known codes by name, unknown ones left out.
        many = await repos.regions.names_of(["32.08.01.2002", "32.08.01", "32.08.99", "32.08.01"])
        assert many == {"32.08.01.2002": "Ciketak", "32.08.01": "Kadu Gede"}
        assert await repos.regions.names_of([]) == {}
        children = await repos.regions.children("32.08.01")
        assert [region.name for region in children] == ["Ciketak", "Sindangjawa"]
        key = await scalar(repos, "SELECT name_key FROM regions WHERE code = '32.08.01'")
        assert key == "kadugede"


async def test_a_failing_savepoint_rolls_back_only_itself(db: Database) -> None:
    async with db.transaction() as repos:
        for name, fails in (("Ani", False), ("Budi", True), ("Citra", False), ("Dewi", True)):
            with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
                async with repos.savepoint():
                    await repos.users.create(now=T0, status=UserStatus.ACTIVE, full_name=name)
                    if fails:
                        raise RuntimeError(name)
        await repos.users.create(now=T0, status=UserStatus.ACTIVE, full_name="Eka")
    async with db.reading() as repos:
        names = [row["full_name"] for row in await rows(repos, "SELECT * FROM users")]
    assert names == ["Ani", "Citra", "Eka"]
    async with db.reading() as repos:
        with pytest.raises(RuntimeError, match="inside a write transaction"):
            async with repos.savepoint():
                pass


async def test_the_writer_is_not_shared_inside_a_savepoint(db: Database) -> None:
    async with db.transaction() as repos:
        with pytest.raises(RuntimeError, match="inside a savepoint"):
            async with repos.savepoint():
                await repos.users.create(now=T0, status=UserStatus.ACTIVE, full_name="Ani")
                await repos.let_others_write()  # would commit Ani, and end the savepoint
        with pytest.raises(RuntimeError, match="inside a savepoint"):
            async with repos.savepoint(), repos.writer_released():
                pass
        await repos.let_others_write()  # both rolled back: nothing open, sharing is fine
        async with repos.savepoint():
            await repos.users.create(now=T0, status=UserStatus.ACTIVE, full_name="Budi")
        with pytest.raises(RuntimeError, match="inside a savepoint"):
            await repos.let_others_write()  # Budi's savepoint stays open until COMMIT
    async with db.reading() as repos:
        names = [row["full_name"] for row in await rows(repos, "SELECT * FROM users")]
    assert names == ["Budi"]


def test_an_sqlite_too_old_for_returning_is_refused_with_what_to_do() -> None:
    with pytest.raises(
        RuntimeError, match=r"needs SQLite 3\.35\.0 or newer; this Python has 3\.34\.1"
    ):
        require_sqlite((3, 34, 1))
    require_sqlite((3, 35, 0))  # new enough: nothing happens


async def test_outbox_a_message_dropped_while_sent_stays_dropped_when_its_send_fails(
    db: Database,
) -> None:
    """Its person suspended while it was being sent: the send's failure must not make it
    'failed' (the coordinators would be told an alert to a suspended TKSK did not arrive)."""
    async with db.transaction() as repos:
        dropped = await enqueue(repos, kind="alert")
        await repos.conn.execute("UPDATE outbox SET status = 'expired' WHERE id = ?", (dropped,))
        assert await repos.outbox.mark_failed(dropped, error="Forbidden") is False
        assert (await repos.outbox.get(dropped)).status == "expired"
        failing = await enqueue(repos, kind="alert")
        assert await repos.outbox.mark_failed(failing, error="Forbidden") is True
        assert (await repos.outbox.get(failing)).status == "failed"
