"""Statistics and exports at a million cases.

Seeds N cases (default 1,000,000: five years of two districts, ~550 a day over every desa)
straight into a database file at the latest schema, then measures:

1. `/statistik` counts (storage.stats) for a coordinator (7, 30, 365 days), a TKSK and an
   admin (365 days): the covering indexes of migration 0005 read only the period's range.
2. The chat export (/ekspor) at its cap, CHAT_EXPORT_MAX_ROWS rows, masked.
3. `psm-bot export` of 100,000 rows in a child process: wall time and peak memory (RSS).

    .venv/bin/python -m bench.case_scale [--cases 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import ROOT, table, write_result
from bench.memory import TreeMemory
from bot.region_files import load_regions
from handlers.export import CHAT_EXPORT_MAX_ROWS
from handlers.export_sheet import SheetWriter, write_export
from handlers.i18n import Catalog
from storage.db import Database
from storage.person_names import person_key
from storage.scope import Scope

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Jakarta")
STATES = ["submitted", "verified", "approved", "in_follow_up", "resolved", "rejected"]
CATEGORIES = ["stunting", "anak_tidak_sekolah", "rtlh", "fakir_miskin", "lansia_telantar", "odgj"]


async def create_schema(path: Path) -> None:
    database = Database(path)
    await database.open()
    async with database.transaction() as repos:
        await repos.regions.sync(load_regions())
    await database.close()


def seed(path: Path, count: int) -> None:
    """Households, one member each, cases over five years by the desa's PSM, one or two
    categories."""
    desas = [r for r in load_regions() if r.level == "desa"]
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    users = {}  # one PSM per desa reports its cases
    for index, desa in enumerate(desas):
        kecamatan = desa.parent_code
        kabupaten = kecamatan.rsplit(".", 1)[0]
        cursor = conn.execute(
            "INSERT INTO users (full_name, role, status, kabupaten_code, kecamatan_code,"
            " desa_code, created_at, updated_at) VALUES (?, 'psm', 'active', ?, ?, ?, ?, ?)",
            (f"PSM {index}", kabupaten, kecamatan, desa.code, NOW.isoformat(), NOW.isoformat()),
        )
        users[desa.code] = cursor.lastrowid
    span = 5 * 365 * 24 * 3600
    batch = 20000
    for start in range(0, count, batch):
        households, members, cases, subjects, categories = [], [], [], [], []
        for i in range(start, min(start + batch, count)):
            case_id = i + 1
            desa = desas[rng.randrange(len(desas))]
            kecamatan = desa.parent_code
            kabupaten = kecamatan.rsplit(".", 1)[0]
            at = (NOW - timedelta(seconds=rng.randrange(span))).isoformat(timespec="microseconds")
            nik = f"{kecamatan.replace('.', '')}{rng.randrange(10**10):010d}"
            households.append(
                (
                    case_id,
                    kabupaten,
                    kecamatan,
                    desa.code,
                    nik,
                    "Kepala",
                    person_key("Kepala"),
                    "RT 01 RW 02",
                    at,
                    at,
                )
            )
            members.append((case_id, case_id, nik, "Anggota", "anggota", "L", at))
            cases.append(
                (
                    case_id,
                    f"X-{case_id:08d}",
                    kabupaten,
                    kecamatan,
                    desa.code,
                    case_id,
                    users[desa.code],
                    rng.choice(STATES),
                    at,
                    at,
                )
            )
            subjects.append((case_id, case_id))
            for code in rng.sample(CATEGORIES, rng.choice((1, 1, 2))):
                categories.append((case_id, code))
        conn.executemany(
            "INSERT INTO households (id, kabupaten_code, kecamatan_code, desa_code, no_kk,"
            " head_name, head_key, address, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            households,
        )
        conn.executemany(
            "INSERT INTO household_members (id, household_id, nik, name, name_key, sex,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            members,
        )
        conn.executemany(
            "INSERT INTO cases (id, number, kabupaten_code, kecamatan_code, desa_code,"
            " household_id, reporter_id, state, urgency, form_version, submitted_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'biasa', 1, ?, ?)",
            cases,
        )
        conn.executemany("INSERT INTO case_subjects VALUES (?, ?)", subjects)
        conn.executemany("INSERT INTO case_categories VALUES (?, ?)", categories)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def local_start(days: int) -> datetime:
    today = NOW.astimezone(ZONE).date()
    first = today - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=ZONE).astimezone(UTC)


async def measure_stats(path: Path) -> list[dict]:
    database = Database(path)
    await database.open(migrate=False)
    results = []
    scopes = [
        ("coordinator", Scope(kabupaten_code="32.08"), 7),
        ("coordinator", Scope(kabupaten_code="32.08"), 30),
        ("coordinator", Scope(kabupaten_code="32.08"), 365),
        ("tksk", Scope(kecamatan_code="32.08.01"), 365),
        ("admin", Scope(everything=True), 365),
    ]
    try:
        for role, scope, days in scopes:
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                async with database.reading() as repos:
                    counts = await repos.stats.counts(scope, since=local_start(days), until=NOW)
                timings.append(time.perf_counter() - started)
            results.append(
                {
                    "role": role,
                    "days": days,
                    "cases_counted": counts.total,
                    "median_ms": round(statistics.median(timings) * 1000, 1),
                }
            )
    finally:
        await database.close()
    return results


async def measure_chat_export(path: Path, folder: Path) -> dict:
    database = Database(path)
    await database.open(migrate=False)
    try:
        started = time.perf_counter()
        writer = await asyncio.to_thread(
            SheetWriter,
            folder / "chat.xlsx",
            catalog=Catalog.load(),
            language="id",
            timezone=ZONE,
        )
        async with database.reading() as repos:
            rows, truncated = await write_export(
                writer,
                repos.exports.rows(
                    Scope(kabupaten_code="32.08"),
                    since=local_start(365),
                    limit=CHAT_EXPORT_MAX_ROWS + 1,
                    newest_first=True,  # as /ekspor reads them
                ),
                limit=CHAT_EXPORT_MAX_ROWS,
            )
        await asyncio.to_thread(writer.close, [])
        seconds = time.perf_counter() - started
    finally:
        await database.close()
    return {"rows": rows, "truncated": truncated, "seconds": round(seconds, 2)}


def server_export_command(path: Path, folder: Path, since: str) -> tuple[list[str], dict]:
    """`psm-bot export` of Kuningan's cases since a local date (unmasked), and its environment."""
    env = {
        **os.environ,
        "DATABASE_PATH": str(path),
        "MEDIA_PATH": str(folder / "media"),
        "DISTRICTS": "32.08:KNG,35.23:TBN",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot.cli", "export", str(folder / "server.xlsx"),
               "--kabupaten", "32.08", "--since", since, "--unmasked"]  # fmt: skip
    return command, env


