"""Drains the outbox of one channel: most urgent first, paced per chat and overall.

Pacing is ours (not AIORateLimiter, which pauses every request on any 429 and has no
per-chat pacing): a flood limit in one chat holds only that chat, and a paced chat never
delays another. At-least-once kinds are marked sent after the channel accepts them (several
at a time, in one transaction); at-most-once kinds (routine, bulk) before.

The buckets count API calls, not messages: a message that takes several calls (Telegram: a
reply keyboard removal before a question, a long text in pieces) waits until its chat and the
channel have tokens for all of them (`api_calls`, from the message's shape, before sending).
What the sends came to is written by `bot/send_outcomes.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import tzinfo

from bot.channels.base import MAX_ATTEMPTS, SendOutcome
from bot.clock import Clock
from bot.pacing import Pacing
from bot.send_outcomes import FinishedSend, IdsWritten, OutcomeWriter
from bot.send_trouble import SendTrouble
from handlers.delivery import AT_MOST_ONCE, DeliveryKind
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import OutboxItem

log = logging.getLogger(__name__)

SendFunction = Callable[[OutboxItem, Outbound], Awaitable[SendOutcome]]
CallCount = Callable[[Outbound], int]  # rate-limited API calls one message takes
# The longest a message to be tried again holds the later messages of its chat: a reply or
# an alert does not wait out a long back-off (WhatsApp's temporary errors: up to 30 min);
# after that they may overtake it.
RETRY_HOLD_MAX = 60.0
BATCH = 200  # due messages read per round at most
RESERVED_FOR_REPLIES = 2.0  # overall tokens routine and bulk messages leave untouched
CALLS_AFTER_A_FLOOD_LIMIT = 3.0  # per-chat calls a flood-limited chat waits to have again
LOOK_PAST = 8  # ... beyond those that may go now (callback answers are not paced)
FLUSH_AT = 64  # write the outcomes once this many sends finished ...
FLUSH_AFTER = 0.05  # ... or the oldest finished this long ago (seconds), or nothing is sending


class TokenBucket:
    """`rate` sends per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, count: float = 1.0) -> bool:
        """Take `count` tokens if they are there (all of the burst will do for more: the
        bucket then goes below zero and the next sends wait longer)."""
        self._refill()
        if self.tokens >= min(count, self.burst):
            self.tokens -= count
            return True
        return False

    def available(self) -> float:
        """Tokens there now."""
        self._refill()
        return self.tokens

    def wait_time(self, need: float = 1.0) -> float:
        """Seconds until `need` tokens (at most the burst) are there (0 when they are)."""
        self._refill()
        need = min(need, self.burst)
        return 0.0 if self.tokens >= need else (need - self.tokens) / self.rate


