"""Training reminders: on the morning of each training day, to those coming or not yet
answering (a scheduler kind, once per person per day, never in the quiet hours). The day
before, each person is told of it once (a `training_eve` claim per day, start and person): as a
line of their daily reminder (handlers/reminders.py) when one goes out, else, for those who
accepted (a training they accepted is an appointment), by a message of its own once their
reminder hour has come (or half an hour before the quiet hours, when these begin first):
candidates (`calon`), people with reminders off, whose district sends WhatsApp reminders
weekly on another day, or whose reminder went out before they were invited or accepted."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from handlers.context import AppContext
from handlers.delivery import DeliveryKind, Topic, deliver
from handlers.events import Button, Outbound
from handlers.main_menu import MENU_PREFIX
from handlers.quiet_hours import in_quiet_hours, sending_time
from handlers.trainings.common import (
    checkin_opens,
    clock_time,
    day_line,
    local_day_bounds,
    summary_of,
    training_names,
)
from handlers.trainings.rsvp import rsvp_buttons
from storage.models import User
from storage.repos import Repos
from storage.trainings import Training, TrainingDay

EVE = "training_eve"  # the day before: the person was told (a reminder's line or a message)


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
        prefix = _day_key(day)
        for user_id in await repos.trainings.to_remind(training.id, day.id, prefix):
            key = f"{prefix}{user_id}"
            if await _sent_before_the_key_held_the_start(repos, app, day.id, user_id, now):
                continue
            if not await repos.schedule.claim("training_morning", key, now=now):
                continue
            user = await repos.users.get(user_id)
            language = user.language if user else app.default_language
            text = app.catalog.text(
                language,
                "training.morning",
                **training_names(app, language, training.title),
                day=day_line(app, language, day),
                venue=_venue(training),
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


def eve_time(app: AppContext, user: User) -> time:
    """From when a person not told by their daily reminder's line is told by a message: when
    their reminder hour's message goes out (`sending_time`: the daily reminder runs before in
    the same tick, so a line it carried has claimed the telling), half an hour before the
    quiet hours when that hour falls in them."""
    hour = time.fromisoformat(user.reminder_time) if user.reminder_time else app.reminder_time
    return sending_time(app, hour)


async def eve_reminders(repos: Repos, app: AppContext, now: datetime) -> None:
    """Scheduler kind `training_eve` (after `daily_reminders` in a tick): the day before a
    training day, each person who accepted it and was not told yet (by a daily reminder's
    line) gets a message of its own once their `eve_time` has come, once."""
    if in_quiet_hours(app, now):
        return
    local = app.local_time(now).time()
    start, end = local_day_bounds(app, app.local_date(now) + timedelta(days=1))
    for training, day in await repos.trainings.days_starting(start=start, end=end):
        prefix = _day_key(day)
        for user in await repos.reminders.training_eve_due(training.id, day.id, prefix):
            if local < eve_time(app, user):
                continue
            if not await repos.schedule.claim(EVE, f"{prefix}{user.id}", now=now):
                continue
            text = app.catalog.text(
                user.language,
                "training.eve",
                **training_names(app, user.language, training.title),
                day=day_line(app, user.language, day),
                venue=_venue(training),
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


async def tomorrow_lines(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[tuple[str, list[list[Button]]]]:
    """Lines of the daily reminder, with their buttons: trainings tomorrow the person has not
    declined and was not told of yet (the line claims it: the reminder goes out with it in
    the same transaction). One not answered yet says so, with the invitation's own buttons
    while answers are still taken."""
    tomorrow = app.local_date(now) + timedelta(days=1)
    start, end = local_day_bounds(app, tomorrow)
    lines: list[tuple[str, list[list[Button]]]] = []
    for training, day in await repos.trainings.days_of_user(user.id, start=start, end=end):
        invitation = await repos.trainings.invitation(training.id, user.id)
        if invitation is None or invitation.rsvp == "berhalangan":
            continue
        if await repos.trainings.attendance_of(day.id, user.id) is not None:
            continue  # excused (or marked) by hand for that day already
        if not await repos.schedule.claim(EVE, f"{_day_key(day)}{user.id}", now=now):
            continue
        text = app.catalog.text
        line = text(
            user.language,
            "reminder.training_tomorrow",
            **training_names(app, user.language, training.title),
            time=clock_time(app, day.starts_at),
            venue=_venue(training),
        )
        buttons = _tomorrow_buttons(app, user.language)
        if invitation.rsvp is None and now < training.rsvp_deadline:
            line += "\n" + text(user.language, "reminder.training_unanswered")
            days = await repos.trainings.days(training.id)
            buttons = rsvp_buttons(app, user.language, training.id, days)
        # How to check in, said the day before: at the venue nobody reads the help.
        opens = clock_time(app, checkin_opens(training, day))
        line += "\n" + text(user.language, "reminder.training_checkin", opens=opens)
        lines.append((line, buttons))
    return lines


def _tomorrow_buttons(app: AppContext, language: str) -> list[list[Button]]:
    """Tomorrow's Bimtek line's own buttons for someone who answered: their schedule
    (/jadwal, the training's page for those invited) and the check-in (/hadir)."""
    return [
        [
            Button(
                label=app.catalog.text(language, "reminder.training_schedule_button"),
                data=f"{MENU_PREFIX}:jadwal",
            ),
            Button(
                label=app.catalog.text(language, "reminder.training_checkin_button"),
                data=f"{MENU_PREFIX}:hadir",
            ),
        ]
    ]


def _venue(training: Training) -> str:
    """The venue with its street, as the invitation names it: a PSM from another desa finds
    "Aula" only by its address."""
    if not training.venue_address:
        return training.venue_name
    return f"{training.venue_name}, {training.venue_address}"
