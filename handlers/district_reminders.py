"""Routine reminders on paid channels, daily or weekly, chosen per district by its coordinators
(/pengingat). On a channel that charges for templates (`ChannelTraits.charges_for_templates`:
WhatsApp, outside its 24-hour window) a district may send its routine reminders once a week,
on a weekday it picks; the choice applies to every such channel. Other channels stay daily.
"""

from __future__ import annotations

from datetime import date

from handlers.context import AppContext, Turn
from handlers.delivery import identity_for
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.permissions import allowed
from handlers.regions import region_name
from storage.district_reminders import DAILY, ReminderSchedule
from storage.models import User
from storage.repos import Repos

PREFIX = "pd"
WEEKDAYS = range(7)  # 0 = Monday


async def schedule_of(repos: Repos, user: User) -> ReminderSchedule:
    """How often a person's routine reminder goes out: daily, unless it would go over a
    channel on which their district chose weekly reminders."""
    identity = await identity_for(repos, user.id)
    if identity is None:
        return DAILY
    return await repos.district_reminders.schedule(user.kabupaten_code, identity.channel)


def goes_out_on(schedule: ReminderSchedule, day: date) -> bool:
    """Whether a routine reminder on this schedule goes out on a local date."""
    return schedule.frequency != "weekly" or schedule.weekday == day.weekday()


async def reminder_day(repos: Repos, user: User, day: date) -> bool:
    """Whether a person's routine reminder goes out on a local date (`schedule_of`)."""
    return goes_out_on(await schedule_of(repos, user), day)


def paid_channels(app: AppContext) -> list[str]:
    """The channels whose routine reminders a district may make weekly."""
    return app.channels_where(lambda traits: traits.charges_for_templates)


def _describe(turn: Turn, schedule: ReminderSchedule) -> str:
    if schedule.frequency == "weekly" and schedule.weekday is not None:
        return turn.t(
            "whatsapp.schedule.weekly_on", day=turn.t(f"whatsapp.weekdays.d{schedule.weekday}")
        )
    return turn.t("whatsapp.schedule.daily")


def _coordinator_and_channels(turn: Turn) -> tuple[User, list[str]] | None:
    """The person choosing for their district and the paid channels the choice is for; None,
    having said why, when they may not choose or there is nothing to choose."""
    user = turn.user
    if not allowed(user, "reminder.district") or user is None or not user.kabupaten_code:
        turn.reply(turn.t("errors.not_allowed"))
        return None
    paid = paid_channels(turn.app)
    if not paid:
        turn.reply(turn.t("whatsapp.schedule.nothing_to_choose"))
        return None
    return user, paid


async def ask(turn: Turn) -> None:
    """/pengingat for a coordinator: the district's reminder frequency on paid channels."""
    chosen_by = _coordinator_and_channels(turn)
    if chosen_by is None:
        return
    user, paid = chosen_by
    schedule = await turn.repos.district_reminders.schedule(user.kabupaten_code, paid[0])
    buttons = [
        [
            Button(label=turn.t("whatsapp.schedule.daily_button"), data=f"{PREFIX}:d"),
            Button(label=turn.t("whatsapp.schedule.weekly_button"), data=f"{PREFIX}:w"),
        ]
    ]
    turn.reply(
        Outbound.say(
            turn.t(
                "whatsapp.schedule.ask",
                district=await region_name(turn, user.kabupaten_code),
                current=_describe(turn, schedule),
            ),
            buttons,
        )
    )


async def choose(turn: Turn, data: str) -> None:
    """`pd:d` daily, `pd:w` asks for the weekday, `pd:w:<0-6>` weekly on that day."""
    chosen_by = _coordinator_and_channels(turn)
    if chosen_by is None:
        return
    user, paid = chosen_by
    _, frequency, raw_day = button_fields(data, 3)
    if frequency == "w" and not raw_day:
        days = [
            Button(label=turn.t(f"whatsapp.weekdays.d{day}"), data=f"{PREFIX}:w:{day}")
            for day in WEEKDAYS
        ]
        turn.reply(Outbound.say(turn.t("whatsapp.schedule.pick_day"), [days[:4], days[4:]]))
        return
    weekday = small_number(raw_day)
    if frequency == "d":
        schedule = DAILY
    elif frequency == "w" and weekday in WEEKDAYS:
        schedule = ReminderSchedule("weekly", weekday)
    else:
        turn.reply(turn.t("errors.unknown_button"))
        return
    for channel in paid:
        await turn.repos.district_reminders.set_schedule(
            user.kabupaten_code, channel, schedule, by=user.id, now=turn.now
        )
        await turn.repos.audit.record(
            now=turn.now,
            actor_id=user.id,
            action="reminder.district_schedule",
            subject=f"kabupaten:{user.kabupaten_code}",
            detail={"channel": channel, "frequency": schedule.frequency, "weekday": weekday},
        )
    text = turn.t("whatsapp.schedule.saved", current=_describe(turn, schedule))
    turn.toast = text
    turn.reply(text)
