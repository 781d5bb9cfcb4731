"""A form's question asked again below a result prepared in the background ("statistik" amid
a report: "⏳ Sedang disiapkan…", the statistics, then the question).

The turn does not hold the question's message for the job: the job may take seconds, and
meanwhile the person may answer the question still on screen (typed text carries no revision,
buttons do). The turn holds a `FormResume` (which session, at which revision) instead, and the
question is drawn when the result is delivered, only if the session is still open at that
revision: otherwise the person has moved on and has seen a newer question already.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from handlers.context import AppContext, FormResume, Turn
from handlers.events import Inbound, Outbound
from handlers.forms.runner import resume_interrupted
from storage.repos import Repos

log = logging.getLogger(__name__)


async def hold_question(turn: Turn, since: int, session_id: int) -> None:
    """The replies from index `since` on (the question of `session_id` asked again) go after
    the last background job's result, drawn anew then (`question_below_result`). Nothing
    moves without a job, or when nothing was asked."""
    if not turn.background or since >= len(turn.replies):
        return
    session = await turn.repos.forms.get(session_id)
    if session is None or session.status != "active":
        return
    del turn.replies[since:]
    last = turn.background[-1]
    turn.background[-1] = replace(last, resume=FormResume(session.id, session.rev))


async def question_below_result(
    app: AppContext,
    repos: Repos,
    event: Inbound,
    *,
    user_id: int | None,
    resume: FormResume | None,
    now: datetime,
) -> list[Outbound]:
    """The question a background job's turn held (`hold_question`), drawn now in the
    transaction that queues the job's result: nothing if the session was answered, closed or
    asked again meanwhile (its revision moved on). `event` is the turn's (its channel and
    chat; after a restart, one standing for them: bot/interrupted.py)."""
    if resume is None or user_id is None:
        return []
    # A failure here must not cost the result it follows, nor the bot's start (after a
    # restart): what it did is rolled back, logged, and nothing is asked.
    try:
        async with repos.savepoint("held_question"):
            return await _draw(app, repos, event, user_id, resume, now)
    except Exception:
        log.exception("could not ask form session %s again below a result", resume.session_id)
        return []


async def _draw(
    app: AppContext,
    repos: Repos,
    event: Inbound,
    user_id: int,
    resume: FormResume,
    now: datetime,
) -> list[Outbound]:
    session = await repos.forms.get(resume.session_id)
    if session is None or session.user_id != user_id:
        return []
    if session.status != "active" or session.rev != resume.rev:
        return []
    user = await repos.users.get(user_id)
    identity = await repos.users.identity_by_chat(event.channel, event.chat_id)
    turn = Turn(app=app, repos=repos, event=event, now=now, user=user, identity=identity)
    await resume_interrupted(turn, session.id)
    return turn.replies
