"""How often a district's routine reminders go out on a channel (daily unless set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.base import Repo
from storage.models import to_db


@dataclass(frozen=True)
class ReminderSchedule:
    """`weekday` (0 = Monday) is set for weekly reminders."""

    frequency: str  # daily, weekly
    weekday: int | None = None


DAILY = ReminderSchedule("daily")


class DistrictReminderRepo(Repo):
    """district_reminder_schedules; queries take the district, so a coordinator's change
    reaches only their own kabupaten."""

    async def schedule(self, kabupaten_code: str | None, channel: str) -> ReminderSchedule:
        """The district's schedule on a channel (daily when never set)."""
        if not kabupaten_code:
            return DAILY
        row = await self._one(
            "SELECT frequency, weekday FROM district_reminder_schedules"
            " WHERE kabupaten_code = ? AND channel = ?",
            (kabupaten_code, channel),
        )
        return ReminderSchedule(row[0], row[1]) if row else DAILY

    async def set_schedule(
        self,
        kabupaten_code: str,
        channel: str,
        schedule: ReminderSchedule,
        *,
        by: int,
        now: datetime,
    ) -> None:
        await self._run(
            "INSERT INTO district_reminder_schedules (kabupaten_code, channel, frequency,"
            " weekday, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kabupaten_code, channel) DO UPDATE SET frequency = excluded.frequency,"
            " weekday = excluded.weekday, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            (kabupaten_code, channel, schedule.frequency, schedule.weekday, by, to_db(now)),
        )
