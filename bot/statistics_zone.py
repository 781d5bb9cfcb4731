"""At start-up the /statistik rollups are made to count the local days of TIMEZONE.

They take days with one fixed UTC offset (`case_day_offset`, migration 0015: +07:00, WIB,
when made). A deployment in WITA (Asia/Makassar, +08:00) or WIT (Asia/Jayapura, +09:00)
would get exact but slow statistics (its rolling windows never end on its today), so when
the zone's offset now differs from theirs, the rollups are refilled in it
(storage/day_offset.py). Indonesia has no daylight saving time; a zone that has it is
accepted with a warning: the rollups take its offset at each start, so the statistics stay
exact, only slower while the clocks are changed until the next start.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.db import Database

log = logging.getLogger(__name__)

A_YEAR = 366  # days looked ahead for a change of the zone's offset


def offset_minutes(zone: ZoneInfo, now: datetime) -> int:
    """The zone's UTC offset at `now`, in minutes."""
    offset = now.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return int(offset.total_seconds()) // 60


def changes_offset(zone: ZoneInfo, now: datetime) -> bool:
    """Whether the zone's offset changes within a year from `now` (daylight saving time)."""
    first = offset_minutes(zone, now)
    return any(offset_minutes(zone, now + timedelta(days=day)) != first for day in range(1, A_YEAR))


def _utc(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


async def follow_time_zone(db: Database, zone: ZoneInfo, now: datetime) -> bool:
    """Make the rollups count local days in `zone`'s offset at `now`, in one transaction;
    True when they were refilled, False when they already did."""
    minutes = offset_minutes(zone, now)
    if changes_offset(zone, now):
        log.warning(
            "TIMEZONE %s changes its UTC offset during the year (daylight saving time):"
            " statistics count local days with one offset, %s now; they stay exact, but"
            " are slower after the clocks change, until the bot is started again",
            zone.key,
            _utc(minutes),
        )
    started = time.monotonic()
    async with db.transaction(in_place=False) as repos:  # long for many cases: off the loop
        before = await repos.day_offset.minutes()
        moved = await repos.day_offset.move_to(minutes, now)
    if moved:
        log.info(
            "statistics now count local days in %s (TIMEZONE %s, was %s): rollups refilled"
            " in %.1f s",
            _utc(minutes),
            zone.key,
            _utc(before),
            time.monotonic() - started,
        )
    return moved
