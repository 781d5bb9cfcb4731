"""An RSVP typed instead of tapped ("akan hadir", "tidak bisa hadir"), outside any form: on
WhatsApp the invitation's buttons have long scrolled away. It answers the person's only
invitation still open (deadline not passed) as its button would; with several, /jadwal's
list is shown to choose from (each with its buttons); with none, that is said.

A word that may only mean yes ("ya", "siap", "insya allah"; "hadir" alone on a day without
check-in) is asked back while an invitation awaits the person's answer: "Maksud Bapak/Ibu:
akan hadir di bimtek ini?" with Ya (the invitation's own Akan hadir) and Tidak. "hadir" on
a training day stays the check-in (handlers/trainings/checkin.py). The words are read as
people type them ("sy gk bisa hadir bu, anak sakit": rsvp_words.py), the reason after a
comma or "karena" answering the reason's question.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.forms.answers import yes_or_no
from handlers.forms.runner import form_context, step_form
from handlers.permissions import allowed
from handlers.refusal_above import above
from handlers.trainings.common import RSVP_PREFIX, describe, names_of, schedule_stamp
from handlers.trainings.rsvp import ABSENCE_FORM, NOT_MEANT, answer, show_schedule
from handlers.trainings.rsvp_words import maybe_yes, rsvp_phrase, typed_reason
from storage.models import FormSession
from storage.trainings import Training


async def take(turn: Turn) -> bool:
    """A typed RSVP outside a form, answered (see the module); False when the text is none
    or the person does not attend trainings."""
    text = turn.event.text or ""
    choice = rsvp_phrase(text)  # "insyaallah hadir bu" is a yes, "insyaallah" alone asked
    if choice is None and (yes_or_no(text) == "y" or maybe_yes(text)):  # "ya", "siap"
        return await ask_if_meant(turn)
    user = turn.user
    if choice is None or user is None or not allowed(user, "training.attend"):
        return False
    upcoming = await turn.repos.trainings.upcoming_of_user(user.id, turn.now)
    open_now = [training for training in upcoming if turn.now < training.rsvp_deadline]
    if not open_now:
        turn.reply(turn.t("training_extra.typed_rsvp_none"))
        return True
    if len(open_now) > 1:
        turn.reply(turn.t("training_extra.typed_rsvp_which"))
        await show_schedule(turn)
        return True
    training = open_now[0]
    days = await turn.repos.trainings.days(training.id)
    # A typed answer carries no schedule (a tapped one is refused when its schedule is old):
    # the training is named with its days as they are now, so nobody agrees unknowingly to a
    # day it was moved to.
    turn.reply(
        turn.t("training_extra.typed_rsvp_for")
        + "\n"
        + describe(turn.app, turn.language, training, days)
    )
    reason = typed_reason(text) if choice == "b" else ""
    before = await turn.repos.forms.active(user.id) if reason else None
    await answer(turn, f"{RSVP_PREFIX}:{training.id}:{choice}:{schedule_stamp(days)}")
    if reason:
        await _reason_typed(turn, training, reason, before)
    return True


async def _reason_typed(
    turn: Turn, training: Training, reason: str, before: FormSession | None
) -> None:
    """The reason typed with the no ("gk bisa hadir, anak sakit") answers the reason's
    question just asked, as if typed to it (its option confirmed, the words kept): the
    question's own message gives way to that answer's, below "tercatat berhalangan".
    Only this training's question just asked (`before` is what was open before the no)."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if (
        session is None
        or session.form_id != ABSENCE_FORM
        or form_context(session).get("training_id") != training.id
        or (before is not None and session.id == before.id)
    ):
        # Refused meanwhile (the training closed): nothing asked, and no older form (another
        # training's reason) answered in its place.
        return
    turn.replies.pop()  # the reason's question, answered below
    recorded = turn.t("training.rsvp_no_ask", **names_of(turn, training))
    turn.event = turn.event.model_copy(update={"text": reason})
    answered = len(turn.replies)
    await step_form(turn, session)
    if answered < len(turn.replies):
        turn.replies[answered] = above(turn.replies[answered], recorded)


async def ask_if_meant(turn: Turn) -> bool:
    """A word that may mean yes ("ya", "hadir"), asked back for the invitation awaiting the
    person's answer (with several, the list to choose from); False when none awaits it, so
    the word is read as it would be otherwise."""
    awaiting = await _awaiting(turn)
    if not awaiting:
        return False
    if len(awaiting) > 1:
        turn.reply(turn.t("training_extra.typed_rsvp_which"))
        await show_schedule(turn)
        return True
    (training,) = awaiting
    days = await turn.repos.trainings.days(training.id)
    data = f"{RSVP_PREFIX}:{training.id}"
    # Ya is the invitation's own Akan hadir, with its schedule: refused if it moves meanwhile.
    buttons = [
        [
            Button(label=turn.t("common.yes"), data=f"{data}:a:{schedule_stamp(days)}"),
            Button(label=turn.t("common.no"), data=f"{data}:{NOT_MEANT}:"),
        ]
    ]
    text = (
        turn.t("training_extra.typed_rsvp_meant")
        + "\n"
        + describe(turn.app, turn.language, training, days)
    )
    turn.reply(Outbound.say(text, buttons))
    return True


async def _awaiting(turn: Turn) -> list[Training]:
    """The person's invitations not answered yet whose deadline has not passed."""
    user = turn.user
    if user is None or not allowed(user, "training.attend"):
        return []
    return await turn.repos.trainings.upcoming_of_user(user.id, turn.now, awaiting_answer=True)
