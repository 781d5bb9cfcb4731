"""Quiet hours (default 21:00-06:00 local): routine messages wait for the morning;
darurat alerts never wait."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from handlers.context import AppContext


def in_quiet_hours(app: AppContext, moment: datetime) -> bool:
    """Whether a moment falls in the local quiet hours."""
    return is_quiet_time(app, app.local_time(moment).time())


def is_quiet_time(app: AppContext, clock: time) -> bool:
    """Whether a local time of day falls in the quiet hours."""
    start, end = app.quiet_start, app.quiet_end
    if start > end:  # across midnight
        return clock >= start or clock < end
    return start <= clock < end


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
