"""/pengingat: choose the hour of one's own reminder, or turn it off (and, for people on
both channels, which one gets it); coordinators also set their district's WhatsApp frequency.
In a district whose WhatsApp reminders are weekly, a person reached there is told the day."""

from __future__ import annotations

import re

from handlers import channel_choice, district_reminders
from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.permissions import allowed
from storage.models import User

PREFIX = "rm"
HOURS = ("06:00", "08:00", "12:00", "16:00", "19:00")


async def _frequency(turn: Turn, user: User) -> tuple[str, dict[str, str]]:
    """The text key suffix and the day of the person's reminder: "" daily, "_weekly" on a
    day (their district's choice for the channel it goes over)."""
    schedule = await district_reminders.schedule_of(turn.repos, user)
    if schedule.frequency == "weekly" and schedule.weekday is not None:
        return "_weekly", {"day": turn.t(f"whatsapp.weekdays.d{schedule.weekday}")}
    return "", {}


async def ask(turn: Turn) -> None:
    if not allowed(turn.user, "reminder.settings") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    current = turn.user.reminder_time or turn.app.reminder_time.strftime("%H:%M")
    state = current if turn.user.reminders_enabled else turn.t("reminder.off")
    rows = [
        [Button(label=hour, data=f"{PREFIX}:{hour}") for hour in HOURS[:3]],
        [Button(label=hour, data=f"{PREFIX}:{hour}") for hour in HOURS[3:]],
        [Button(label=turn.t("reminder.turn_off"), data=f"{PREFIX}:off")],
    ]
    suffix, day = await _frequency(turn, turn.user)
    text = turn.t(f"reminder.settings{suffix}", current=state, zone=turn.app.zone_name, **day)
    turn.reply(Outbound.say(text, rows))
    await channel_choice.offer(turn)
    if allowed(turn.user, "reminder.district"):
        await district_reminders.ask(turn)


async def choose(turn: Turn, data: str) -> None:
    if not allowed(turn.user, "reminder.settings") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    value = data.partition(":")[2]  # "off" or an hour, itself "HH:MM"
    if value == "off":
        turn.user = await turn.repos.users.update(
            turn.user.id, now=turn.now, reminders_enabled=False
        )
        turn.reply(turn.t("reminder.now_off"))
        return
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        turn.reply(turn.t("errors.unknown_button"))
        return
    turn.user = await turn.repos.users.update(
        turn.user.id, now=turn.now, reminder_time=value, reminders_enabled=True
    )
    suffix, day = await _frequency(turn, turn.user)
    turn.reply(turn.t(f"reminder.now_at{suffix}", time=value, **day))
