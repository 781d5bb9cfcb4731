"""An RSVP typed instead of tapped ("akan hadir", "tidak bisa hadir"), outside any form: on
WhatsApp the invitation's buttons have long scrolled away. It answers the person's only
invitation still open (deadline not passed) as its button would; with several, /jadwal's
list is shown to choose from (each with its buttons); with none, that is said.

Only these phrases: "hadir" alone, or with a code, stays the check-in (handlers/keywords.py).
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.permissions import allowed
from handlers.trainings.common import RSVP_PREFIX, describe, schedule_stamp
from handlers.trainings.rsvp import answer, show_schedule
from handlers.trainings.rsvp_words import rsvp_phrase


async def take(turn: Turn) -> bool:
    """A typed RSVP outside a form, answered (see the module); False when the text is none
    or the person does not attend trainings."""
    choice = rsvp_phrase(turn.event.text or "")
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
    await answer(turn, f"{RSVP_PREFIX}:{training.id}:{choice}:{schedule_stamp(days)}")
    return True
