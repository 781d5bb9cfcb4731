"""Export: 100,000 cases to `.xlsx` (issue 8, target <= 20 s and peak RSS <= 300 MB).

Runs the product's server export (`python -m bot.cli export`, unmasked, the standard layout)
as a child process on a copy of the 1,000,000-case database of bench/scale.py, from the local
date that gives at least 100,000 cases of Kabupaten Kuningan, and reports wall time, the
peak RSS (of the export's process, and of it and its workbook writer together, sampled), the
temporary files it keeps in memory (/dev/shm) and the file size. (bench/case_scale.py also
times the capped chat export.)
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import scale
from bench.case_scale import measure_server_export
from bench.common import write_result

KABUPATEN = "32.08"
CASES = 100_000
WIB = timedelta(hours=7)


def since_for(path: Path, cases: int) -> tuple[str, int]:
    """The local date from which the district has at least `cases` cases, and how many."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        (moment,) = db.execute(
            "SELECT submitted_at FROM cases WHERE kabupaten_code = ?"
            " ORDER BY submitted_at DESC LIMIT 1 OFFSET ?",
            (KABUPATEN, cases - 1),
        ).fetchone()
        day = (datetime.fromisoformat(moment) + WIB).date()
        first = (datetime.combine(day, datetime.min.time()) - WIB).isoformat()
        (counted,) = db.execute(
            "SELECT COUNT(*) FROM cases WHERE kabupaten_code = ? AND submitted_at >= ?",
            (KABUPATEN, first),
        ).fetchone()
    return day.isoformat(), counted


def run() -> dict[str, Any]:
    scale.ensure_database()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        path = folder / "psm.db"
        shutil.copyfile(scale.DB_PATH, path)
        print(f"  copied the 1,000,000-case database in {time.perf_counter() - started:.0f} s")
        since, cases = since_for(path, CASES)
        print(f"  exporting {cases:,} cases of {KABUPATEN} reported since {since} ...")
        server = measure_server_export(path, folder, since)
    print(
        f"  {server['output']}\n  {server['seconds']} s, peak RSS {server['peak_rss_mb']} MB"
        f" (both processes at once {server['peak_rss_both_mb']} MB, temporary files in memory"
        f" {server['peak_files_in_memory_mb']} MB), file {server['file_mb']} MB"
    )
    result = {
        "what": "psm-bot export (server, standard layout, unmasked) in a child process",
        "kabupaten": KABUPATEN,
        "since": since,
        "cases": cases,
        **server,
        "targets": {
            "seconds_le_20": server["seconds"] <= 20,
            # Both processes at once; and with XlsxWriter's temporary files in memory counted
            # as what they are (memory), which RSS does not show.
            "peak_rss_le_300mb": server["peak_rss_both_mb"] <= 300,
            "peak_memory_with_files_le_300mb": server["peak_memory_mb"] <= 300,
        },
    }
    write_result("export", result)
    return result
