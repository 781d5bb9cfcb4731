"""/pengingat: choose the hour of the daily reminder, or turn it off (and, for people on
both channels, which one gets it); coordinators set their district's WhatsApp frequency."""

from __future__ import annotations

import re

from handlers import channel_choice, district_reminders
from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.permissions import allowed

PREFIX = "rm"
HOURS = ("06:00", "08:00", "12:00", "16:00", "19:00")


async def ask(turn: Turn) -> None:
    if allowed(turn.user, "reminder.district"):
        await district_reminders.ask(turn)
        return
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
    turn.reply(
        Outbound.say(turn.t("reminder.settings", current=state, zone=turn.app.zone_name), rows)
    )
    await channel_choice.offer(turn)


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
    turn.reply(turn.t("reminder.now_at", time=value))
