"""Setting anyone's status by hand (people without phones, a forgotten check-in, a late
excuse): choose the day, pick the person from a paged list, then hadir/izin/sakit/tidak_hadir.

Before a day's local date has come only an excuse (izin/sakit) can be set for it: nobody is
present or absent yet. The person is told of every change of their status by someone else
(a notice through the delivery path), so a wrong "Tidak hadir" does not go unnoticed.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.delivery import DeliveryKind, Topic
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.paging import page_buttons, page_count, within
from handlers.trainings.common import (
    PAGE_PREFIX,
    PRESENCE,
    STATUSES,
    audit,
    day_buttons,
    day_has_begun,
    day_status,
    managed_day,
    manual_data,
    names_of,
    outdated,
    refuse,
    spoken_date,
    summary_of,
    training_names,
)
from storage.trainings import Invitation, Training, TrainingDay

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
        turn.reply(turn.t("training.is_cancelled", **names_of(turn, training)))
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
        turn.t,
        page,
        size=PAGE_SIZE,
        total=len(invitations),
        data=lambda n: f"{manual_data(training, day)}:p{n}",
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
    begun = day_has_begun(turn.app, day, turn.now)
    buttons = [
        Button(
            label=turn.t(f"training.status.{status}"),
            data=f"{manual_data(training, day)}:u{user_id}:{status}",
        )
        for status in STATUSES
        if begun or status not in PRESENCE
    ]
    rows = [buttons[:2], buttons[2:]] if begun else [buttons]
    rows.append(
        [Button(label=turn.t("training.button_back"), data=f"{manual_data(training, day)}:p0")]
    )
    text = turn.t(
        "training.manual_ask",
        name=invitation.full_name,
        number=day.day_number,
        status=_status_label(turn, current),
    )
    if not begun:
        text += "\n\n" + _not_yet(turn, day)
    turn.reply(Outbound.say(text, rows))


def _not_yet(turn: Turn, day: TrainingDay) -> str:
    """Why hadir/tidak hadir cannot be set yet for a day still to come."""
    return turn.t(
        "training_extra.manual_not_yet",
        number=day.day_number,
        date=spoken_date(turn.app.local_date(day.starts_at), turn.language),
    )


async def _set(turn: Turn, training: Training, day: TrainingDay, user_id: int, status: str) -> None:
    assert turn.user is not None
    invitation = await turn.repos.trainings.invitation(training.id, user_id)
    if invitation is None:
        turn.reply(turn.t("errors.old_button"))
        return
    if status in PRESENCE and not day_has_begun(turn.app, day, turn.now):
        await _ask_status(turn, training, day, user_id)  # the choices it has, and why
        return
    record = await turn.repos.trainings.attendance_of(day.id, user_id)
    before = day_status(training, invitation, record, day, turn.now)
    await turn.repos.trainings.set_status_by_hand(
        day.id, user_id, status=status, recorded_by=turn.user.id, now=turn.now
    )
    await audit(
        turn,
        training,
        "training.status_set",
        {"day": day.day_number, "user": user_id, "status": status},
    )
    if status != before and invitation.active and user_id != turn.user.id:
        await _tell_person(turn, training, day, invitation, status)
    turn.toast = turn.t(f"training.status.{status}")
    rows = [[Button(label=turn.t("training.button_list"), data=f"{manual_data(training, day)}:p0")]]
    text = turn.t(
        "training.manual_done",
        name=invitation.full_name,
        number=day.day_number,
        status=turn.t(f"training.status.{status}"),
    )
    turn.reply(Outbound.say(text, rows))


async def _tell_person(
    turn: Turn, training: Training, day: TrainingDay, invitation: Invitation, status: str
) -> None:
    """The person learns the status the organisers set for them (in their language), with
    whom to ask if it is wrong; suspended people are not written to."""
    person = await turn.repos.users.get(invitation.user_id)
    language = person.language if person else turn.app.default_language
    text = turn.app.catalog.text(
        language,
        "training_extra.status_set_notice",
        **training_names(turn.app, language, training.title),
        number=day.day_number,
        date=spoken_date(turn.app.local_date(day.starts_at), language),
        status=turn.app.catalog.text(language, f"training.status.{status}"),
    )
    message = Outbound(text=text, summary=summary_of(turn.app, language, training))
    await turn.deliver(invitation.user_id, message, DeliveryKind.NOTICE, Topic.TRAINING)