class OutboxSender:
    """One channel's sender loop.

    Each round reads what is due, starts one task per chat that may send now (its messages
    in order, one after the other; other chats in parallel, at most `concurrency` at once),
    and writes the outcomes of finished sends in one transaction. A chat that is paced,
    held by a flood limit or already sending is skipped, never waited for.
    """

    def __init__(
        self,
        db: Database,
        channel: str,
        send: SendFunction,
        clock: Clock,
        *,
        pacing: Pacing | None = None,
        concurrency: int = 32,
        api_calls: CallCount | None = None,
        zone: tzinfo,
        catalog: Catalog | None = None,
        ids_written: IdsWritten | None = None,
    ) -> None:
        self.db, self.channel, self._send, self.clock = db, channel, send, clock
        self._outcomes = OutcomeWriter(channel, zone=zone, catalog=catalog, ids_written=ids_written)
        self._api_calls = api_calls
        self._trouble = SendTrouble(channel)  # failed tries said once an outage
        pacing = pacing or Pacing()
        self._overall = TokenBucket(pacing.overall_rate, pacing.overall_bucket)
        # Reminders and broadcasts leave a few tokens for replies, which then need not wait.
        self._reserve = min(RESERVED_FOR_REPLIES, self._overall.burst - 1)
        self._chat_rate, self._chat_burst = pacing.chat_rate, pacing.chat_burst
        self._chats: dict[str, TokenBucket] = {}
        self._held_until: dict[str, float] = {}  # chat -> monotonic time its hold ends
        # chat -> (the message to be tried again, when): later ones of the chat wait for it
        self._retrying: dict[str, tuple[int, float]] = {}
        self._channel_held_until = 0.0  # the channel's overall throughput said to wait
        self._concurrency = concurrency
        self._sending: dict[str, asyncio.Task[None]] = {}  # chat -> its running task
        self._in_parts: set[int] = set()  # chosen messages of several API calls
        self._finished: list[FinishedSend] = []  # sent (or not), status not written yet
        self._finished_since = 0.0
        self._flushing: list[FinishedSend] = []  # being written now
        self._flushing_task: asyncio.Task[None] | None = None
        self._marks_awaited = False  # a due message waits for its chat's unwritten outcome
        self._round_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Finish the current sends, then return from `run`."""
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
                started, paced, blocked = await self._round()
            except Exception:
                log.exception("outbox sender for %s failed; retrying", self.channel)
                started, paced, blocked = 0, 1.0, False
            self._flush_soon()
            if started and not self._stopping:
                continue
            if paced is not None:
                pause = paced
            elif blocked:
                pause = 1.0  # a chat's send finishing wakes us
            else:
                pause = await self._until_next_due()
            if self._finished:
                pause = min(pause, max(0.0, self._finished_since + FLUSH_AFTER - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
        await self._settle()

    async def drain(self) -> bool:
        """Send everything that may go now; True when some messages had to wait for pacing."""
        waited = False
        for _ in range(1000):
            started, paced, _ = await self._round()
            await self._settle()
            waited = waited or paced is not None
            if not started:
                break
        return waited

    async def _settle(self) -> None:
        """Wait for the running sends and write their outcomes."""
        while self._sending:
            await asyncio.gather(*self._sending.values(), return_exceptions=True)
        if self._flushing_task is not None:
            await asyncio.gather(self._flushing_task, return_exceptions=True)
        await self._flush()

    def _unwritten(self) -> list[int]:
        """Messages sent (or tried) whose outcome is not written yet: not due again."""
        return [entry.item.id for entry in (*self._flushing, *self._finished)]

    def _flush_soon(self) -> None:
        """Write finished outcomes in the background when enough have gathered, the oldest
        has waited long enough, a due message waits for them or nothing is sending; sending
        goes on meanwhile (outcomes finishing during a write gather for the next)."""
        if not self._finished or (self._flushing_task and not self._flushing_task.done()):
            return
        old = time.monotonic() - self._finished_since >= FLUSH_AFTER
        if not self._sending or old or len(self._finished) >= FLUSH_AT or self._marks_awaited:
            self._flushing_task = asyncio.create_task(self._flush_logged())

    async def _flush_logged(self) -> None:
        try:
            await self._flush()
        except Exception:
            log.exception("outbox sender for %s could not write outcomes; later", self.channel)

    async def _until_next_due(self) -> float:
        async with self.db.reading() as repos:
            due = await repos.outbox.next_due_at(
                self.channel, self.clock.now(), skip_ids=self._unwritten()
            )
        if due is None:
            return 1.0
        return min(1.0, max(0.0, (due - self.clock.now()).total_seconds()))

    def _calls(self, item: OutboxItem) -> int:
        """API calls the item's message takes (1 when the channel does not say)."""
        if self._api_calls is None:
            return 1
        try:
            return max(1, self._api_calls(Outbound.model_validate(item.message)))
        except Exception:
            log.exception("outbox %s: could not count its API calls", item.id)
            return 1

    def _pacing_delay(self, chat_id: str, calls: int = 1) -> float:
        """0 when the chat may get a message of `calls` API calls now (and takes their
        tokens), else how long to wait."""
        held = self._held_until.get(chat_id, 0) - time.monotonic()
        if held > 0:
            return held
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = TokenBucket(self._chat_rate, self._chat_burst)
        return 0.0 if bucket.take(calls) else bucket.wait_time(calls)

    async def _round(self) -> tuple[int, float | None, bool]:
        """Start what may go now: (chats started, seconds until a paced message may go or
        None, whether some chat was skipped because it is sending)."""
        async with self._round_lock:
            # A chat whose last sends are not marked yet waits for that write: a crash then
            # repeats at most the message being sent in each chat, never an earlier one
            # after a later (the marks are written several chats at a time, within 50 ms).
            unflushed = {entry.item.chat_id or "" for entry in self._finished}  # not writing
            unmarked = unflushed | {entry.item.chat_id or "" for entry in self._flushing}
            busy = set(self._sending) | unmarked
            # No more than may go now (and the chats sending now): a backlog of thousands
            # is not read again and again while the overall bucket refills.
            wanted = int(self._overall.available()) + len(self._sending) + LOOK_PAST
            async with self.db.reading() as repos:
                items = await repos.outbox.due(
                    self.channel,
                    self.clock.now(),
                    limit=min(BATCH, wanted),
                    skip_ids=self._unwritten(),
                )
            chosen: dict[str, list[OutboxItem]] = {}
            paced: float | None = None
            blocked = False
            channel_hold = self._channel_held_until - time.monotonic()
            for item in items:
                chat = item.chat_id or ""
                if chat in busy:
                    blocked = blocked or chat in self._sending or chat in unmarked
                    if chat in unflushed and chat not in self._sending:
                        self._marks_awaited = True  # a person waits: write the marks now
                    continue  # keeps each chat's messages in order
                behind = self._behind_a_retry(chat, item)
                if behind > 0:
                    busy.add(chat)
                    paced = behind if paced is None else min(paced, behind)
                    continue
                if len(self._sending) + len(chosen) >= self._concurrency and chat not in chosen:
                    blocked = True
                    break
                if item.kind != DeliveryKind.TRANSIENT:
                    calls = self._calls(item)
                    reserve = self._reserve if item.kind in AT_MOST_ONCE else 0.0
                    need = min(calls, self._overall.burst - reserve) + reserve
                    delay = (
                        max(0.0, channel_hold)
                        or self._overall.wait_time(need)
                        or self._pacing_delay(chat, calls)
                    )
                    if delay > 0:
                        busy.add(chat)
                        paced = delay if paced is None else min(paced, delay)
                        continue
                    self._overall.take(calls)
                    if calls > 1:
                        self._in_parts.add(item.id)
                chosen.setdefault(chat, []).append(item)
            ahead = [i.id for batch in chosen.values() for i in batch if i.kind in AT_MOST_ONCE]
            if ahead:
                async with self.db.transaction() as repos:
                    await repos.outbox.mark_many_sent_ahead(ahead, now=self.clock.now())
            for chat, batch in chosen.items():
                self._sending[chat] = asyncio.create_task(self._send_chat(chat, batch))
            return len(chosen), paced, blocked

    async def _send_chat(self, chat: str, batch: list[OutboxItem]) -> None:
        """One chat's messages in order; the first one not sent stops the rest."""
        try:
            for index, item in enumerate(batch):
                outcome = await self._send_one(item)
                self._trouble.note(chat, item.id, outcome, self.clock.now())
                self._finish(FinishedSend(item, outcome, self.clock.now()))
                if outcome.status != "sent":
                    self._hold(chat, item, outcome)
                    for rest in batch[index + 1 :]:
                        self._finish(FinishedSend(rest, None, self.clock.now()))
                    break
        finally:
            del self._sending[chat]
            self._wake.set()

    def _hold(self, chat: str, item: OutboxItem, outcome: SendOutcome) -> None:
        """A flood limit holds the chat, or the channel's overall pace, until it passes; a
        message to be tried again holds its chat until then, so that the messages queued
        after it do not overtake it (the person reads them in order)."""
        if outcome.status != "retry":
            return
        if outcome.channel_wide:
            until = time.monotonic() + outcome.retry_after
            self._channel_held_until = max(self._channel_held_until, until)
        elif outcome.chat_wide:
            # Long enough for one message's calls to come back (a keyboard, a caption, an
            # album take several), never the whole of a large burst (WhatsApp's 40: 4 min).
            calls = min(self._chat_burst, CALLS_AFTER_A_FLOOD_LIMIT)
            hold = max(outcome.retry_after, calls / self._chat_rate)
            self._held_until[chat] = time.monotonic() + hold
        elif item.attempts + 1 < MAX_ATTEMPTS:  # else it fails now: nothing to wait for
            # Only what was queued after it waits: an earlier message sent again (a status
            # webhook's 131047) may go.
            hold = min(outcome.retry_after, RETRY_HOLD_MAX)
            self._retrying[chat] = (item.id, time.monotonic() + hold)

    def _behind_a_retry(self, chat: str, item: OutboxItem) -> float:
        """Seconds `item` waits for an earlier message of its chat to be tried again (0 when
        none is waiting, or it is that message or an earlier one)."""
        retrying = self._retrying.get(chat)
        if retrying is None:
            return 0.0
        first, until = retrying
        left = until - time.monotonic()
        if left <= 0:
            del self._retrying[chat]
            return 0.0
        return left if item.id > first else 0.0

    def _finish(self, entry: FinishedSend) -> None:
        self._in_parts.discard(entry.item.id)
        if not self._finished:
            self._finished_since = time.monotonic()
        self._finished.append(entry)

    async def _send_one(self, item: OutboxItem) -> SendOutcome:
        try:
            if item.attempts or item.id in self._in_parts:
                # Tried before, or in several parts: resume after the parts that went out
                # (storage/outbox_parts.py); a first single send reads nothing more.
                async with self.db.reading() as repos:
                    earlier = await repos.outbox_parts.to_resume(item.id)
                item = item.model_copy(update={"sent_parts": earlier})
            return await self._send(item, Outbound.model_validate(item.message))
        except Exception as exc:
            log.exception("outbox %s to %s: the channel adapter failed", item.id, self.channel)
            return SendOutcome("retry", retry_after=5.0, error=repr(exc))

    async def _flush(self) -> None:
        """Write the outcomes of finished sends in one transaction."""
        done, self._finished = self._finished, []
        if not done:
            return
        self._marks_awaited = False
        self._flushing = done
        try:
            async with self.db.transaction() as repos:
                await self._outcomes.write(repos, done, self.clock.now())
        except BaseException:
            self._finished = done + self._finished
            raise
        finally:
            self._flushing = []
            self._wake.set()  # their chats may send again
