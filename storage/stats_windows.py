"""Moving the /statistik windows (migration 0016) to a new local day.

The windows hold the per-day rollups summed over the last 7, 30 and 365 local days ending on
`case_window_end.last_day`; triggers keep them exact while that day lasts. When the local day
changes, `advance` moves the end in the caller's transaction: the days that left a window are
subtracted and the days that entered it (cases submitted after midnight, before the move) are
added, from the day rollups. A jump back in time or longer than a window rebuilds that window.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.stats import DayRollupRepo

# (table, its key columns after span) for the two kinds of windows and their day rollups.
_WINDOWS = (
    ("case_window_counts", "case_day_counts", "kabupaten_code, kecamatan_code, state, category"),
    ("case_window_reporters", "case_day_reporters", "kabupaten_code, reporter_id, kecamatan_code"),
)


class StatsWindowRepo(DayRollupRepo):
    """The rolling windows' end and their moves (writer only)."""

    async def local_day(self, now: datetime) -> date:
        """The day rollups' local date of a moment (their fixed offset, see migration 0015)."""
        return now.astimezone(await self.day_zone()).date()

    async def last_day(self) -> date:
        row = await self._one("SELECT last_day FROM case_window_end WHERE id = 1")
        return date.fromisoformat(row[0])

    async def spans(self) -> tuple[int, ...]:
        return tuple(row[0] for row in await self._all("SELECT span FROM case_window_spans"))

    async def advance(self, now: datetime) -> bool:
        """Make the windows end on today's local date; False when they already did."""
        old, new = await self.last_day(), await self.local_day(now)
        if new == old:
            return False
        for span in await self.spans():
            if old < new and (new - old).days < span:
                length = timedelta(days=span)
                await self._add_days(span, old - length, new - length, -1)  # days that left
                await self._add_days(span, old, new, +1)  # days that entered
            else:
                await self._rebuild(span, new)
        await self._run("UPDATE case_window_end SET last_day = ? WHERE id = 1", (new.isoformat(),))
        for table, _, _ in _WINDOWS:
            await self._run(f"DELETE FROM {table} WHERE cases = 0")
        return True

    async def _add_days(self, span: int, after: date, through: date, sign: int) -> None:
        """Add (sign +1) or subtract (-1) the day rows of the days (after, through]."""
        for window, days, keys in _WINDOWS:
            await self._run(
                f"INSERT INTO {window} (span, {keys}, cases)"
                f" SELECT ?, {keys}, ? * SUM(cases) FROM {days}"
                f" WHERE day > ? AND day <= ? GROUP BY {keys}"
                " ON CONFLICT DO UPDATE SET cases = cases + excluded.cases",
                (span, sign, after.isoformat(), through.isoformat()),
            )

    async def _rebuild(self, span: int, last: date) -> None:
        for window, _, _ in _WINDOWS:
            await self._run(f"DELETE FROM {window} WHERE span = ?", (span,))
        await self._add_days(span, last - timedelta(days=span), last, +1)
