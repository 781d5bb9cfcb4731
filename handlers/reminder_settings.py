"""/pengingat: choose the hour of one's own reminder (a preset, any hour typed in the
`reminder_hour` form after "Jam lain", or typed at the hour list itself), or turn it off
(and, for people on both channels, which one gets it); coordinators also set their
district's WhatsApp frequency.
In a district whose WhatsApp reminders are weekly, a person reached there is told the day.

An hour inside the quiet hours is refused: `daily_reminders` sends nothing then, so it would
not come at the hour asked for: an evening one half an hour before they begin, an
early-morning one when they end (`handlers/quiet_hours.py` `sending_time`). One kept from
before the quiet hours changed (or a REMINDER_TIME inside them) is shown with when it goes."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from handlers import channel_choice, district_reminders, list_replies
from handlers.context import Turn
from handlers.events import Button, InboundKind, Outbound
from handlers.forms.answer_dates import afternoon_twin, parse_time_text
from handlers.forms.answers import Invalid, clean_text
from handlers.forms.runner import context_values, on_complete, start_form
from handlers.permissions import allowed
from handlers.quiet_hours import is_quiet_time, sending_time
from storage.models import FormSession, User

PREFIX = "rm"
HOURS = ("06:00", "08:00", "12:00", "16:00", "19:00")
OTHER = "other"  # "Jam lain": the hour is typed
FORM_ID = "reminder_hour"
_HOUR = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
LIST_KIND = "hours"  # the hour list, waiting for an hour typed (handlers/list_replies.py)


def _spoken(clock: time) -> str:
    """A time of day as people write it in Indonesia: 21.00."""
    return clock.strftime("%H.%M")


def _own_hour(user: User) -> time | None:
    """The hour the person chose, if any (stored "HH:MM", local)."""
    return time.fromisoformat(user.reminder_time) if user.reminder_time else None


async def _frequency(turn: Turn, user: User) -> tuple[str, dict[str, str]]:
    """The text key suffix and the day of the person's reminder: "" daily, "_weekly" on a
    day (their district's choice for the channel it goes over)."""
    schedule = await district_reminders.schedule_of(turn.repos, user)
    if schedule.frequency == "weekly" and schedule.weekday is not None:
        return "_weekly", {"day": turn.t(f"whatsapp.weekdays.d{schedule.weekday}")}
    return "", {}


def _may_set(turn: Turn) -> bool:
    """Whether the person may set their own reminder (checked at every step); says no if not."""
    if not allowed(turn.user, "reminder.settings") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return False
    return True


async def ask(turn: Turn) -> None:
    """/pengingat: the hour list, then the channel and (coordinators) district choices."""
    if not _may_set(turn):
        return
    await _show_hours(turn)
    await channel_choice.offer(turn)
    if allowed(turn.user, "reminder.district"):
        await district_reminders.ask(turn)


async def _show_hours(turn: Turn, prefix: str = "") -> None:
    """The hour list, noted so that an hour typed next answers it (`take_typed_hour`)."""
    assert turn.user is not None
    # Shown as people write it (16.00); stored and in button data as "HH:MM".
    hour = _own_hour(turn.user) or turn.app.reminder_time
    state = _spoken(hour) if turn.user.reminders_enabled else turn.t("reminder.off")
    sent = _sent_instead(turn, hour) if turn.user.reminders_enabled else ""
    hours = [
        Button(label=_spoken(time.fromisoformat(hour)), data=f"{PREFIX}:{hour}")
        for hour in HOURS
        if not is_quiet_time(turn.app, time.fromisoformat(hour))  # quiet hours are configured
    ]
    rows = [
        hours[:3],
        hours[3:],
        [
            Button(label=turn.t("reminder.other_hour"), data=f"{PREFIX}:{OTHER}"),
            Button(label=turn.t("reminder.turn_off"), data=f"{PREFIX}:off"),
        ],
    ]
    suffix, day = await _frequency(turn, turn.user)
    text = turn.t(
        f"reminder.settings{suffix}", current=state, sent=sent, zone=turn.app.zone_name, **day
    )
    turn.reply(Outbound.say(prefix + text, [row for row in rows if row]))
    await list_replies.expect(turn, LIST_KIND)


def _sent_instead(turn: Turn, hour: time) -> str:
    """When a reminder hour inside the quiet hours really goes out, said after it: one kept
    from before the quiet hours changed, or a REMINDER_TIME inside them (an hour chosen now
    in them is refused). '' for an hour outside them."""
    if not is_quiet_time(turn.app, hour):
        return ""
    sent = sending_time(turn.app, hour)
    return turn.t(
        "reminder.sent_earlier" if sent < hour else "reminder.sent_later",
        sent=_spoken(sent),
        start=_spoken(turn.app.quiet_start),
        end=_spoken(turn.app.quiet_end),
    )


async def take_typed_hour(turn: Turn) -> bool:
    """A text typed at the hour list just shown ("08.00", "jam 7 pagi"): that hour, read as
    "Jam lain" reads it, with its quiet-hours rule; a text that is no hour is told so with
    the list again (never echoed: it may hold a NIK). Called for a text while the hour list
    is the list waiting for a typed reply (handlers/list_replies.py, the router)."""
    text = turn.event.text if turn.event.kind == InboundKind.TEXT else None
    if turn.user is None or not text:
        return False
    if not _may_set(turn):  # the role changed since the list was shown
        await list_replies.forget(turn)
        return True
    try:
        hour, minute = parse_time_text(clean_text(text))
    except Invalid as problem:
        why = turn.t("reminder.not_an_hour") + " " + turn.t(problem.key, **problem.values)
        await _show_hours(turn, prefix=why + "\n\n")
        return True
    value, afternoon = _meant_hour(turn, text, f"{hour:02d}:{minute:02d}")
    if refusal := _quiet_refusal(turn, value):
        await _show_hours(turn, prefix=refusal + "\n\n")
        return True
    await list_replies.forget(turn)
    await _set_hour(turn, value, afternoon=afternoon)
    return True


def _meant_hour(turn: Turn, text: str, value: str) -> tuple[str, bool]:
    """The hour ("HH:MM") a typed text means, and whether it was read as the afternoon:
    "jam 5" said alone in the quiet hours means 17.00 (nobody wants a reminder at dawn),
    unless 17.00 is quiet too; "jam 5 pagi" stays 05.00 (and is refused)."""
    twin = afternoon_twin(clean_text(text))
    if twin is None or not is_quiet_time(turn.app, time.fromisoformat(value)):
        return value, False
    afternoon = f"{twin[0]:02d}:{twin[1]:02d}"
    if is_quiet_time(turn.app, time.fromisoformat(afternoon)):
        return value, False
    return afternoon, True


async def choose(turn: Turn, data: str) -> None:
    if not _may_set(turn):
        return
    assert turn.user is not None
    value = data.partition(":")[2]  # "off", "other" or an hour, itself "HH:MM"
    if value == "off":
        turn.user = await turn.repos.users.update(
            turn.user.id, now=turn.now, reminders_enabled=False
        )
        turn.reply(turn.t("reminder.now_off"))
    elif value == OTHER:
        await start_form(turn, FORM_ID)
    elif not _HOUR.fullmatch(value):
        turn.reply(turn.t("errors.unknown_button"))
    elif refusal := _quiet_refusal(turn, value):
        turn.reply(refusal)  # a preset button from before the quiet hours were changed
    else:
        await _set_hour(turn, value)


@context_values(FORM_ID)
def _quiet_hours(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """The quiet hours the question names: the hours it takes lie between them."""
    return {"quiet_start": _spoken(turn.app.quiet_start), "quiet_end": _spoken(turn.app.quiet_end)}


@on_complete(FORM_ID)
async def hour_typed(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The typed hour: stored unless the person may no longer set one (their role changed
    since the question) or it lies in the quiet hours (then asked again, saying why)."""
    if not _may_set(turn):
        return
    typed = turn.event.text if turn.event.kind == InboundKind.TEXT else None
    # The answer's text is this turn's: read "jam 5" as the afternoon like the hour list does.
    value, afternoon = _meant_hour(turn, typed or "", str(answers["reminder_time"]))
    refusal = _quiet_refusal(turn, value)
    if refusal:
        await start_form(turn, FORM_ID, prefix=refusal + "\n\n")
        return
    await _set_hour(turn, value, afternoon=afternoon)


def _quiet_refusal(turn: Turn, value: str) -> str | None:
    """Why a reminder hour ("HH:MM", local) cannot be had, or None when it can."""
    clock = time.fromisoformat(value)
    if not is_quiet_time(turn.app, clock):
        return None
    return turn.t(
        "reminder.quiet_hour",
        time=_spoken(clock),
        start=_spoken(turn.app.quiet_start),
        end=_spoken(turn.app.quiet_end),
        zone=turn.app.zone_name,
    )


async def _set_hour(turn: Turn, value: str, *, afternoon: bool = False) -> None:
    """Store the hour, turn the reminder on and say when it comes ("17.00 (sore)" when a
    typed "jam 5" was read as the afternoon, so a misreading shows)."""
    assert turn.user is not None
    turn.user = await turn.repos.users.update(
        turn.user.id, now=turn.now, reminder_time=value, reminders_enabled=True
    )
    suffix, day = await _frequency(turn, turn.user)
    clock = time.fromisoformat(value)
    spoken = _spoken(clock)
    if afternoon:
        part = "siang" if clock.hour < 15 else "sore" if clock.hour < 18 else "malam"
        spoken = turn.t("reminder.read_as", time=spoken, part=turn.t(f"reminder.part_{part}"))
    turn.reply(turn.t(f"reminder.now_at{suffix}", time=spoken, **day))
