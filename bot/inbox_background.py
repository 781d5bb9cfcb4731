"""Heavy work a turn hands off (`Turn.later`: statistics, exports): written down with the
turn, run afterwards in a background task on a read-only connection of its own, its result
queued like any reply, with the form's question below it.

`BackgroundWork` is mixed into `InboxWorker` (bot/inbox_worker.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from handlers.context import BackgroundJob, Turn
from handlers.delivery import DeliveryKind, deliver_to_chat
from handlers.events import Outbound
from handlers.forms.held_question import question_below_result

if TYPE_CHECKING:
    from bot.inbox_worker import InboxWorker

log = logging.getLogger(__name__)


class BackgroundWork:
    """The background jobs of `InboxWorker`."""

    async def _note_background(self: InboxWorker, repos: Any, turn: Turn) -> list[int]:
        """Write down each job the turn handed off, with the turn (removed with its answer;
        one left at a restart is answered "ask again", and the form's question it held,
        bot/interrupted.py)."""
        event = turn.event
        return [
            await repos.background.add(
                user_id=turn.user.id if turn.user else None,
                channel=event.channel,
                chat_id=event.chat_id,
                language=turn.language,
                now=self.clock.now(),
                resume_session=job.resume.session_id if job.resume else None,
                resume_rev=job.resume.rev if job.resume else None,
            )
            for job in turn.background
        ]

    def _start_background(self: InboxWorker, turn: Turn, requests: list[int]) -> None:
        for job, request in zip(turn.background, requests, strict=True):
            task = asyncio.create_task(self._run_background(job, turn, request))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def finish_background(self: InboxWorker) -> None:
        """Wait for the background jobs still running (before closing the database)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _run_background(
        self: InboxWorker, job: BackgroundJob, turn: Turn, request: int
    ) -> None:
        """Heavy work a turn handed off: read from a read-only connection of its own (charts
        and workbooks drawn by `AppContext.render`, in the render process), then its
        messages go out through the outbox like any reply."""
        event, record = turn.event, job.record
        async with self._background_slots:
            try:
                async with self.db.reading_apart() as reader:
                    messages = await job.produce(reader)
            except Exception:
                log.exception("a background job for %s (%s) failed", event.chat_id, event.channel)
                messages = [Outbound.say(turn.t("errors.internal"))]
                record = None
        async with self.db.transaction() as repos:
            if record is not None:
                await record(repos)
            # The form's question, below the result: drawn now, not when the turn ran (the
            # person may have answered it meanwhile).
            messages += await question_below_result(
                self.app,
                repos,
                event,
                user_id=turn.user.id if turn.user else None,
                resume=job.resume,
                now=self.clock.now(),
            )
            await repos.background.answered(request)
            await deliver_to_chat(
                repos,
                user_id=turn.user.id if turn.user else None,
                messages=messages,
                kind=DeliveryKind.REPLY,
                now=self.clock.now(),
                channel=event.channel,
                chat_id=event.chat_id,
            )
        self.on_outbox(event.channel)
