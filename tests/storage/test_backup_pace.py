"""A backup reads one snapshot however slowly it writes, forces its pages to disk as it goes,
and keeps to its pace."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from storage import backup
from storage.backup import Pace, _copy_database, _copy_media


def _database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
        db.executemany("INSERT INTO users (note) VALUES (?)", [("x" * 1000,)] * rows)
        db.execute("PRAGMA user_version=1")


class Watched(Pace):
    """A pace that lets the test know when the copy is under way, and counts the steps."""

    def __init__(self, rate: float | None) -> None:
        super().__init__(rate)
        self.started = threading.Event()
        self.steps = 0

    def wrote(self, size: int, fd: int) -> None:
        self.steps += 1
        self.started.set()
        super().wrote(size, fd)


def test_the_copy_is_the_database_as_the_backup_began(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(backup, "FLUSH_BYTES", 256 * 1024)  # many small steps
    source, target = tmp_path / "psm.db", tmp_path / "copy" / "psm.db"
    _database(source, 8_000)  # some 9 MB: 35 steps of 256 KiB
    pace = Watched(rate=8 * 2**20)  # over a second: the writer below gets to write meanwhile
    done = threading.Event()
    written = 0

    def keep_writing() -> None:
        nonlocal written
        pace.started.wait(10)
        with sqlite3.connect(source, timeout=5) as db:
            while not done.is_set() and written < 300:  # a copy that restarts ends too
                db.execute("INSERT INTO users (note) VALUES ('later')")
                db.commit()
                written += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        _copy_database(source, target, pace)
    finally:
        done.set()
        writer.join()
    assert written > 10  # the bot's writes went on during the copy
    with sqlite3.connect(source) as db:
        assert db.execute("SELECT COUNT(*) FROM users").fetchone() == (8_000 + written,)
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT COUNT(*) FROM users").fetchone() == (8_000,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    pages = os.path.getsize(source) // 4096
    assert pace.steps <= pages // 64 + 2  # never started over


def test_the_pace_holds_the_rate_and_flushes(tmp_path: Path, monkeypatch) -> None:
    flushed: list[int] = []
    monkeypatch.setattr(backup, "_flush", flushed.append)
    monkeypatch.setattr(backup, "FLUSH_BYTES", 1000)
    slept: list[float] = []
    monkeypatch.setattr(backup.time, "sleep", slept.append)
    pace = Pace(rate=1000.0)
    for _ in range(6):
        pace.wrote(400, 7)
    assert flushed == [7, 7]  # after 1,200 and 2,400 bytes
    assert slept and max(slept) > 2  # 2,400 bytes at 1,000 a second: about 2.4 s ahead
    unlimited = Pace(rate=None)
    slept.clear()
    unlimited.wrote(10**9, 7)
    assert slept == []


def test_media_copied_whole(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "cases" / "1").mkdir(parents=True)
    photo = os.urandom(3 * 2**20 + 17)
    (media / "cases" / "1" / "a.jpg").write_bytes(photo)
    (media / "empty.txt").write_bytes(b"")
    _copy_media(media, tmp_path / "copy", Pace(rate=None))
    assert (tmp_path / "copy" / "cases" / "1" / "a.jpg").read_bytes() == photo
    assert (tmp_path / "copy" / "empty.txt").read_bytes() == b""
    _copy_media(tmp_path / "no-media", tmp_path / "copy2", Pace(rate=None))
    assert not (tmp_path / "copy2").exists()


@pytest.mark.parametrize("rate", [None, 64 * 2**20])
def test_an_existing_target_is_refused(tmp_path: Path, rate: float | None) -> None:
    source, target = tmp_path / "psm.db", tmp_path / "old.db"
    _database(source, 10)
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        _copy_database(source, target, Pace(rate))
    assert target.read_bytes() == b"keep me"
