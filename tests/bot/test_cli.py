"""The `psm-bot` command line in-process: user add, backup, restore and the process lock.

`bot.cli.main` runs its own event loop (asyncio.run), so these tests are plain sync functions.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.lock import BACKUP_LOCK, DatabaseLocked, ProcessLock
from storage.migrate import latest_version
from storage.restore import restore

SETTING_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_FILE_BASE_URL",
    "TELEGRAM_POLL_TIMEOUT",
    "DATABASE_PATH",
    "MEDIA_PATH",
    "ADMIN_TELEGRAM_IDS",
    "TIMEZONE",
    "DEFAULT_LANGUAGE",
    "DISTRICTS",
    "LOG_LEVEL",
)

COORDINATOR = [
    "user",
    "add",
    "--role",
    "coordinator",
    "--telegram-id",
    "42",
    "--name",
    "Ibu Sari",
    "--kabupaten",
    "32.08",
]


@dataclass
class Env:
    root: Path
    database: Path
    media: Path
    monkeypatch: pytest.MonkeyPatch

    def use(self, database: Path, media: Path) -> None:
        """Point DATABASE_PATH and MEDIA_PATH somewhere else (e.g. a fresh server)."""
        self.database, self.media = database, media
        self.monkeypatch.setenv("DATABASE_PATH", str(database))
        self.monkeypatch.setenv("MEDIA_PATH", str(media))


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """A clean environment and working directory; the root logger is put back afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in os.environ:
        if name.upper() in SETTING_NAMES or name.upper().startswith("TELEGRAM_"):
            monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    environment = Env(tmp_path, tmp_path, tmp_path, monkeypatch)
    environment.use(tmp_path / "data" / "psm.db", tmp_path / "data" / "media")
    assert main(["migrate"]) == 0  # as `make run` does before anything else
    try:
        yield environment
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def query(database: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def users_of(database: Path) -> list[tuple]:
    return [
        tuple(row)
        for row in query(
            database, "SELECT id, full_name, role, status, kabupaten_code FROM users ORDER BY id"
        )
    ]


def add_user(
    *extra: str, telegram_id: str = "42", name: str = "Ibu Sari", role: str = "coordinator"
) -> int:
    args = COORDINATOR[:]
    args[args.index("--telegram-id") + 1] = telegram_id
    args[args.index("--name") + 1] = name
    args[args.index("--role") + 1] = role
    return main([*args, *extra])


def assert_clean_failure(capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


# -- user add -------------------------------------------------------------------------------


def test_user_add_creates_an_active_coordinator_with_a_telegram_identity(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(COORDINATOR) == 0
    out = capsys.readouterr().out
    assert "added (coordinator)" in out

    (user,) = query(env.database, "SELECT * FROM users")
    assert user["full_name"] == "Ibu Sari"
    assert user["role"] == "coordinator"
    assert user["requested_role"] == "coordinator"
    assert user["status"] == "active"
    assert user["kabupaten_code"] == "32.08"
    assert user["kecamatan_code"] is None and user["desa_code"] is None
    assert user["language"] == "id"
    assert f"user {user['id']} added" in out

    (identity,) = query(env.database, "SELECT * FROM channel_identities")
    assert identity["user_id"] == user["id"]
    assert identity["channel"] == "telegram"
    assert identity["external_id"] == "42"
    assert identity["chat_id"] is None
    assert identity["started_at"] is None

    (entry,) = query(env.database, "SELECT * FROM audit_log")
    assert entry["action"] == "user.added_by_cli"
    assert entry["subject"] == f"user:{user['id']}"


def test_user_add_psm_with_kecamatan_and_desa(env: Env) -> None:
    assert (
        main(
            [
                "user",
                "add",
                "--role",
                "psm",
                "--telegram-id",
                "77",
                "--name",
                "Pak Budi",
                "--kabupaten",
                "35.23",
                "--kecamatan",
                "35.23.01",
                "--desa",
                "35.23.01.2001",
            ]
        )
        == 0
    )
    (user,) = query(env.database, "SELECT * FROM users")
    assert (user["role"], user["kabupaten_code"], user["kecamatan_code"], user["desa_code"]) == (
        "psm",
        "35.23",
        "35.23.01",
        "35.23.01.2001",
    )


def test_user_add_takes_the_kecamatan_and_desa_by_name(env: Env) -> None:
    # As the chat and regions/*.csv name them, in any case.
    assert add_user("--kecamatan", "kadugede", "--desa", "BABATAN", role="psm") == 0
    (user,) = query(env.database, "SELECT kecamatan_code, desa_code FROM users")
    assert tuple(user) == ("32.08.01", "32.08.01.2006")


def test_user_add_refuses_an_unknown_or_ambiguous_region_name(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_user("--kecamatan", "Kadugedee", role="tksk") == 1
    assert_clean_failure(
        capsys,
        "psm-bot: --kecamatan Kadugedee: no kecamatan of that name under 32.08 (names and"
        " codes: regions/*.csv)",
    )
    connection = sqlite3.connect(env.database)  # a second Kadugede (none ships: made here)
    with connection:
        connection.execute(
            "INSERT INTO regions (code, name, level, parent_code, name_key) VALUES"
            " ('32.08.99', 'Kadugede', 'kecamatan', '32.08', 'kadugede')"
        )
    connection.close()
    assert add_user("--kecamatan", "Kadugede", role="tksk") == 1
    assert_clean_failure(
        capsys,
        "psm-bot: --kecamatan Kadugede: several of that name under 32.08: 32.08.01 (Kadugede),"
        " 32.08.99 (Kadugede); give the code",
    )
    assert users_of(env.database) == []


def test_user_add_admin_needs_no_kabupaten(env: Env) -> None:
    args = ["user", "add", "--role", "admin", "--telegram-id", "1", "--name", "Admin Dinsos"]
    assert main(args) == 0
    (user,) = query(env.database, "SELECT role, status, kabupaten_code FROM users")
    assert tuple(user) == ("admin", "active", None)


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--kabupaten", "33.01"], ["--kabupaten must be one of the districts served", "32.08"]),
        (["--kecamatan", "35.23.01"], ["--kecamatan 35.23.01 is not a region under 32.08"]),
        (["--kecamatan", "32.08.99"], ["--kecamatan 32.08.99 is not a region under 32.08"]),
        (
            ["--kecamatan", "32.08.01", "--desa", "32.08.02.2001"],
            ["--desa 32.08.02.2001 is not a region under 32.08.01"],
        ),
    ],
)
def test_user_add_refuses_regions_outside_the_district(
    env: Env, capsys: pytest.CaptureFixture[str], extra: list[str], fragments: list[str]
) -> None:
    args = COORDINATOR[:]
    if extra[0] == "--kabupaten":
        args[args.index("--kabupaten") + 1] = extra[1]
        extra = []
    assert main([*args, *extra]) == 1
    assert_clean_failure(capsys, "psm-bot: ", *fragments)
    if env.database.exists():
        assert users_of(env.database) == []
        assert query(env.database, "SELECT * FROM channel_identities") == []


@pytest.mark.parametrize(
    ("role", "regions", "fragment"),
    [
        ("tksk", [], "a tksk needs --kecamatan"),
        ("psm", ["--kecamatan", "32.08.01"], "a psm needs --desa"),
        ("psm", ["--desa", "32.08.01.2006"], "a psm needs --kecamatan"),
        ("psm", [], "a psm needs --kecamatan and --desa"),
    ],
)
def test_user_add_refuses_a_tksk_or_psm_without_their_region(
    env: Env, capsys: pytest.CaptureFixture[str], role: str, regions: list[str], fragment: str
) -> None:
    """A TKSK without a kecamatan would broadcast to the whole kabupaten's PSM."""
    args = COORDINATOR[:]
    args[args.index("--role") + 1] = role
    assert main([*args, *regions]) == 1
    assert_clean_failure(capsys, "psm-bot: ", fragment)
    if env.database.exists():
        assert users_of(env.database) == []


def test_user_add_refuses_a_duplicate_telegram_id(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_user() == 0
    capsys.readouterr()
    assert add_user(name="Bu Ani") == 1
    assert_clean_failure(capsys, "Telegram user 42 already has an account")
    assert [user[1] for user in users_of(env.database)] == ["Ibu Sari"]


def test_user_add_refuses_a_too_short_name(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert add_user(name=" A ") == 1
    assert_clean_failure(capsys, "--name")


@pytest.mark.parametrize("name", ["Siti 3208014506230001", "Siti 3208 0145 0623 0001"])
def test_user_add_refuses_a_name_holding_a_nik_as_registration_does(
    env: Env, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    capsys.readouterr()
    assert add_user(name=name) == 1
    err = assert_clean_failure(capsys, "--name holds a number shaped like a NIK or KK")
    assert "0001" not in err
    assert users_of(env.database) == []


def add_tksk(telegram_id: str, name: str, kecamatan: str = "32.08.01") -> int:
    return add_user("--kecamatan", kecamatan, telegram_id=telegram_id, name=name, role="tksk")


def test_user_add_refuses_a_second_tksk_in_a_kecamatan(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    """Registration and /pengguna keep one active TKSK per kecamatan; `user add` made two."""
    assert add_tksk("51", "Pak Dedi") == 0
    capsys.readouterr()

    assert add_tksk("52", "Bu Rina") == 1
    err = assert_clean_failure(capsys, "kecamatan 32.08.01 already has an active TKSK: Pak Dedi")
    assert err.count("\n") == 1
    assert [user[1] for user in users_of(env.database)] == ["Pak Dedi"]
    assert query(env.database, "SELECT external_id FROM channel_identities")[0][0] == "51"

    assert add_tksk("53", "Bu Rina", kecamatan="32.08.02") == 0  # another kecamatan
    connection = sqlite3.connect(env.database)
    with connection:  # the one there is suspended: the kecamatan has no active TKSK
        connection.execute("UPDATE users SET status = 'suspended' WHERE full_name = 'Pak Dedi'")
    connection.close()
    assert add_tksk("54", "Pak Joko") == 0


# -- run from elsewhere ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        COORDINATOR,
        ["backup", "backups"],
        ["export", "cases.xlsx"],
        ["case", "show", "KNG-2026-000001"],
        ["subject", "find", "3208011234560001"],
        ["subject", "export", "3208011234560001", "subject.json"],
        ["subject", "correct", "3208011234560001", "--field", "name", "--value", "Ayu"],
        ["subject", "erase", "3208011234560001", "--yes"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_commands_run_outside_the_bots_folder_make_no_database(
    env: Env, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """From another folder the default data/psm.db is not there: an empty one made there
    took the user (or wrote an empty backup) and said it had worked."""
    elsewhere = env.root / "elsewhere"
    elsewhere.mkdir()
    env.monkeypatch.chdir(elsewhere)
    env.monkeypatch.delenv("DATABASE_PATH")
    capsys.readouterr()

    assert main(args) == 2
    err = assert_clean_failure(capsys)
    assert err.splitlines() == [
        f"psm-bot: no database at {elsewhere / 'data' / 'psm.db'} (run from the bot's folder"
        " or set DATABASE_PATH)"
    ]
    assert list(elsewhere.iterdir()) == []  # no data/ folder, lock, backup or export


def test_backup_of_a_database_that_is_not_there_leaves_nothing(tmp_path: Path) -> None:
    from storage.backup import backup

    with pytest.raises(FileNotFoundError, match="no database at"):
        backup(tmp_path / "data" / "psm.db", tmp_path / "backups" / "psm-backup-1")
    assert list(tmp_path.iterdir()) == []


# -- file permissions -----------------------------------------------------------------------


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_database_and_its_backups_are_the_bot_users_alone(env: Env) -> None:
    """They hold NIK, KK and addresses: they were 0644 in a 0755 folder under the usual
    umask, readable by every account on the server."""
    usual = os.umask(0o022)
    try:
        env.use(env.root / "server" / "data" / "psm.db", env.root / "server" / "data" / "media")
        assert main(["migrate"]) == 0
        assert add_user() == 0
        assert main(["backup", str(env.root / "server" / "backups")]) == 0
        assert os.umask(0o022) == 0o022  # put back for the rest of the process
    finally:
        os.umask(usual)

    data = env.database.parent
    made = [path for path in data.iterdir() if path.name.startswith("psm.db")]
    assert {path.name for path in made} >= {"psm.db", "psm.db.lock"}
    assert {path.name: mode(path) for path in made} == {path.name: 0o600 for path in made}
    assert mode(data) == 0o700
    backups = env.root / "server" / "backups"
    folder = only_backup(backups)
    assert (mode(backups), mode(folder), mode(folder / "psm.db")) == (0o700, 0o700, 0o600)


def test_a_backup_folder_is_private_whatever_the_umask(tmp_path: Path, env: Env) -> None:
    from storage.backup import backup

    usual = os.umask(0o022)
    try:
        backup(env.database, tmp_path / "copies" / "psm-backup-1")
    finally:
        os.umask(usual)
    assert mode(tmp_path / "copies" / "psm-backup-1") == 0o700


# -- backup and restore ---------------------------------------------------------------------


def make_media(env: Env) -> None:
    (env.media / "cases").mkdir(parents=True)
    (env.media / "cases" / "photo.jpg").write_bytes(b"\xff\xd8 not really a jpeg")


def only_backup(directory: Path) -> Path:
    (folder,) = directory.glob("psm-backup-*")
    return folder


def test_backup_writes_a_sound_copy_and_the_media(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_user() == 0
    assert add_user(telegram_id="43", name="Pak Budi") == 0
    make_media(env)
    target = env.root / "backups"
    assert main(["backup", str(target)]) == 0
    folder = only_backup(target)
    assert str(folder) in capsys.readouterr().out

    copy = folder / "psm.db"
    assert [tuple(row) for row in query(copy, "PRAGMA integrity_check")] == [("ok",)]
    assert users_of(copy) == users_of(env.database)
    assert len(users_of(copy)) == 2
    assert (folder / "media" / "cases" / "photo.jpg").read_bytes() == (
        b"\xff\xd8 not really a jpeg"
    )
    # The copy stands alone: no WAL needed beside it.
    assert query(copy, "PRAGMA journal_mode")[0][0] == "delete"


def test_backup_while_another_connection_writes(env: Env) -> None:
    assert add_user() == 0
    writer = sqlite3.connect(env.database, isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        insert = (
            "INSERT INTO users (full_name, role, status, kabupaten_code, created_at, updated_at)"
            " VALUES (?, 'psm', 'active', '32.08', '2026-11-29T10:00:00.000000+00:00',"
            " '2026-11-29T10:00:00.000000+00:00')"
        )
        writer.execute(insert, ("Committed Only In WAL",))  # autocommit, not checkpointed
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(insert, ("Not Yet Committed",))

        target = env.root / "backups"
        assert main(["backup", str(target)]) == 0
        copy = only_backup(target) / "psm.db"
        names = [user[1] for user in users_of(copy)]
        assert names == ["Ibu Sari", "Committed Only In WAL"]
        assert [tuple(row) for row in query(copy, "PRAGMA integrity_check")] == [("ok",)]
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert len(users_of(env.database)) == 3


def test_backup_without_media_folder(env: Env) -> None:
    assert add_user() == 0
    target = env.root / "backups"
    assert main(["backup", str(target)]) == 0
    folder = only_backup(target)
    assert (folder / "psm.db").exists()
    assert not (folder / "media").exists()


def test_two_backups_in_the_same_second_get_their_own_folders(env: Env) -> None:
    assert add_user() == 0
    target = env.root / "backups"
    assert main(["backup", str(target)]) == 0
    assert main(["backup", str(target)]) == 0
    folders = sorted(target.glob("psm-backup-*"))
    assert len(folders) == 2
    assert all((folder / "psm.db").exists() for folder in folders)


def make_backup(env: Env) -> tuple[Path, list[tuple]]:
    assert add_user() == 0
    assert add_user(telegram_id="43", name="Pak Budi") == 0
    make_media(env)
    target = env.root / "backups"
    assert main(["backup", str(target)]) == 0
    return only_backup(target), users_of(env.database)


def test_restore_into_a_fresh_database(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    folder, users = make_backup(env)
    env.use(env.root / "new-server" / "psm.db", env.root / "new-server" / "media")
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "run `psm-bot migrate` next" in captured.out
    assert f"no database at {env.database}: nothing carried forward" in captured.err
    assert not list(env.database.parent.glob("*.before-restore-*"))  # nothing to keep
    assert users_of(env.database) == users
    assert [tuple(row) for row in query(env.database, "PRAGMA integrity_check")] == [("ok",)]
    assert (env.media / "cases" / "photo.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"
    identities = query(env.database, "SELECT external_id FROM channel_identities ORDER BY id")
    assert [row[0] for row in identities] == ["42", "43"]

    # Without its audit key (not in the backups) it does not start; with it, it migrates.
    key = Path(f"{env.database}.audit-key")
    assert f"put its file (kept safe apart from them) at {key}" in captured.out
    assert main(["migrate"]) == 2
    assert f"no audit key at {key}" in capsys.readouterr().err
    key.write_text(Path(env.root / "data" / "psm.db.audit-key").read_text())
    assert main(["migrate"]) == 0
    assert users_of(env.database) == users


def test_restore_from_a_db_file_replaces_the_current_database(env: Env) -> None:
    folder, users = make_backup(env)
    assert add_user(telegram_id="44", name="Added After Backup") == 0
    assert len(users_of(env.database)) == 3

    assert main(["restore", str(folder / "psm.db")]) == 0
    assert users_of(env.database) == users
    assert not Path(f"{env.database}-wal").exists()


def test_restore_refuses_a_garbage_file(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert add_user() == 0
    before = users_of(env.database)
    garbage = env.root / "garbage.db"
    garbage.write_bytes(os.urandom(8192))
    capsys.readouterr()

    assert main(["restore", str(garbage)]) == 1
    assert_clean_failure(capsys, "psm-bot: ", str(garbage))
    assert users_of(env.database) == before


def test_restore_refuses_a_damaged_database(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    folder, users = make_backup(env)
    damaged = env.root / "damaged.db"
    data = bytearray((folder / "psm.db").read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) >= 4 * page_size
    # Keep the header page, scribble over the b-tree pages after it.
    data[page_size : len(data)] = b"\xa5" * (len(data) - page_size)
    damaged.write_bytes(bytes(data))
    capsys.readouterr()

    assert main(["restore", str(damaged)]) == 1
    assert_clean_failure(capsys, "psm-bot: ", str(damaged))
    assert users_of(env.database) == users


def test_restore_refuses_a_database_failing_its_integrity_check(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, users = make_backup(env)
    inconsistent = env.root / "inconsistent.db"
    inconsistent.write_bytes((folder / "psm.db").read_bytes())
    # A readable file whose index no longer matches its table.
    connection = sqlite3.connect(inconsistent)
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX users_scope ON users (full_name, id, role)'"
        " WHERE name = 'users_scope'"
    )
    connection.commit()
    connection.close()
    capsys.readouterr()

    assert main(["restore", str(inconsistent)]) == 1
    assert_clean_failure(capsys, "psm-bot: ", "failed its integrity check")
    assert users_of(env.database) == users


def test_restore_refuses_a_missing_backup(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert add_user() == 0
    before = users_of(env.database)
    capsys.readouterr()
    missing = env.root / "no-such-backup" / "psm.db"

    assert main(["restore", str(missing)]) == 1
    # Said plainly (QA walk 9), not "failed its integrity check: ['... does not exist']".
    err = assert_clean_failure(capsys, f"psm-bot: no backup at {missing}")
    assert "integrity" not in err
    assert users_of(env.database) == before


def test_restore_of_the_backups_folder_lists_them_newest_first(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, users = make_backup(env)
    target = folder.parent
    older = target / "psm-backup-20260101-010000"  # 08.00 WIB
    shutil.copytree(folder, older)
    (target / "psm-backup-20250101-010000").mkdir()  # no psm.db in it: no backup
    (target / "notes").mkdir()
    capsys.readouterr()

    assert main(["restore", str(target)]) == 1
    err = assert_clean_failure(capsys)
    lines = err.strip().splitlines()[-4:]
    assert (
        lines[0]
        == f"psm-bot: no backup at {target / 'psm.db'}; the backups in {target}, newest first:"
    )
    assert lines[1].startswith(f"    {folder}   (made ")
    assert lines[2] == f"    {older}   (made 2026-01-01 08:00 WIB)"
    assert lines[3] == f"restore one by naming its folder, e.g. psm-bot restore {folder}"
    assert users_of(env.database) == users  # nothing restored


def left_in_wal(database: Path, name: str) -> None:
    """Add a user whose row is only in the WAL, as a bot killed before a checkpoint leaves
    it (closing the last connection would move it into the database file)."""
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO users (full_name, role, status, kabupaten_code, created_at, updated_at)"
            " VALUES (?, 'psm', 'active', '32.08', '2026-11-29T10:00:00.000000+00:00',"
            " '2026-11-29T10:00:00.000000+00:00')",
            (name,),
        )
        files = {suffix: Path(f"{database}{suffix}").read_bytes() for suffix in ("", "-wal")}
    finally:
        writer.close()
    for suffix, content in files.items():
        Path(f"{database}{suffix}").write_bytes(content)
    assert files["-wal"], "the row must be in the WAL alone"


def fail_copies_into(name: str):
    """shutil.copyfile that runs out of disk space writing a file (or into a folder) whose
    name begins with `name`."""
    copy = shutil.copyfile

    def copyfile(src, dst, *args, **kwargs):
        if any(part.startswith(name) for part in Path(dst).parts):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return copy(src, dst, *args, **kwargs)

    return copyfile


def test_a_restore_that_runs_out_of_space_leaves_the_live_database_whole(
    env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, users = make_backup(env)
    left_in_wal(env.database, "Added After Backup")
    capsys.readouterr()

    with monkeypatch.context() as patch:
        patch.setattr(shutil, "copyfile", fail_copies_into(env.database.name))
        assert main(["restore", str(folder)]) == 1
    assert_clean_failure(capsys, "psm-bot: ", "No space left on device")
    names = [user[1] for user in users_of(env.database)]
    assert names == [user[1] for user in users] + ["Added After Backup"]
    assert not list(env.database.parent.glob("*.restoring"))  # its copy is not left behind


def test_a_media_restore_that_runs_out_of_space_leaves_the_live_data_whole(
    env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, users = make_backup(env)
    (env.media / "cases" / "later.jpg").write_bytes(b"taken after the backup")
    assert add_user(telegram_id="44", name="Added After Backup") == 0
    capsys.readouterr()

    with monkeypatch.context() as patch:
        patch.setattr(shutil, "copyfile", fail_copies_into(env.media.name))
        assert main(["restore", str(folder)]) == 1
    assert_clean_failure(capsys, "psm-bot: ", "No space left on device")
    assert sorted(path.name for path in (env.media / "cases").iterdir()) == [
        "later.jpg",
        "photo.jpg",
    ]
    assert not env.media.with_name("media.restoring").exists()
    assert len(users_of(env.database)) == 3  # nor the database replaced without its media
    assert not list(env.database.parent.glob("*.restoring"))

    assert main(["restore", str(folder)]) == 0  # space freed: the backup's media replace it
    assert [path.name for path in (env.media / "cases").iterdir()] == ["photo.jpg"]
    assert not env.media.with_name("media.restoring").exists()
    (kept,) = env.media.parent.glob("media.before-restore-*")  # the old folder, kept
    assert (kept / "cases" / "later.jpg").read_bytes() == b"taken after the backup"
    assert users_of(env.database) == users


def test_restore_waits_for_a_running_backup(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    folder, users = make_backup(env)
    assert add_user(telegram_id="44", name="Added After Backup") == 0
    capsys.readouterr()
    with ProcessLock(env.database, suffix=BACKUP_LOCK):
        assert main(["restore", str(folder)]) == 1
        assert_clean_failure(capsys, "a backup or an erasure is running", str(env.database))
    assert len(users_of(env.database)) == 3
    assert main(["restore", str(folder)]) == 0
    assert users_of(env.database) == users


def test_restore_refuses_a_backup_newer_than_the_code(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    """Swapped in, a schema this code does not know would stop `migrate` and `run` with
    the live database gone (review 13, finding 3): refused, nothing touched."""
    folder, _ = make_backup(env)
    newer = env.root / "newer.db"
    shutil.copyfile(folder / "psm.db", newer)
    connection = sqlite3.connect(newer)
    connection.execute(f"PRAGMA user_version = {latest_version() + 1}")
    connection.close()
    assert add_user(telegram_id="44", name="Added After Backup") == 0
    before = {path.name: path.read_bytes() for path in env.database.parent.glob("psm.db*")}
    capsys.readouterr()

    assert main(["restore", str(newer)]) == 1
    assert_clean_failure(
        capsys, f"schema version {latest_version() + 1}, newer than this psm-bot", "upgrade"
    )
    after = {path.name: path.read_bytes() for path in env.database.parent.glob("psm.db*")}
    assert [path.name for path in env.media.parent.glob("media*")] == ["media"]
    assert after == before  # no copy beside it, nothing kept, nothing replaced
    assert len(users_of(env.database)) == 3


def test_restore_keeps_the_replaced_database_and_media_beside_them(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wrong backup restored is not the end of the live data: the database (with what
    only its WAL held) and the media replaced stay beside them, the bot's user's alone."""
    folder, users = make_backup(env)
    (env.media / "cases" / "later.jpg").write_bytes(b"taken after the backup")
    left_in_wal(env.database, "Only In The WAL")
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    out = capsys.readouterr().out
    assert users_of(env.database) == users
    (kept,) = env.database.parent.glob("psm.db.before-restore-*[0-9]")
    (kept_media,) = env.media.parent.glob("media.before-restore-*")
    assert kept.name[len("psm.db") :] == kept_media.name[len("media") :]  # one stamp
    assert f"the replaced database is kept at {kept}" in out
    assert f"the replaced media folder is kept at {kept_media}" in out
    assert [user[1] for user in users_of(kept)] == [u[1] for u in users] + ["Only In The WAL"]
    assert (kept_media / "cases" / "later.jpg").read_bytes() == b"taken after the backup"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept_media.stat().st_mode) == 0o700
    assert not (env.media / "cases" / "later.jpg").exists()

    # Restores within one second keep each replaced database under its own name.
    at = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    first = restore(
        folder / "psm.db", env.database, media=folder / "media", media_target=env.media, now=at
    )
    second = restore(folder / "psm.db", env.database, now=at)
    assert first.kept_media == env.media.with_name("media.before-restore-20261206-120000")
    assert second.kept_database == env.database.with_name("psm.db.before-restore-20261206-120000-2")
    assert second.kept_media is None  # the media were not restored: nothing replaced
    assert len(list(env.database.parent.glob("psm.db.before-restore-*[0-9]"))) == 3


def test_restore_over_an_unreadable_database_still_restores(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, users = make_backup(env)
    env.database.write_bytes(b"\xa5" * 8192)  # the disk that failed
    for suffix in ("-wal", "-shm"):
        Path(f"{env.database}{suffix}").unlink(missing_ok=True)
    capsys.readouterr()

    assert main(["restore", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "cannot be read" in captured.err and "nothing carried forward" in captured.err
    assert "Traceback" not in captured.err
    assert users_of(env.database) == users
    (kept,) = env.database.parent.glob("psm.db.before-restore-*[0-9]")
    assert kept.read_bytes() == b"\xa5" * 8192


# -- the process lock -----------------------------------------------------------------------


def test_migrate_and_restore_refuse_while_another_process_holds_the_lock(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, users = make_backup(env)
    capsys.readouterr()
    with ProcessLock(env.database):
        assert main(["migrate"]) == 1
        assert_clean_failure(capsys, "another psm-bot process", str(env.database))

        assert main(["restore", str(folder)]) == 1
        assert_clean_failure(capsys, "another psm-bot process", str(env.database))
    assert users_of(env.database) == users
    # Released: both work again.
    assert main(["migrate"]) == 0
    assert main(["restore", str(folder)]) == 0


def test_process_lock_is_exclusive_and_can_be_taken_again(tmp_path: Path) -> None:
    database = tmp_path / "data" / "psm.db"
    with ProcessLock(database) as lock:
        assert lock.path == Path(f"{database}.lock")
        assert lock.path.read_text() == str(os.getpid())
        with pytest.raises(DatabaseLocked, match="another psm-bot process"), ProcessLock(database):
            pass
    with ProcessLock(database):
        pass
    lock = ProcessLock(database)
    with lock:
        pass
    with lock:
        pass
    with ProcessLock(tmp_path / "other.db"), ProcessLock(database):
        pass


@pytest.mark.parametrize(
    ("rate", "paced"),
    [(None, 32 * 2**20), ("0", None), ("0.5", 2**19), ("lots", "error"), ("-1", "error")],
)
def test_backup_rate_option(
    env: Env, monkeypatch: pytest.MonkeyPatch, rate: str | None, paced: object
) -> None:
    from storage import backup as backup_module

    rates: list[float | None] = []

    class Recorded(backup_module.Pace):
        def __init__(self, rate: float | None) -> None:
            rates.append(rate)
            super().__init__(rate)

    monkeypatch.setattr(backup_module, "Pace", Recorded)
    assert add_user() == 0
    target = env.root / "backups"
    args = ["backup", str(target)] + (["--rate", rate] if rate else [])
    if paced == "error":
        with pytest.raises(SystemExit):
            main(args)
        assert not target.exists() and rates == []
        return
    assert main(args) == 0
    assert rates == [paced]
    copy = only_backup(target) / "psm.db"
    assert [tuple(row) for row in query(copy, "PRAGMA integrity_check")] == [("ok",)]
    assert len(users_of(copy)) == 1


def test_one_backup_or_erasure_at_a_time(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.lock import BACKUP_LOCK

    assert add_user() == 0
    target = env.root / "backups"
    with ProcessLock(env.database, suffix=BACKUP_LOCK):  # a backup still copying
        assert main(["backup", str(target)]) == 1
        assert "a backup or an erasure is running" in capsys.readouterr().err
        assert main(["subject", "erase", "3208011234560001", "--yes"]) == 1
        assert "a backup (psm-bot backup) is copying" in capsys.readouterr().err
    assert not target.exists()
    assert main(["backup", str(target)]) == 0  # free again


# -- a failed migration -----------------------------------------------------------------------


def _restart_prevented() -> set[int]:
    """The exit codes the README's systemd unit does not restart on."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if x.startswith("RestartPreventExitStatus=")]
    return {int(code) for code in line.split("=", 1)[1].split()}


@pytest.mark.parametrize("command", [["migrate"], ["run"]])
def test_a_failed_migration_exits_with_a_code_the_service_does_not_restart_on(
    env: Env, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """Review 11b: a migration refused (here: a database newer than the code; a rebuild
    that broke references, a full disk alike) fails the same at every try: the service
    must not run it again every 10 s (at 1M cases a rebuild writes GBs of WAL each time).
    The bot's own start migrates too."""
    env.monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-token")
    with sqlite3.connect(env.database) as raw:
        newer = raw.execute("PRAGMA user_version").fetchone()[0] + 1
        raw.execute(f"PRAGMA user_version = {newer}")
    raw.close()
    capsys.readouterr()
    code = main(command)
    assert_clean_failure(capsys, "newer than this code", "upgrade psm-bot")
    assert code in _restart_prevented() and code != 1, code  # 1: no network, tried again