def measure_server_export(path: Path, folder: Path, since: str) -> dict:
    command, env = server_export_command(path, folder, since)
    out = folder / "server.xlsx"
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    with TreeMemory(child.pid) as memory:
        output = child.stdout.read() if child.stdout else ""
        # This child's own peak, or its writer's (RUSAGE_CHILDREN: the largest child so far).
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, command, output)
    return {
        "output": output.strip(),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # Both processes at once, and XlsxWriter's temporary files when they are in memory.
        "peak_rss_both_mb": round(memory.peak_rss / 2**20, 1),
        "peak_files_in_memory_mb": round(memory.peak_files / 2**20, 1),
        "peak_memory_mb": round((memory.peak_rss + memory.peak_files) / 2**20, 1),
        "file_mb": round(out.stat().st_size / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--since", default="2026-01-01", help="server export start (~100k rows)")
    parser.add_argument("--database", help="keep (or reuse) the seeded database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = Path(args.database) if args.database else folder / "psm.db"
        if not path.exists():
            asyncio.run(create_schema(path))
            started = time.perf_counter()
            seed(path, args.cases)
            seeded = time.perf_counter() - started
            print(f"seeded {args.cases} cases in {seeded:.0f} s")
        print(f"database: {path.stat().st_size / 2**20:.0f} MB")
        stats = asyncio.run(measure_stats(path))
        print(table(
            [(s["role"], s["days"], s["cases_counted"], s["median_ms"]) for s in stats],
            ("scope", "days", "cases", "median ms"),
        ))  # fmt: skip
        chat = asyncio.run(measure_chat_export(path, folder))
        print(f"chat export: {chat}")
        server = measure_server_export(path, folder, args.since)
        print(f"server export: {server}")
        write_result(
            "case_scale",
            {"cases": args.cases, "stats": stats, "chat_export": chat, "server_export": server},
        )


if __name__ == "__main__":
    main()
