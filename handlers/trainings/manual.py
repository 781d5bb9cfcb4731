"""Setting anyone's status by hand (people without phones, a forgotten check-in, a late
excuse): choose the day, pick the person from a paged list, then hadir/izin/sakit/tidak_hadir.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.paging import page_buttons, page_count, within
from handlers.trainings.common import (
    PAGE_PREFIX,
    STATUSES,
    audit,
    day_buttons,
    day_status,
    managed_day,
    manual_data,
    outdated,
    refuse,
)
from storage.trainings import Training, TrainingDay

PAGE_SIZE = 8


async def choose_day(turn: Turn, training: Training) -> None:
    """tp:<id>:m: one day goes straight to its list; several are offered."""
    days = await turn.repos.trainings.days(training.id)
    if len(days) == 1:
        await _people(turn, training, days[0], 0)
        return
    rows = day_buttons(turn, days, lambda day: f"{manual_data(training, day)}:p0")
    turn.reply(Outbound.say(turn.t("training.manual_which_day"), rows))


async def manual_button(turn: Turn, data: str) -> None:
    """tm:<training id>:<day id>:p<page> | tm:<training id>:<day id>:u<user id>[:<status>]."""
    _, raw_training, raw_day, target, status = button_fields(data, 5)
    if small_number(raw_day) is None:  # tm:<day id>:...: a day id alone, from an old message
        outdated(turn)
        return
    found = await managed_day(turn, raw_training, raw_day)
    if found is None:
        return
    training, day = found
    number = small_number(target[1:])
    if number is None or target[:1] not in ("p", "u"):
        await refuse(turn)
        return
    if training.status == "cancelled":
        turn.reply(turn.t("training.is_cancelled", title=training.title))
    elif target.startswith("p"):
        await _people(turn, training, day, number)
    elif not status:
        await _ask_status(turn, training, day, number)
    elif status in STATUSES:
        await _set(turn, training, day, number, status)
    else:
        await refuse(turn, "errors.unknown_button")


def _status_label(turn: Turn, status: str | None) -> str:
    return turn.t(f"training.status.{status}") if status else turn.t("training.status_none")


async def _people(turn: Turn, training: Training, day: TrainingDay, page: int) -> None:
    invitations = await turn.repos.trainings.invitations(training.id)
    records = await turn.repos.trainings.attendance(day.id)
    pages = page_count(len(invitations), PAGE_SIZE)
    page = within(page, pages)
    rows = []
    for invitation in invitations[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        status = day_status(training, invitation, records.get(invitation.user_id), day, turn.now)
        rows.append(
            [
                Button(
                    label=f"{invitation.full_name} · {_status_label(turn, status)}",
                    data=f"{manual_data(training, day)}:u{invitation.user_id}",
                )
            ]
        )
    navigation = page_buttons(
        turn.t, page, more=page < pages - 1, data=lambda n: f"{manual_data(training, day)}:p{n}"
    )
    if navigation:
        rows.append(navigation)
    rows.append([Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}")])
    text = turn.t("training.manual_pick", number=day.day_number, page=page + 1, pages=pages)
    turn.reply(Outbound.say(text, rows))


async def _ask_status(turn: Turn, training: Training, day: TrainingDay, user_id: int) -> None:
    invitation = await turn.repos.trainings.invitation(training.id, user_id)
    if invitation is None:
        turn.reply(turn.t("errors.old_button"))
        return
    record = await turn.repos.trainings.attendance_of(day.id, user_id)
    current = day_status(training, invitation, record, day, turn.now)
    buttons = [
        Button(
            label=turn.t(f"training.status.{status}"),
            data=f"{manual_data(training, day)}:u{user_id}:{status}",
        )
        for status in STATUSES
    ]
    rows = [buttons[:2], buttons[2:]]
    rows.append(
        [Button(label=turn.t("training.button_back"), data=f"{manual_data(training, day)}:p0")]
    )
    text = turn.t(
        "training.manual_ask",
        name=invitation.full_name,
        number=day.day_number,
        status=_status_label(turn, current),
    )
    turn.reply(Outbound.say(text, rows))


async def _set(turn: Turn, training: Training, day: TrainingDay, user_id: int, status: str) -> None:
    assert turn.user is not None
    invitation = await turn.repos.trainings.invitation(training.id, user_id)
    if invitation is None:
        turn.reply(turn.t("errors.old_button"))
        return
    await turn.repos.trainings.set_status_by_hand(
        day.id, user_id, status=status, recorded_by=turn.user.id, now=turn.now
    )
    await audit(
        turn,
        training,
        "training.status_set",
        {"day": day.day_number, "user": user_id, "status": status},
    )
    turn.toast = turn.t(f"training.status.{status}")
    rows = [[Button(label=turn.t("training.button_list"), data=f"{manual_data(training, day)}:p0")]]
    text = turn.t(
        "training.manual_done",
        name=invitation.full_name,
        number=day.day_number,
        status=turn.t(f"training.status.{status}"),
    )
    turn.reply(Outbound.say(text, rows))
