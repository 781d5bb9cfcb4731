"""A backup reads one snapshot however slowly it writes, keeps to its pace, copies the media
the bot leaves it, and leaves nothing behind when it is stopped."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from storage import backup as backup_module
from storage.backup import Pace, _copy_database, backup


def _database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
        db.executemany("INSERT INTO users (note) VALUES (?)", [("x" * 1000,)] * rows)
        db.execute("PRAGMA user_version=1")


class Watched(Pace):
    """A pace that lets the test know when the copy is under way, counts the steps and may
    act at one of them."""

    def __init__(self, rate: float | None, at_step: int = 0, action=None) -> None:
        super().__init__(rate)
        self.started = threading.Event()
        self.steps = 0
        self.at_step, self.action = at_step, action

    def wrote(self, size: int, fd: int) -> None:
        self.steps += 1
        self.started.set()
        if self.steps == self.at_step and self.action:
            self.action()
        super().wrote(size, fd)


def test_the_copy_is_the_database_as_the_backup_began(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(backup_module, "FLUSH_BYTES", 256 * 1024)  # many small steps
    source, target = tmp_path / "psm.db", tmp_path / "psm-copy.db"
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
    assert pace.written == os.path.getsize(target)  # what was copied, not whole steps


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pace_holds_the_rate_flushes_and_keeps_no_credit(monkeypatch) -> None:
    flushed: list[int] = []
    clock = Clock()
    monkeypatch.setattr(backup_module, "_flush", flushed.append)
    monkeypatch.setattr(backup_module, "FLUSH_BYTES", 1000)
    monkeypatch.setattr(backup_module.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(backup_module.time, "sleep", clock.sleep)
    pace = Pace(rate=1000.0)
    for _ in range(6):
        pace.wrote(400, 7)
    assert flushed == [7, 7]  # after 1,200 and 2,400 bytes
    assert clock.now == pytest.approx(102.4)  # 2,400 bytes at 1,000 a second
    clock.now += 60  # a minute of something else (the integrity check)
    clock.slept.clear()
    for _ in range(10):
        pace.wrote(400, 7)  # 4,000 bytes more: no burst from the idle minute
    assert clock.now - 162.4 >= 3.0 - 1e-9  # at most one flush's worth (1,000) of credit
    unlimited = Pace(rate=None)
    clock.slept.clear()
    unlimited.wrote(10**9, 7)
    assert clock.slept == []


def _media(root: Path) -> Path:
    media = root / "media"
    (media / "cases" / "1").mkdir(parents=True)
    (media / "cases" / "1" / "a.jpg").write_bytes(os.urandom(3 * 2**20 + 17))
    (media / "cases" / "1" / "b.jpg").write_bytes(b"second photo")
    (media / "empty.txt").write_bytes(b"")
    (media / "tmp").mkdir()
    (media / "tmp" / "chart.png").write_bytes(b"a chart of yesterday")
    return media


def test_a_backup_copies_the_media_but_the_temporary_files(tmp_path: Path) -> None:
    _database(tmp_path / "psm.db", 10)
    media = _media(tmp_path)
    folder = tmp_path / "backups" / "new" / "psm-backup-1"  # folders made as needed
    assert backup(tmp_path / "psm.db", folder, media=media, leave_out=("tmp",), rate=None) == 0
    for name in ("cases/1/a.jpg", "cases/1/b.jpg", "empty.txt"):
        assert (folder / "media" / name).read_bytes() == (media / name).read_bytes()
    assert not (folder / "media" / "tmp").exists()
    with sqlite3.connect(folder / "psm.db") as copy:
        assert copy.execute("SELECT COUNT(*) FROM users").fetchone() == (10,)
    assert backup(tmp_path / "psm.db", tmp_path / "b2", media=tmp_path / "none") == 0
    assert not (tmp_path / "b2" / "media").exists()


def test_a_file_the_bot_removes_meanwhile_is_skipped(tmp_path: Path, monkeypatch) -> None:
    _database(tmp_path / "psm.db", 10)
    media = _media(tmp_path)
    order: list[str] = []
    real_copy = backup_module._copy_file

    def copy_file(src: Path, dst: Path, pace: Pace) -> None:
        order.append(src.name)
        if [name for name in order if name.endswith(".jpg")] == [src.name]:
            # the bot erases the other photo while the first is copied
            other = "b.jpg" if src.name == "a.jpg" else "a.jpg"
            (src.parent / other).unlink(missing_ok=True)
        real_copy(src, dst, pace)

    monkeypatch.setattr(backup_module, "_copy_file", copy_file)
    folder = tmp_path / "psm-backup-1"
    vanished = backup(tmp_path / "psm.db", folder, media=media, rate=None)
    copied = sorted(p.name for p in (folder / "media").rglob("*.*"))
    assert vanished == 1
    assert len(copied) == 3  # the empty file, the chart, one of the two photos


def test_an_interrupted_backup_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(backup_module, "FLUSH_BYTES", 64 * 1024)
    _database(tmp_path / "psm.db", 2_000)

    def ctrl_c() -> None:
        raise KeyboardInterrupt

    class Stopped(Watched):
        def __init__(self, rate: float | None) -> None:
            super().__init__(rate, at_step=3, action=ctrl_c)

    monkeypatch.setattr(backup_module, "Pace", Stopped)
    (tmp_path / "backups").mkdir()  # someone's folder, kept
    folder = tmp_path / "backups" / "new" / "nightly" / "psm-backup-1"
    with pytest.raises(KeyboardInterrupt):
        backup(tmp_path / "psm.db", folder, media=_media(tmp_path), rate=None)
    assert not folder.exists()
    assert not (tmp_path / "backups" / "new").exists()  # the folders made for it are gone
    assert (tmp_path / "backups").is_dir()
    with sqlite3.connect(tmp_path / "psm.db") as db:  # the database itself untouched
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT COUNT(*) FROM users").fetchone() == (2_000,)


def test_an_existing_folder_is_refused_and_kept(tmp_path: Path) -> None:
    _database(tmp_path / "psm.db", 10)
    folder = tmp_path / "psm-backup-1"
    folder.mkdir()
    (folder / "psm.db").write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        backup(tmp_path / "psm.db", folder)
    assert (folder / "psm.db").read_bytes() == b"keep me"


def test_a_copy_that_fails_its_check_is_removed(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "other.db") as db:  # a database, but not ours
        db.execute("CREATE TABLE t (x)")
    folder = tmp_path / "psm-backup-1"
    with pytest.raises(RuntimeError, match="not a psm-bot database"):
        backup(tmp_path / "other.db", folder, rate=None)
    assert not folder.exists()
