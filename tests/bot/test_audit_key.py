"""The audit key (the HMAC key of NIKs in the audit log) lives outside the database and its
backups: in `<DATABASE_PATH>.audit-key` (or AUDIT_KEY), made at first start; a key an
earlier version kept in the database is moved out; a lost key file leaves the subject tools
working, saying that older entries cannot be matched any more."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from tests.bot.cli_world import (
    CHILD_NIK,
    OTHER_NIK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.storage.seed_cases import NOW, query

OLD_KEY = "5e" * 32  # what an earlier version had put in channel_state


def _key_file(world: World) -> Path:
    return Path(f"{world.database}.audit-key")


def _ref(key: str, nik: str) -> str:
    return "nik-hmac:" + hmac.new(bytes.fromhex(key), nik.encode(), hashlib.sha256).hexdigest()


def _state(world: World, key: str) -> list[str]:
    rows = query(
        world.database,
        "SELECT value FROM channel_state WHERE channel = 'server' AND key = ?",
        (key,),
    )
    return [row["value"] for row in rows]


def _subjects(world: World, action: str) -> list[str]:
    rows = query(world.database, "SELECT subject FROM audit_log WHERE action = ?", (action,))
    return [row["subject"] for row in rows]


def _database_bytes(world: World) -> bytes:
    return b"".join(
        Path(f"{world.database}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-journal")
        if Path(f"{world.database}{suffix}").exists()
    )


async def _as_an_earlier_version(world: World, key: str) -> None:
    """The key in the database, and a search logged with it, as before this change."""
    db = Database(world.database)
    await db.open()
    try:
        async with db.transaction() as repos:
            await repos.schedule.set_state("server", "audit_key", key)
            await repos.audit.record(
                now=NOW, actor_id=None, action="subject.find", subject=_ref(key, CHILD_NIK)
            )
    finally:
        await db.close()


def test_the_key_is_made_beside_the_database_and_kept(world: World) -> None:
    assert main(["subject", "find", CHILD_NIK]) == 0
    path = _key_file(world)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(bytes.fromhex(key)) == 32
    assert _state(world, "audit_key") == []
    assert key.encode() not in _database_bytes(world)
    assert bytes.fromhex(key) not in _database_bytes(world)
    assert main(["subject", "find", CHILD_NIK]) == 0  # a restart: the same key
    assert path.read_text().strip() == key
    assert _subjects(world, "subject.find") == [_ref(key, CHILD_NIK)] * 2
    assert [p.name for p in path.parent.iterdir() if ".audit-key" in p.name] == [path.name]


def test_a_key_kept_in_the_database_moves_out(world: World) -> None:
    asyncio.run(_as_an_earlier_version(world, OLD_KEY))
    assert OLD_KEY.encode() in _database_bytes(world)  # (what the test looks for is there)
    assert main(["subject", "find", CHILD_NIK]) == 0
    assert _key_file(world).read_text().strip() == OLD_KEY
    assert _state(world, "audit_key") == []
    assert OLD_KEY.encode() not in _database_bytes(world)  # zeroed, also in the WAL
    # Entries made before the move and after it name the same person.
    assert _subjects(world, "subject.find") == [_ref(OLD_KEY, CHILD_NIK)] * 2


def test_a_move_cut_short_after_the_file_was_written_finishes(world: World) -> None:
    asyncio.run(_as_an_earlier_version(world, OLD_KEY))
    _key_file(world).write_text(OLD_KEY + "\n")  # then the process died
    assert main(["subject", "find", CHILD_NIK]) == 0
    assert _state(world, "audit_key") == []
    assert _key_file(world).read_text().strip() == OLD_KEY
    assert _subjects(world, "subject.find") == [_ref(OLD_KEY, CHILD_NIK)] * 2


def test_another_key_in_the_file_leaves_both_alone(world: World, capsys) -> None:
    asyncio.run(_as_an_earlier_version(world, OLD_KEY))
    other = "a1" * 32
    _key_file(world).write_text(other + "\n")
    assert main(["subject", "find", CHILD_NIK]) == 2
    error = capsys.readouterr().err
    assert "AUDIT_KEY_FILE: not the audit key this database holds" in error
    assert f"move {_key_file(world)} away" in error
    assert OLD_KEY not in error and other not in error
    assert _state(world, "audit_key") == [OLD_KEY]
    assert _key_file(world).read_text().strip() == other


def test_a_backup_holds_no_key_and_a_restore_leaves_it(world: World, capsys) -> None:
    asyncio.run(_as_an_earlier_version(world, OLD_KEY))
    assert main(["subject", "find", CHILD_NIK]) == 0  # the key moved out
    backups = world.root / "backups"
    assert main(["backup", str(backups)]) == 0
    (folder,) = backups.iterdir()
    copied = [path for path in folder.rglob("*") if path.is_file()]
    assert folder / "psm.db" in copied
    for path in copied:
        assert OLD_KEY.encode() not in path.read_bytes(), path
        assert bytes.fromhex(OLD_KEY) not in path.read_bytes(), path
    assert main(["restore", str(folder)]) == 0
    assert _key_file(world).read_text().strip() == OLD_KEY
    capsys.readouterr()
    assert main(["subject", "find", CHILD_NIK]) == 0
    assert "audit key was replaced" not in capsys.readouterr().out
    assert _subjects(world, "subject.find") == [_ref(OLD_KEY, CHILD_NIK)] * 3


@pytest.mark.parametrize("command", [["migrate"], ["subject", "find", CHILD_NIK]])
def test_a_lost_key_file_stops_the_start_rather_than_make_a_new_one(
    world: World, capsys, command: list[str]
) -> None:
    """Review 15: the database moved (DATABASE_PATH changed, the default key name with it) and
    a new key was made unseen; the old entries were no longer matched to a NIK."""
    assert main(["subject", "find", CHILD_NIK]) == 0
    _key_file(world).unlink()
    capsys.readouterr()
    assert main(command) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error  # one line
    assert f"no audit key at {_key_file(world)}, but this database was used with one" in error
    assert "put the key file back there" in error and "psm-bot audit-key new" in error
    assert not _key_file(world).exists()
    assert _subjects(world, "audit.key_replaced") == []


def test_a_key_file_not_readable_by_the_bot_user_is_one_line(world: World, capsys) -> None:
    """Made by root (`sudo psm-bot migrate`), the key file cannot be read by the bot's user:
    one line naming the file and what to do, not a traceback (the tests run as root: the
    refusal is the operating system's, simulated)."""
    assert main(["subject", "find", CHILD_NIK]) == 0
    key_file, read_text = _key_file(world), Path.read_text

    def refused(path: Path, *args, **kwargs) -> str:
        if path == key_file:
            raise PermissionError(13, "Permission denied", str(path))
        return read_text(path, *args, **kwargs)

    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_text", refused)
        assert main(["subject", "find", CHILD_NIK]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "Traceback" not in error, error
    assert f"AUDIT_KEY_FILE: {key_file} cannot be read by" in error
    assert "sudo chown" in error and str(key_file) in error


def test_a_new_key_is_made_knowingly_and_erasure_still_works(world: World, capsys) -> None:
    assert main(["subject", "find", CHILD_NIK]) == 0
    lost = _key_file(world).read_text().strip()
    _key_file(world).unlink()
    assert main(["audit-key", "new"]) == 0
    assert f"new audit key written to {_key_file(world)}" in capsys.readouterr().out
    assert main(["audit-key", "new"]) == 2  # one there: never over it
    assert "there is an audit key at" in capsys.readouterr().err
    assert main(["subject", "find", CHILD_NIK]) == 0
    out = capsys.readouterr().out
    assert "note: the audit key was replaced on" in out and "Ayu Lestari" in out
    new = _key_file(world).read_text().strip()
    assert new != lost
    (replaced,) = query(
        world.database, "SELECT * FROM audit_log WHERE action = 'audit.key_replaced'"
    )
    detail = json.loads(replaced["detail"])
    assert replaced["subject"] == "audit-key" and detail["from"] != detail["to"]
    assert lost not in json.dumps(detail) and new not in json.dumps(detail)
    assert main(["subject", "erase", CHILD_NIK, "--yes"]) == 0
    captured = capsys.readouterr()
    assert "erased: 2 person record(s)" in captured.out
    assert "cannot be matched to this NIK" in captured.err
    assert (
        query(world.database, "SELECT 1 FROM household_members WHERE nik = ?", (CHILD_NIK,)) == []
    )
    assert _subjects(world, "subject.find") == [_ref(lost, CHILD_NIK), _ref(new, CHILD_NIK)]
    assert _subjects(world, "subject.erase") == [_ref(new, CHILD_NIK)]
    assert len(_subjects(world, "audit.key_replaced")) == 1  # said once, in the log


def test_a_key_given_in_the_environment(world: World, monkeypatch, capsys) -> None:
    key = "C0" * 32
    monkeypatch.setenv("AUDIT_KEY", key)
    assert main(["subject", "find", OTHER_NIK]) == 0
    assert main(["audit-key", "new"]) == 2  # given there: no file to make
    assert "AUDIT_KEY is set" in capsys.readouterr().err
    assert not _key_file(world).exists()
    assert _subjects(world, "subject.find") == [_ref(key.lower(), OTHER_NIK)]
    assert _state(world, "audit_key") == []


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("AUDIT_KEY", "12345", "AUDIT_KEY: expected 64 hex digits"),
        ("AUDIT_KEY_FILE", "data/media/key", "is inside MEDIA_PATH"),
        ("AUDIT_KEY_FILE", "broken-key", "does not hold an audit key"),
    ],
)
def test_a_wrong_key_setting_stops_with_one_line(
    world: World, monkeypatch, capsys, setting: str, value: str, error: str
) -> None:
    (world.root / "broken-key").write_text("not a key\n")
    monkeypatch.setenv(setting, value)
    assert main(["subject", "find", OTHER_NIK]) == 2
    assert error in capsys.readouterr().err
    assert _subjects(world, "subject.find") == []
    assert not (world.media / "key").exists()


def test_the_key_file_is_the_owners_alone_whatever_the_umask(world: World) -> None:
    previous = os.umask(0)
    try:
        from bot.audit_key import read_or_create

        path = world.root / "keys" / "psm.db.audit-key"
        assert read_or_create(path, "0f" * 32) == "0f" * 32
        assert read_or_create(path, "aa" * 32) == "0f" * 32  # made once, then kept
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_running_bot_leaves_no_copy_of_the_moved_key_in_its_files(world: World) -> None:
    """The bot keeps its database open for days: the page that held the key is folded into
    the file at once (a disk snapshot or a plain copy of the file holds no key either)."""
    from bot.config import load_settings
    from bot.runtime import prepare_database

    asyncio.run(_as_an_earlier_version(world, OLD_KEY))

    async def start_and_look() -> bytes:
        db, app = await prepare_database(load_settings())
        try:
            assert app.audit_key == bytes.fromhex(OLD_KEY)
            return _database_bytes(world)  # while its connections are open
        finally:
            await db.close()

    assert OLD_KEY.encode() not in asyncio.run(start_and_look())
