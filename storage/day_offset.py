"""Moving the /statistik rollups to another fixed UTC offset (`case_day_offset`, migration
0015): the per-day rollups are filled again from the cases in the new local days, and the
rolling windows (migration 0016) from them, ending on today in that offset. The fill of the
migrations, as storage/rollup_fills.py keeps it, in the caller's transaction: a crash half-way
leaves the old offset with its rollups, whole."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storage import rollup_fills
from storage.stats import DayRollupRepo

# Emptied before the refill; the windows first, so no trigger passes a day row on to them.
_ROLLUP_TABLES = (
    "case_window_counts",
    "case_window_reporters",
    "case_day_counts",
    "case_day_reporters",
)


class DayOffsetRepo(DayRollupRepo):
    """The rollups' offset and its change (writer only)."""

    async def minutes(self) -> int:
        """The rollups' offset: local time = UTC + this many minutes."""
        row = await self._one("SELECT minutes FROM case_day_offset WHERE id = 1")
        return int(row[0])

    async def move_to(self, minutes: int, now: datetime) -> bool:
        """Count local days at UTC + `minutes` from now on, the windows ending on `now`'s
        date in that offset; False (and nothing written) when the rollups already do."""
        if await self.minutes() == minutes:
            return False
        # With no end, no day lies in a window: the triggers of migration 0016 pass none of
        # the day rows deleted and refilled below on to the windows, which are summed once.
        await self._run("UPDATE case_window_end SET last_day = '' WHERE id = 1")
        for table in _ROLLUP_TABLES:
            await self._run(f"DELETE FROM {table}")
        await self._run("UPDATE case_day_offset SET minutes = ? WHERE id = 1", (minutes,))
        for statement in rollup_fills.DAY_ROLLUPS:
            await self._run(statement)
        today = now.astimezone(timezone(timedelta(minutes=minutes))).date()
        await self._run(
            "UPDATE case_window_end SET last_day = ? WHERE id = 1", (today.isoformat(),)
        )
        for statement in rollup_fills.WINDOWS:
            await self._run(statement)
        return True
