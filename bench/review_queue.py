"""/antrian at scale: the review queue ordered by urgency and age only (as before: all its
states one group) and in `QUEUE_GROUPS` (what waits for the person's own action first), on
the same database.

Seeds N cases (default 200,000, states spread as bench.case_scale does), then times one page
of the queue for a coordinator (kabupaten) and a TKSK (kecamatan), first page and a later one.

    .venv/bin/python -m bench.review_queue [--cases 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.case_scale import create_schema, seed
from bench.common import table, write_result
from handlers.review.queue import PAGE, QUEUE_GROUPS
from storage.db import Database
from storage.models import Role
from storage.scope import Scope


async def measure(path: Path) -> list[dict]:
    database = Database(path)
    await database.open(migrate=False)
    results = []
    cases = [
        (Role.COORDINATOR, Scope(kabupaten_code="32.08")),
        (Role.TKSK, Scope(kecamatan_code="32.08.01")),
    ]
    try:
        for role, scope in cases:
            grouped = QUEUE_GROUPS[role]
            as_before = (tuple(state for group in grouped for state in group),)
            for page in (0, 100):
                for label, groups in (("urgency, age", as_before), ("own action first", grouped)):
                    timings = []
                    for _ in range(5):
                        started = time.perf_counter()
                        async with database.reading() as repos:
                            _, total = await repos.review.queue(
                                scope, groups, limit=PAGE, offset=page * PAGE
                            )
                        timings.append(time.perf_counter() - started)
                    results.append(
                        {
                            "role": role.value,
                            "page": page,
                            "order": label,
                            "queued": total,
                            "median_ms": round(statistics.median(timings) * 1000, 1),
                        }
                    )
    finally:
        await database.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "queue.sqlite3"
        asyncio.run(create_schema(path))
        seed(path, args.cases)
        results = asyncio.run(measure(path))
    rows = [
        (r["role"], str(r["page"]), r["order"], str(r["queued"]), str(r["median_ms"]))
        for r in results
    ]
    print(table(rows, ("role", "page", "order", "queued", "median ms")))
    write_result("review_queue", {"cases": args.cases, "results": results})


if __name__ == "__main__":
    main()
