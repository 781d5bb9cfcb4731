"""Rescheduling a training that has not started: new days and answer deadline, from its page.

What is kept and what is reset: the invitations (who is invited) are kept; every RSVP answer
and reason is reset (a yes for the old date says nothing about the new one) and each active
invitee is told through deliver() with the new schedule and the answer buttons again (as the
invitation itself to whoever never received the old one); attendance of
the old days (only statuses set by hand ahead of time, since check-in has not opened) is
dropped with those days. Once the first day's check-in has opened it can no longer move.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers.context import Turn
from handlers.forms.runner import context_values, form_context, on_complete, start_form
from handlers.trainings.common import (
    audit,
    checkin_opens,
    local_day_bounds,
    managed,
    names_of,
    notice_thread,
    still_invited,
)
from handlers.trainings.creation import back_to_summary, day_examples, schedule_of
from handlers.trainings.rsvp import send_invitations
from storage.models import FormSession
from storage.trainings import Training

RESCHEDULE_FORM = "training_reschedule"
context_values(RESCHEDULE_FORM)(day_examples)  # the same example days as a new training's


async def _movable(turn: Turn, training: Training) -> bool:
    """Scheduled and its first day's check-in not yet open; otherwise says why."""
    if training.status != "scheduled":
        turn.reply(turn.t(f"training.is_{training.status}", **names_of(turn, training)))
        return False
    days = await turn.repos.trainings.days(training.id)
    if days and turn.now >= checkin_opens(training, days[0]):
        turn.reply(turn.t("training_extra.reschedule_started"))
        return False
    return True


async def start_reschedule(turn: Turn, training: Training) -> None:
    """tp:<id>:s."""
    if not await _movable(turn, training):
        return
    prefix = turn.t("training_extra.reschedule_intro", title=training.title) + "\n\n"
    await start_form(turn, RESCHEDULE_FORM, prefix, context={"training_id": training.id})


@on_complete(RESCHEDULE_FORM)
async def _new_days(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    assert turn.user is not None
    training_id = int(form_context(session).get("training_id", 0))
    training = await managed(turn, training_id)
    if training is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    if not await _movable(turn, training):
        return
    days, problems = schedule_of(turn, answers)
    if problems:
        await back_to_summary(turn, session, problems)
        return
    deadline = local_day_bounds(turn.app, date.fromisoformat(answers["rsvp_deadline"]))[1]
    await turn.repos.training_invites.replace_days(training.id, days, deadline)
    moved = await turn.repos.trainings.get(training.id)
    assert moved is not None
    invitations = await turn.repos.trainings.invitations(training.id)
    invited = [i.user_id for i in still_invited(invitations)]  # suspended: no notice
    # Read before the news is queued: it drops what of the thread is still unsent.
    statuses = await turn.repos.outbox.thread_statuses(notice_thread(training), invited)
    told = [user_id for user_id in invited if "sent" in statuses.get(user_id, ())]
    never_told = [user_id for user_id in invited if user_id not in told]
    await send_invitations(turn, moved, told, "training_extra.rescheduled_title")
    # Whoever no message of it reached (held, now dropped; failed; or accepted and then
    # reported failed, 'undelivered'): the invitation itself.
    await send_invitations(turn, moved, never_told, "training.invitation_title")
    await audit(turn, training, "training.rescheduled", {"days": len(days), "told": len(invited)})
    turn.reply(turn.t("training_extra.rescheduled", title=training.title, count=len(invited)))
