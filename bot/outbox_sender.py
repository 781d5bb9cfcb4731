"""Drains the outbox of one channel: most urgent first, paced per chat and overall.

Pacing is ours (not AIORateLimiter, which pauses every request on any 429 and has no
per-chat pacing): a flood limit in one chat holds only that chat. At-least-once kinds are
marked sent after the channel accepts them; at-most-once kinds (routine, bulk) before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.channels.base import SendOutcome
from bot.clock import Clock
from handlers.delivery import AT_MOST_ONCE, ROUTINE_LIFETIME, DeliveryKind, deliver
from handlers.events import Outbound
from storage.db import Database
from storage.models import OutboxItem, Role
from storage.repos import Repos

log = logging.getLogger(__name__)

SendFunction = Callable[[OutboxItem, Outbound], Awaitable[SendOutcome]]
MAX_ATTEMPTS = 8


async def alert_admins(repos: Repos, problem: str, *, now: datetime) -> None:
    """Tell every active admin, once a day per problem, about something only they can fix."""
    if not await repos.schedule.claim("operator_alert", f"{problem}:{now.date()}", now=now):
        return
    for admin in await repos.users.active_with_role(Role.ADMIN):
        await deliver(
            repos,
            user_id=admin.id,
            message=Outbound.say(problem),
            kind=DeliveryKind.NOTICE,
            now=now,
        )


class TokenBucket:
    """`rate` sends per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class OutboxSender:
    """One channel's sender loop."""

    def __init__(
        self,
        db: Database,
        channel: str,
        send: SendFunction,
        clock: Clock,
        *,
        overall_rate: float = 30.0,
        chat_rate: float = 1.0,
        chat_burst: float = 3.0,
    ) -> None:
        self.db, self.channel, self._send, self.clock = db, channel, send, clock
        self._overall = TokenBucket(overall_rate, overall_rate)
        self._chat_rate, self._chat_burst = chat_rate, chat_burst
        self._chats: dict[str, TokenBucket] = {}
        self._held_until: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Finish the current batch, then return from `run`."""
        self._stopping = True
        self._wake.set()

    def wake(self) -> None:
        """Something was queued: look at the outbox now."""
        self._wake.set()

    async def run(self) -> None:
        """Send until stopped."""
        while not self._stopping:
            self._wake.clear()
            try:
                busy = await self.drain()
            except Exception:
                log.exception("outbox sender for %s failed; retrying", self.channel)
                busy = False
            if busy and not self._stopping:
                await asyncio.sleep(0.05)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def _may_send(self, chat_id: str) -> bool:
        if self._held_until.get(chat_id, 0) > time.monotonic():
            return False
        bucket = self._chats.setdefault(chat_id, TokenBucket(self._chat_rate, self._chat_burst))
        return bucket.take()

    async def drain(self) -> bool:
        """Send what is due now; True when some messages had to wait for pacing."""
        async with self.db.reading() as repos:
            items = await repos.outbox.due(self.channel, self.clock.now())
        waited: set[str] = set()
        for item in items:
            chat = item.chat_id or ""
            if chat in waited:
                continue  # keep each chat's messages in order
            best_effort = item.kind == DeliveryKind.TRANSIENT
            if not best_effort and (not self._may_send(chat) or not self._overall.take()):
                waited.add(chat)
                continue
            await self._deliver(item)
        return bool(waited)

    async def _deliver(self, item: OutboxItem) -> None:
        message = Outbound.model_validate(item.message)
        at_most_once = item.kind in AT_MOST_ONCE
        if at_most_once:
            async with self.db.transaction() as repos:
                await repos.outbox.mark_sent(item.id, now=self.clock.now())
        outcome = await self._send(item, message)
        now = self.clock.now()
        async with self.db.transaction() as repos:
            if outcome.status == "sent":
                if at_most_once:
                    await repos.outbox.set_ext_message_id(item.id, outcome.message_id)
                else:
                    await repos.outbox.mark_sent(
                        item.id, now=now, ext_message_id=outcome.message_id
                    )
            elif outcome.status == "retry" and item.attempts + 1 < MAX_ATTEMPTS:
                if outcome.chat_wide:
                    self._held_until[item.chat_id or ""] = time.monotonic() + outcome.retry_after
                await repos.outbox.retry_later(
                    item.id,
                    not_before=now + timedelta(seconds=outcome.retry_after),
                    error=outcome.error,
                )
            elif outcome.status == "deferred":
                await repos.outbox.defer(
                    item.id,
                    not_before=now + timedelta(seconds=outcome.retry_after),
                    lifetime=ROUTINE_LIFETIME,
                    error=outcome.error,
                )
            elif outcome.status == "held":
                await repos.outbox.hold(item.id, error=outcome.error or "held")
            elif outcome.status == "unreachable":
                await repos.outbox.mark_failed(item.id, error=outcome.error or "unreachable")
                await repos.users.mark_unreachable(self.channel, item.chat_id or "", now=now)
            else:
                log.warning("outbox %s to %s failed: %s", item.id, self.channel, outcome.error)
                await repos.outbox.mark_failed(item.id, error=outcome.error or outcome.status)
            if outcome.template:
                await repos.outbox.record_template(item.id, outcome.template)
            if outcome.operator_alert:
                await alert_admins(repos, outcome.operator_alert, now=now)
