"""No stalls: do statistics and a big export stall everyone else's conversation? (issue 8:
p99 <= 50 ms for 200 concurrent users while a 100,000-case export and a chart are produced)

The bot runs in-process (as in bench/steps.py) on a copy of the 1,000,000-case database of
bench/scale.py. 200 PSMs of Kabupaten Kuningan walk case reports at a steady offered load; the
step latency is measured first alone, then while a coordinator asks for `/statistik 365`
again and again (each time after the previous chart arrived and a short pause) and the
server's `psm-bot export` writes 100,000 cases from the same database file.

`/statistik` answers "being prepared" in its turn; the counting runs afterwards on a read-only
connection and the chart is drawn in the render worker process. A stall would show in the
latency from the update reaching Telegram (the fake) to the reply: while a turn holds the
writer, the poller cannot insert new updates into the inbox either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import scale
from bench.case_scale import server_export_command
from bench.common import RESULTS, ROOT, latency_summary, table, write_result
from bench.export import CASES as EXPORT_CASES
from bench.export import since_for
from bench.people import Place, Step, places, say
from bench.stack import running_bot
from bench.steps import Recorder, offered_load, take_step

PEOPLE = 200
RATE = 20.0  # steps/s offered
SECONDS = 15.0
PAUSE = 2.0  # seconds between two /statistik of the coordinator
BACKUP_SECONDS = 600.0  # at most (1.9 GB at 32 MiB/s: about a minute, then the check)
MEDIA_FILES = 2_000  # photos of 200 KB beside the database, for the backup to copy
TELEGRAM_ID_OFFSET = 10_000_000  # bench/scale.py: Telegram id = user id + this
QUEUED = "latency_update_queued_at_telegram_to_reply_handed_to_send"
INSERTED = "latency_inbox_insert_to_reply_handed_to_send"


def _people(path: Path, count: int) -> tuple[list[tuple[int, Place]], int]:
    """Active Kuningan PSMs of the generated database whose desa can be typed, and a
    coordinator of Kuningan (their Telegram ids)."""
    typed = {place.desa_code: place for place in places("32.08")}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT id, desa_code FROM users WHERE role = 'psm' AND status = 'active'"
            " AND kabupaten_code = '32.08' ORDER BY id"
        ).fetchall()
        (coordinator,) = db.execute(
            "SELECT id FROM users WHERE role = 'coordinator' AND status = 'active'"
            " AND kabupaten_code = '32.08' ORDER BY id LIMIT 1"
        ).fetchone()
    chosen = [(uid + TELEGRAM_ID_OFFSET, typed[desa]) for uid, desa in rows if desa in typed]
    random.Random(5).shuffle(chosen)
    return chosen[:count], coordinator + TELEGRAM_ID_OFFSET


async def run_async(*, people: int, rate: float, seconds: float) -> dict[str, Any]:
    scale.ensure_database()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stalls-", dir=RESULTS) as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        shutil.copyfile(scale.DB_PATH, folder / "psm.db")
        _photos(folder / "media" / "cases", MEDIA_FILES)
        # On disk before measuring: else writing back the 1.9 GB copy delays the bot's fsyncs.
        with (folder / "psm.db").open("rb+") as copy:
            os.fsync(copy.fileno())
        os.sync()  # and the photos
        copied = time.perf_counter() - started
        # Two groups of PSMs: the first run leaves reports half done, which would make the
        # second run's /lapor ask about drafts.
        walkers, coordinator_id = _people(folder / "psm.db", 3 * people)
        groups = [walkers[i * people : (i + 1) * people] for i in range(3)]
        async with running_bot(folder, districts="32.08:KNG,35.23:TBN") as stack:
            persons = [stack.hub.person(telegram_id) for telegram_id, _ in groups[0]]
            where = [place for _, place in groups[0]]
            print(f"  {rate:g} steps/s from {len(persons)} PSMs on 1,000,000 cases, alone ...")
            alone = await offered_load(
                stack, persons, where, rate=rate, seconds=seconds, warmup=3.0, serial_base=500_000
            )
            persons = [stack.hub.person(telegram_id) for telegram_id, _ in groups[1]]
            where = [place for _, place in groups[1]]

            coordinator = stack.hub.person(coordinator_id, "Koordinator")
            asked: list[float] = []
            recorder = Recorder()
            # "being prepared", then (from the background job) the text and a chart
            statistik = Step(say("/statistik 365").act, "", replies=3)

            async def keep_asking() -> None:
                while True:
                    begun = time.perf_counter()
                    await take_step(coordinator, statistik, recorder)
                    asked.append(recorder.steps[-1].last_reply - begun)
                    await asyncio.sleep(PAUSE)

            since, exported = since_for(folder / "psm.db", EXPORT_CASES)
            command, env = server_export_command(folder / "psm.db", folder, since)
            print(
                "  ... and with a coordinator asking /statistik 365 over and over while"
                f" psm-bot export writes {exported:,} cases ..."
            )
            export = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            asking = asyncio.create_task(keep_asking())
            try:
                busy = await offered_load(
                    stack,
                    persons,
                    where,
                    rate=rate,
                    seconds=seconds,
                    warmup=3.0,
                    serial_base=900_000,
                )
            finally:
                asking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await asking
                export_running = await _end(export)

            persons = [stack.hub.person(telegram_id) for telegram_id, _ in groups[2]]
            where = [place for _, place in groups[2]]
            print("  ... and while psm-bot backup copies the database ...")
            backup = await asyncio.create_subprocess_exec(
                *backup_command(folder),
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            backing_up_at = time.perf_counter()
            try:
                during_backup = await offered_load(
                    stack,
                    persons,
                    where,
                    rate=rate,
                    seconds=BACKUP_SECONDS,  # all of it: copy, check, media, last fsyncs
                    warmup=3.0,
                    serial_base=1_300_000,
                    until=lambda: backup.returncode is not None,
                )
            finally:
                backup_running = await _end(backup)
                backup_seconds = time.perf_counter() - backing_up_at
    # While a turn holds the writer, the poller cannot insert either: the wait happens before
    # the inbox insert, so the stall shows from the moment the update reached Telegram.
    key = QUEUED
    return {
        "setup": {
            "database": "copy of bench/results/scale.db (1,000,000 cases, 50,000 users)",
            "copy_s": round(copied, 1),
            "people": len(persons),
            "offered_steps_per_s": rate,
            "statistik": "/statistik 365 by a Kuningan coordinator, then a pause of "
            f"{PAUSE:g} s, repeated",
            "export": f"psm-bot export of {exported:,} cases (since {since}) in a child process,"
            " started with the busy phase"
            + (" and still writing when it ended" if export_running else ""),
            "backup": "psm-bot backup of the database (the 1,000,000-case copy) and"
            f" {MEDIA_FILES:,} photos of 200 KB in a child process, started with the third"
            " phase, which lasts until it ends"
            + (
                " and still copying when it ended"
                if backup_running
                else f", done in {backup_seconds:.1f} s"
            ),
        },
        "alone": alone,
        "with_statistik": busy,
        "with_backup": during_backup,
        "statistik_answer_s": latency_summary(asked),
        "targets": {
            "measured_on": key,
            "no_stall_p99_within_20ms_of_alone": busy[key]["p99_ms"] <= alone[key]["p99_ms"] + 20,
            "p99_le_50ms_while_busy": busy[key]["p99_ms"] <= 50,
            "p99_le_50ms_during_backup": during_backup[key]["p99_ms"] <= 50,
        },
    }


def _photos(folder: Path, count: int) -> None:
    """Case photos for the backup to copy (200 KB each, incompressible like JPEGs)."""
    for index in range(count):
        path = folder / str(index % 100) / f"{index}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(200_000))


def backup_command(folder: Path) -> list[str]:
    """`psm-bot backup` into a folder beside the database (same disk, as on a server)."""
    return [sys.executable, "-m", "bot.cli", "backup", str(folder / "backups")]


async def _end(child: asyncio.subprocess.Process) -> bool:
    """Stop a child still running at the end of its phase; True if it was."""
    running = child.returncode is None
    if running:
        child.kill()
    await child.wait()
    return running


def run(*, people: int = PEOPLE, rate: float = RATE, seconds: float = SECONDS) -> dict[str, Any]:
    print("stalls: PSM steps while statistics and an export are produced (1,000,000 cases)")
    result = asyncio.run(run_async(people=people, rate=rate, seconds=seconds))
    rows = []
    for name in ("alone", "with_statistik", "with_backup"):
        for label, key in (("update queued", QUEUED), ("inbox insert", INSERTED)):
            lat = result[name][key]
            rows.append(
                [
                    name,
                    label,
                    str(lat["count"]),
                    f"{lat['p50_ms']:.1f}",
                    f"{lat['p95_ms']:.1f}",
                    f"{lat['p99_ms']:.1f}",
                    f"{lat['max_ms']:.1f}",
                ]
            )
    print()
    print(
        table(
            rows,
            ["PSM steps", "-> reply handed to send, from", "steps", "p50", "p95", "p99", "max ms"],
        )
    )
    answer = result["statistik_answer_s"]
    if answer.get("count"):
        print(
            f"  /statistik 365 answered (text and chart) in p50 {answer['p50_ms']:.0f} ms, "
            f"max {answer['max_ms']:.0f} ms ({answer['count']} times)"
        )
    write_result("stalls", result)
    return result
