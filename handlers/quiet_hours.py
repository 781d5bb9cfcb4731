"""Quiet hours (default 21:00-06:00 local): routine messages wait for the morning;
darurat alerts never wait. A message of the day meant for an hour inside them (a daily
reminder, a digest, a training's eve) still goes out that day (`sending_time`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Protocol

from handlers.context import AppContext

LAST_CALL = timedelta(minutes=30)  # before evening quiet hours: the day's last chance


class QuietHours(Protocol):
    """What knows the quiet hours: the AppContext, the settings (bot/config.py)."""

    @property
    def quiet_start(self) -> time: ...

    @property
    def quiet_end(self) -> time: ...


def in_quiet_hours(app: AppContext, moment: datetime) -> bool:
    """Whether a moment falls in the local quiet hours."""
    return is_quiet_time(app, app.local_time(moment).time())


def is_quiet_time(quiet: QuietHours, clock: time) -> bool:
    """Whether a local time of day falls in the quiet hours."""
    start, end = quiet.quiet_start, quiet.quiet_end
    if start > end:  # across midnight
        return clock >= start or clock < end
    return start <= clock < end


def last_call(quiet: QuietHours) -> time | None:
    """Half an hour before quiet hours that run across midnight: a message of the day meant
    for an hour in their evening goes out then, as after them the day is over (it would wait
    for the next day's hour, in them again: never). None for quiet hours that end the day they
    begin: an hour in them comes when they end, the same day."""
    start = quiet.quiet_start
    call = (datetime.combine(date(2000, 1, 2), start) - LAST_CALL).time()
    return call if start > quiet.quiet_end and call < start else None


def sending_time(quiet: QuietHours, hour: time) -> time:
    """When a message of the day meant for a local `hour` goes out: at the hour; at the
    `last_call` for an hour in the evening's quiet hours; when they end for one in the
    morning's (the scheduler kinds send nothing in them)."""
    call = last_call(quiet)
    if call is not None and hour >= quiet.quiet_start:
        return call
    return quiet.quiet_end if is_quiet_time(quiet, hour) else hour


def called_hours(quiet: QuietHours, clock: time) -> time | None:
    """From which hour on every hour of the day has had its `last_call` at `clock`: the start
    of the quiet hours once their last call has come, else None (`sending_time`'s rule, for
    a query asking whose hour has come)."""
    call = last_call(quiet)
    return quiet.quiet_start if call is not None and call <= clock < quiet.quiet_start else None


def next_allowed(app: AppContext, moment: datetime) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(app, moment):
        return moment
    local = app.local_time(moment)
    morning = local.replace(
        hour=app.quiet_end.hour, minute=app.quiet_end.minute, second=0, microsecond=0
    )
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(moment.tzinfo)
