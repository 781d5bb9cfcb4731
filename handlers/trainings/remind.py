"""🔔 Ingatkan, on a training's page: the invitation again to the (active) invitees who have
not answered, while answers are open. What became of each one's invitation decides what they
get, and the organiser reads how many of each, truthfully:

- the bot cannot reach them at all (never started it, blocked it on Telegram, marked
  unreachable on WhatsApp: the page's "belum terjangkau bot", `Invitation.reachable`):
  nothing, the organiser is asked to phone them (a message there would only fail or wait);
- it reached them: a reminder (routine: it waits out the quiet hours);
- it never did (each message of it failed, was dropped, or was accepted and then reported
  failed by the channel): the invitation itself again, as a reschedule sends it;
- it is held, waiting for them to open the chat (WhatsApp's closed window; one waiting
  for their start is of someone the bot cannot reach, above): nothing, it reaches them when
  they do;
- it is queued (just now, or deferred: a retry after an error, a flood limit): nothing, it
  is on its way.

A reminder on top of an unsent invitation would be the same news twice (two templates on
WhatsApp).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

from handlers.context import Turn
from handlers.delivery import DeliveryKind, Topic, deliver
from handlers.quiet_hours import next_allowed
from handlers.trainings.common import clock_time, notice_thread, reminder_thread
from handlers.trainings.rsvp import invitation_message, send_invitations
from storage.trainings import Training


class InvitationState(StrEnum):
    """What became of a person's invitation (and the training's later notices to them)."""

    UNREACHABLE = "unreachable"
    REACHED = "reached"
    NEVER_REACHED = "never_reached"
    HELD = "held"
    QUEUED = "queued"


def invitation_state(statuses: set[str]) -> InvitationState:
    """From the statuses of a person's messages of a training's notices' thread
    (`OutboxRepo.thread_statuses`): held or queued while one is still unsent; else reached
    when one was sent, or when none is on record (nothing says it failed); else never."""
    if "waiting" in statuses:
        return InvitationState.HELD
    if "pending" in statuses:
        return InvitationState.QUEUED
    if "sent" in statuses or not statuses:
        return InvitationState.REACHED
    return InvitationState.NEVER_REACHED


async def remind_silent(turn: Turn, training: Training) -> None:
    """tp:<id>:r: a reminder to each invitee who has not answered, by their invitation's
    state (the module's docstring)."""
    if turn.now >= training.rsvp_deadline:
        turn.reply(turn.t("training.remind_too_late"))
        return
    invitations = await turn.repos.trainings.invitations(training.id)
    silent = [i for i in invitations if i.rsvp is None and i.active]
    reachable = [i.user_id for i in silent if i.reachable]
    statuses = await turn.repos.outbox.thread_statuses(notice_thread(training), reachable)
    states = {i.user_id: InvitationState.UNREACHABLE for i in silent if not i.reachable}
    states |= {user_id: invitation_state(statuses.get(user_id, set())) for user_id in reachable}
    reminded = [user_id for user_id in reachable if states[user_id] == InvitationState.REACHED]
    never_reached = [
        user_id for user_id in reachable if states[user_id] == InvitationState.NEVER_REACHED
    ]
    not_before = next_allowed(turn.app, turn.now)
    await _send_reminders(turn, training, reminded, not_before)
    await send_invitations(turn, training, never_reached, "training.invitation_title")
    turn.reply(_reminded_text(turn, Counter(states.values()), not_before))


async def _send_reminders(
    turn: Turn, training: Training, user_ids: list[int], not_before: datetime
) -> None:
    """The reminder to each person, in their language, from `not_before` (quiet hours)."""
    days = await turn.repos.trainings.days(training.id)
    people = await turn.repos.users.get_many(user_ids)  # one read, not one per invitee
    for user_id in user_ids:
        person = people.get(user_id)
        language = person.language if person else turn.app.default_language
        message = invitation_message(
            turn.app, language, training, days, "training.invitation_reminder"
        ).model_copy(
            # no dead buttons; no stale days after a reschedule, nothing after a cancellation
            update={"expires_at": training.rsvp_deadline, "thread": reminder_thread(training)}
        )
        await deliver(
            turn.repos,
            user_id=user_id,
            message=message,
            kind=DeliveryKind.ROUTINE,
            now=turn.now,
            not_before=not_before,
            topic=Topic.TRAINING,
        )


# What the organiser reads of the invitees not reminded, by their invitation's state.
_NOT_REMINDED = {
    InvitationState.NEVER_REACHED: "training.remind_resent",
    InvitationState.HELD: "training.remind_held",
    InvitationState.QUEUED: "training.remind_queued",
    InvitationState.UNREACHABLE: "training.remind_unreachable",
}


def _reminded_text(turn: Turn, states: Counter[InvitationState], not_before: datetime) -> str:
    """What "Ingatkan" did: reminders sent now, or waiting for the end of the quiet hours
    (said with its day and time); then how many got the invitation again, how many were
    not reminded as their invitation is still on its way (held or queued), and how many the
    bot cannot reach (to phone)."""
    lines = []
    reminded = states[InvitationState.REACHED]
    if reminded or not any(states[state] for state in _NOT_REMINDED):
        if not_before > turn.now:
            later = turn.app.local_date(not_before) > turn.today
            lines.append(
                turn.t(
                    "training.reminded_later",
                    count=reminded,
                    day=turn.t("training.when_tomorrow" if later else "training.when_today"),
                    time=clock_time(turn.app, not_before),
                )
            )
        else:
            lines.append(turn.t("training.reminded", count=reminded))
    lines += [
        turn.t(key, count=states[state]) for state, key in _NOT_REMINDED.items() if states[state]
    ]
    return "\n".join(lines)
