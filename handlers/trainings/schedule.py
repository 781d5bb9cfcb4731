"""Training reminders: on the morning of each training day, to those coming or not yet
answering (a scheduler kind, once per person per day, never in the quiet hours); the mention
the day before is a line of the daily reminder (handlers/reminders.py), and a message of its
own for those who accepted but get no daily reminder that day (a training they accepted is an
appointment): candidates (`calon`), coordinators, people with reminders off or whose district
sends WhatsApp reminders weekly on another day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.context import AppContext
from handlers.delivery import DeliveryKind, Topic, deliver
from handlers.district_reminders import reminder_day
from handlers.events import Outbound
from handlers.quiet_hours import in_quiet_hours
from handlers.trainings.common import (
    checkin_opens,
    clock_time,
    day_line,
    local_day_bounds,
    summary_of,
)
from storage.models import Role, User
from storage.repos import Repos
from storage.trainings import TrainingDay

EVE = "training_eve"  # the day before, told by a message of its own
EVE_LEFT = "training_eve_daily"  # the day before, left to the person's daily reminder


def _day_key(day: TrainingDay) -> str:
    """The head of a day's claim keys (then the user id); the start is in it, as a rescheduled
    day keeps its id."""
    return f"{day.id}:{day.starts_at.timestamp():.0f}:"


async def morning_reminders(repos: Repos, app: AppContext, now: datetime) -> None:
    """Scheduler kind `training_reminders`: the first tick after the quiet hours of a day."""
    if in_quiet_hours(app, now):
        return
    start, end = local_day_bounds(app, app.local_date(now))
    for training, day in await repos.trainings.days_starting(start=start, end=end):
        if now >= day.ends_at:
            continue
        for user_id in await repos.trainings.to_remind(training.id, day.id):
            key = f"{_day_key(day)}{user_id}"
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


async def eve_reminders(repos: Repos, app: AppContext, now: datetime) -> None:
    """Scheduler kind `training_eve`: from REMINDER_TIME the day before a training day, each
    person who accepted it is handled once: left to their daily reminder when it goes out that
    day (it carries the line), else told by a message of its own."""
    if in_quiet_hours(app, now) or app.local_time(now).time() < app.reminder_time:
        return
    today = app.local_date(now)
    start, end = local_day_bounds(app, today + timedelta(days=1))
    for training, day in await repos.trainings.days_starting(start=start, end=end):
        prefix = _day_key(day)
        for user in await repos.reminders.training_eve_due(training.id, prefix):
            if await _daily_reminder_tells(repos, user, today):
                await repos.schedule.claim(EVE_LEFT, f"{prefix}{user.id}", now=now)
                continue
            if not await repos.schedule.claim(EVE, f"{prefix}{user.id}", now=now):
                continue
            text = app.catalog.text(
                user.language,
                "training.eve",
                title=training.title,
                day=day_line(app, user.language, day),
                venue=training.venue_name,
                opens=clock_time(app, checkin_opens(training, day)),
            )
            await deliver(
                repos,
                user_id=user.id,
                message=Outbound(text=text, summary=summary_of(app, user.language, training)),
                kind=DeliveryKind.ROUTINE,
                now=now,
                topic=Topic.TRAINING,
            )


async def _daily_reminder_tells(repos: Repos, user: User, today: date) -> bool:
    """Whether the person's daily reminder of `today` carries the training line: PSM and TKSK
    with reminders on, on a day their district's schedule sends it (as `daily_reminders`)."""
    return (
        user.role in (Role.PSM, Role.TKSK)
        and user.reminders_enabled
        and await reminder_day(repos, user, today)
    )


async def tomorrow_lines(repos: Repos, app: AppContext, user: User, now: datetime) -> list[str]:
    """Lines of the daily reminder: trainings tomorrow the person has not declined (and was
    not told of by a message of its own)."""
    tomorrow = app.local_date(now) + timedelta(days=1)
    start, end = local_day_bounds(app, tomorrow)
    lines = []
    for training, day in await repos.trainings.days_of_user(user.id, start=start, end=end):
        invitation = await repos.trainings.invitation(training.id, user.id)
        if invitation is None or invitation.rsvp == "berhalangan":
            continue
        if await repos.schedule.ran_at(EVE, f"{_day_key(day)}{user.id}") is not None:
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
