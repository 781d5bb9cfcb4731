"""Training reminders: on the morning of each training day, to those coming or not yet
answering (a scheduler kind, once per person per day, never in the quiet hours); the mention
the day before is a line of the daily reminder (handlers/reminders.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import AppContext
from handlers.delivery import DeliveryKind, Topic, deliver
from handlers.events import Outbound
from handlers.quiet_hours import in_quiet_hours
from handlers.trainings.common import (
    checkin_opens,
    clock_time,
    day_line,
    local_day_bounds,
    summary_of,
)
from storage.models import User
from storage.repos import Repos


async def morning_reminders(repos: Repos, app: AppContext, now: datetime) -> None:
    """Scheduler kind `training_reminders`: the first tick after the quiet hours of a day."""
    if in_quiet_hours(app, now):
        return
    start, end = local_day_bounds(app, app.local_date(now))
    for training, day in await repos.trainings.days_starting(start=start, end=end):
        if now >= day.ends_at:
            continue
        for user_id in await repos.trainings.to_remind(training.id, day.id):
            # The day's start is in the key: a rescheduled day keeps its id.
            key = f"{day.id}:{day.starts_at.timestamp():.0f}:{user_id}"
            if await _sent_before_the_key_held_the_start(repos, app, day.id, user_id, now):
                continue
            if not await repos.schedule.claim("training_morning", key, now=now):
                continue
            user = await repos.users.get(user_id)
            language = user.language if user else app.default_language
            text = app.catalog.text(
                language,
                "training.morning",
                title=training.title,
                day=day_line(app, language, day),
                venue=training.venue_name,
                opens=clock_time(app, checkin_opens(training, day)),
            )
            await deliver(
                repos,
                user_id=user_id,
                message=Outbound(text=text, summary=summary_of(app, language, training)),
                kind=DeliveryKind.ROUTINE,
                now=now,
                topic=Topic.TRAINING,
            )


async def _sent_before_the_key_held_the_start(
    repos: Repos, app: AppContext, day_id: int, user_id: int, now: datetime
) -> bool:
    """Claimed today by a release whose key was "{day id}:{user}" (the day of deployment)."""
    claimed = await repos.schedule.ran_at("training_morning", f"{day_id}:{user_id}")
    return claimed is not None and app.local_date(claimed) == app.local_date(now)


async def tomorrow_lines(repos: Repos, app: AppContext, user: User, now: datetime) -> list[str]:
    """Lines of the daily reminder: trainings tomorrow the person has not declined."""
    tomorrow = app.local_date(now) + timedelta(days=1)
    start, end = local_day_bounds(app, tomorrow)
    lines = []
    for training, day in await repos.trainings.days_of_user(user.id, start=start, end=end):
        invitation = await repos.trainings.invitation(training.id, user.id)
        if invitation is None or invitation.rsvp == "berhalangan":
            continue
        lines.append(
            app.catalog.text(
                user.language,
                "reminder.training_tomorrow",
                title=training.title,
                time=clock_time(app, day.starts_at),
                venue=training.venue_name,
            )
        )
    return lines
