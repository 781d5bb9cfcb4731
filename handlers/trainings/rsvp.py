"""The invitation and its answer: *Akan hadir* / *Berhalangan* (izin or sakit, with a reason),
changeable until the deadline; /jadwal lists my upcoming trainings and my answers.

The RSVP button is never labelled "Hadir": people would tap it on the day and think they had
checked in (checking in is /hadir).
"""

from __future__ import annotations

import html
from typing import Any

from handlers.context import AppContext, Turn
from handlers.delivery import DeliveryKind, Topic
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.permissions import allowed
from handlers.trainings.common import (
    RSVP_PREFIX,
    deadline_text,
    describe,
    names_of,
    notice_thread,
    present_people,
    refuse,
    schedule_stamp,
    summary_of,
)
from storage.models import FormSession
from storage.trainings import Invitation, Training, TrainingDay

ABSENCE_FORM = "training_absence"
SCHEDULE_LIMIT = 5
NOT_MEANT = "n"  # "Tidak" to "akan hadir di bimtek ini?" asked of a typed "ya": nothing recorded


def rsvp_buttons(
    app: AppContext, language: str, training_id: int, days: list[TrainingDay]
) -> list[list[Button]]:
    t = app.catalog.text
    data = f"{RSVP_PREFIX}:{training_id}"
    stamp = schedule_stamp(days)
    return [
        [
            Button(label=t(language, "training.rsvp_yes_button"), data=f"{data}:a:{stamp}"),
            Button(label=t(language, "training.rsvp_no_button"), data=f"{data}:b:{stamp}"),
        ]
    ]


def invitation_message(
    app: AppContext, language: str, training: Training, days: list[TrainingDay], heading: str
) -> Outbound:
    """An invitation (or a reminder of it, by `heading`) with the RSVP buttons."""
    t = app.catalog.text
    text = "\n\n".join(
        [
            t(language, heading),
            describe(app, language, training, days),
            t(language, "training.invitation_ask", deadline=deadline_text(app, language, training)),
        ]
    )
    return Outbound(
        text=text,
        buttons=rsvp_buttons(app, language, training.id, days),
        summary=summary_of(app, language, training),
    )


async def send_invitations(
    turn: Turn, training: Training, user_ids: list[int], heading: str
) -> None:
    """The invitation (or news of it, by `heading`) to each person, in their language, through
    the delivery path as a notice (it waits for those who never started the bot, or behind a
    closed WhatsApp window): never sent after the RSVP deadline (its buttons would be
    refused), and a later one of the training (a reschedule) replaces it if still unsent."""
    days = await turn.repos.trainings.days(training.id)
    kept_current = {"expires_at": training.rsvp_deadline, "thread": notice_thread(training)}
    for user_id in user_ids:
        person = await turn.repos.users.get(user_id)
        language = person.language if person else turn.app.default_language
        message = invitation_message(turn.app, language, training, days, heading)
        message = message.model_copy(update=kept_current)
        await turn.deliver(user_id, message, DeliveryKind.NOTICE, Topic.TRAINING)


def answer_label(
    app: AppContext, language: str, invitation: Invitation, *, present: bool = False
) -> str:
    """Akan hadir / Berhalangan (sakit) / Belum menjawab; "Sudah hadir" once `present` on a
    day (a reschedule resets the answer, and nobody answers after checking in)."""
    t = app.catalog.text
    if present:
        return t(language, "training.rsvp.present")
    if invitation.rsvp is None:
        return t(language, "training.rsvp.none")
    label = t(language, f"training.rsvp.{invitation.rsvp}")
    if invitation.reason_kind:
        label += f" ({t(language, f'training.status.{invitation.reason_kind}')})"
    return label


