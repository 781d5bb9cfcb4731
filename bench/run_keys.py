"""Forgetting the scheduler's keys (`handlers.run_keys`, in housekeeping at every tick): the
time of housekeeping's key purge a tick, and of each of its statements (the writer's longest
hold), on a new database holding DAYS days of daily-reminder keys of PEOPLE people (as an
old database without the purge does; a bot with it holds 3 days): first while the backlog
goes, then, once it has gone, a tick with nothing to forget.

    .venv/bin/python -m bench.run_keys [--people 50000] [--days 31]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import RESULTS, table, write_result
from handlers import run_keys
from storage.db import Database
from storage.schedule import ScheduleRepo

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 17:00 WIB, after the day's reminders


async def measure(path: Path, people: int, days: int) -> dict[str, float | int]:
    db = Database(path)
    await db.open()
    try:
        async with db.transaction() as repos:
            for back in range(days):
                moment = NOW - timedelta(days=back, hours=1)
                day = moment.date().isoformat()
                await repos.schedule._run(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                    " INSERT INTO scheduled_runs (kind, run_key, ran_at)"
                    " SELECT 'daily_reminder', i || ':' || ?, ? FROM n",
                    (people, day, moment.isoformat()),
                )
        statement_ms: list[float] = []
        forget = ScheduleRepo.forget

        async def timed(self: ScheduleRepo, kind: str, before: datetime, limit: int) -> int:
            started = time.perf_counter()
            gone = await forget(self, kind, before, limit)
            if gone:  # a statement that deleted: how long it held the writer
                statement_ms.append((time.perf_counter() - started) * 1000)
            return gone

        ScheduleRepo.forget = timed  # type: ignore[method-assign]
        ticks: list[float] = []
        forgotten = 0
        while True:
            started = time.perf_counter()
            async with db.transaction() as repos:
                gone = await run_keys.forget_old_run_keys(repos, NOW)
            ticks.append((time.perf_counter() - started) * 1000)
            forgotten += gone
            if not gone:
                break
        ScheduleRepo.forget = forget  # type: ignore[method-assign]
    finally:
        await db.close()
    return {
        "keys_forgotten": forgotten,
        "backlog_ticks": len(ticks) - 1,
        "backlog_tick_median_ms": round(statistics.median(ticks[:-1]), 1) if ticks[1:] else 0,
        "statement_median_ms": round(statistics.median(statement_ms), 1),
        "statement_max_ms": round(max(statement_ms), 1),
        "idle_tick_ms": round(ticks[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-keys-", dir=RESULTS) as scratch:
        result = asyncio.run(measure(Path(scratch) / "psm.db", args.people, args.days))
    print(table([[name, str(value)] for name, value in result.items()], ["figure", "value"]))
    write_result("run_keys", {"people": args.people, "days": args.days, **result})


if __name__ == "__main__":
    main()