async def answer(turn: Turn, data: str) -> None:
    """A tap on Akan hadir / Berhalangan (or on Tidak to a typed "ya" asked back)."""
    assert turn.user is not None
    _, raw_id, choice, stamp = button_fields(data, 4)
    training_id = small_number(raw_id)
    training = await turn.repos.trainings.get(training_id) if training_id else None
    invitation = (
        await turn.repos.trainings.invitation(training.id, turn.user.id) if training else None
    )
    if training is None or invitation is None or choice not in ("a", "b", NOT_MEANT):
        await refuse(turn, "training.not_invited")
        return
    if choice == NOT_MEANT:
        turn.reply(turn.t("training_extra.typed_rsvp_not_meant", **names_of(turn, training)))
        return
    if not await _still_open(turn, training, invitation):
        return
    days = await turn.repos.trainings.days(training.id)
    if stamp and stamp != schedule_stamp(days):  # (buttons sent before stamps carry none)
        heading = "training_extra.rsvp_old_schedule"
        turn.reply(invitation_message(turn.app, turn.language, training, days, heading))
        return
    rsvp = "akan_hadir" if choice == "a" else "berhalangan"
    await turn.repos.trainings.set_rsvp(training.id, turn.user.id, rsvp, turn.now)
    turn.toast = turn.t(f"training.rsvp.{rsvp}")
    if rsvp == "akan_hadir":
        turn.reply(turn.t("training.rsvp_yes_done", **names_of(turn, training)))
        return
    prefix = turn.t("training.rsvp_no_ask", **names_of(turn, training)) + "\n\n"
    await start_form(turn, ABSENCE_FORM, prefix, context={"training_id": training.id})


async def _still_open(turn: Turn, training: Training, invitation: Invitation) -> bool:
    """Answers may change: the training is scheduled and its deadline not passed (a reason
    finished after either changes nothing); otherwise says why."""
    if training.status != "scheduled":
        turn.reply(turn.t(f"training.is_{training.status}", **names_of(turn, training)))
        return False
    if turn.now >= training.rsvp_deadline:
        turn.reply(
            turn.t(
                "training.rsvp_closed",
                **names_of(turn, training),
                deadline=deadline_text(turn.app, turn.language, training),
                answer=answer_label(turn.app, turn.language, invitation),
            )
        )
        return False
    return True


@on_complete(ABSENCE_FORM)
async def _reason_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    assert turn.user is not None
    training_id = int(form_context(session)["training_id"])
    training = await turn.repos.trainings.get(training_id)
    if training is None:
        turn.reply(turn.t("errors.old_button"))
        return
    invitation = await turn.repos.trainings.invitation(training.id, turn.user.id)
    if invitation is None or not await _still_open(turn, training, invitation):
        return
    kind = answers["reason_kind"]["name"]
    saved = await turn.repos.trainings.set_reason(
        training_id, turn.user.id, kind, answers["reason_text"], turn.now
    )
    if not saved:
        turn.reply(turn.t("errors.old_button"))
        return
    turn.reply(
        turn.t(
            "training.rsvp_no_done",
            **names_of(turn, training),
            reason=turn.t(f"training.status.{kind}"),
            details=html.escape(answers["reason_text"]),
        )
    )


async def show_schedule(turn: Turn) -> None:
    """/jadwal: my upcoming trainings, my answers, and buttons while answers may change."""
    user = turn.user
    if not allowed(user, "training.attend") or user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    trainings = await turn.repos.trainings.upcoming_of_user(user.id, turn.now)
    if not trainings:
        turn.reply(turn.t("training.schedule_empty"))
        return
    for number, training in enumerate(trainings[:SCHEDULE_LIMIT]):
        days = await turn.repos.trainings.days(training.id)
        invitation = await turn.repos.trainings.invitation(training.id, user.id)
        assert invitation is not None
        present = user.id in await present_people(turn.repos, days)
        parts = [describe(turn.app, turn.language, training, days)]
        answer = answer_label(turn.app, turn.language, invitation, present=present)
        parts.append(turn.t("training.your_answer", answer=answer))
        buttons: list[list[Button]] = []
        if turn.now < training.rsvp_deadline:
            deadline = deadline_text(turn.app, turn.language, training)
            parts.append(turn.t("training.change_until", deadline=deadline))
            buttons = rsvp_buttons(turn.app, turn.language, training.id, days)
        if number == 0:
            parts.insert(0, turn.t("training.schedule_title", count=len(trainings)))
        turn.reply(Outbound.say("\n".join(parts), buttons))
