"""Fan-out at a channel's limits (issue 6): 10,000 reminders while 100 PSMs walk case reports.

Telegram (the default): the bot runs in-process as in bench/steps.py, but with the product's
default pacing (30 messages/s overall, 1/s per chat) and the fake Bot API enforcing
Telegram's flood limits (`FakeTelegram.enforce_limits`: token buckets of 30/s overall and
1/s per chat with a burst of 3; beyond them a 429 with a whole-second retry_after, and a
count of sends that came back to a chat before its retry_after had passed).

WhatsApp (`--channel whatsapp`): the bot on WhatsApp alone with the product's WhatsApp
pacing (80/s overall, 0.16/s per chat), over real HTTP (bench/whatsapp_stack.py): the
walkers' signed webhooks are posted by Meta's simulated side from a child process; the bot
sends to the fake Graph API enforcing the Cloud API's limits (`FakeGraph.enforce_limits`: 80
messages/s throughput, error 130429; one message per 6 s to the same person with bursts of
45, error 131056; and a count of sends made while a limit said to wait). Everyone has
written within 24 hours, so reminders are free-form messages.

Reminders are queued by the scheduler's own daily reminders (`handlers/reminders.py`, one tick:
everyone's hour is 16:00 by default, so all at once), which let answers go in between the
people they remind; each reminded PSM has been quiet for 8 days, so each gets one reminder
(routine, at most once, sent behind interactive replies). Walkers have reminders off; each
takes one step every PACE seconds (after the previous answer came) until every reminder is
out.

Reported: messages/s sustained from the moment the reminders were queued until the last one
went out (replies and reminders together; the ceiling is 30 on Telegram, 80 on WhatsApp),
limit errors and ignored retries, and the walkers' time from the update reaching the channel
(WhatsApp: the webhook being handed to Meta's side) to the first reply handed to `send`.
Replies go first, so the rate limits impose at most the wait for the next overall token
(1/ceiling s) on a reply; the figure "beyond the limits" subtracts that allowance.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from bench.common import RESULTS, latency_summary, table, write_result
from bench.people import case_report, places, seed_psms, seed_staff
from bench.stack import running_bot
from bench.steps import STAFF_FIRST_ID, Recorder, take_step
from bench.telegram_memory import Person
from bench.whatsapp_stack import running_whatsapp_bot
from bot.channels.whatsapp.channel import CHAT_BURST as WHATSAPP_CHAT_BURST
from bot.scheduler import Scheduler
from handlers.reminders import daily_reminders
from tests.fakes.telegram_api import RateLimits
from tests.fakes.whatsapp_api import WhatsAppLimits

REMINDERS = 10_000
WALKERS = 100
PACE = 15.0  # seconds between a walker's answer and their next step


@dataclass
class Counts:
    """What the fake's enforced limits saw, the same way for every channel."""

    accepted: int
    limited: int  # 429s (Telegram), 130429 + 131056 (WhatsApp)
    ignored_retry: int  # sends made while a limit said to wait
    last_at: float  # monotonic time of the last accepted send


@dataclass
class Line:
    """One channel's side of the scenario: its stack, its limits, its people."""

    name: str
    ceiling: float  # messages/s the fake allows in all
    limits: str
    product_pacing: str
    staff_first: int
    walker_first: int
    reminded_first: int
    stack: Any = None

    @asynccontextmanager
    async def running(self, folder: Path) -> AsyncIterator[Line]:
        if self.name == "whatsapp":  # the product's WhatsApp pacing (the defaults)
            async with running_whatsapp_bot(folder) as self.stack:
                yield self
        else:
            rates = {"send_rate_overall": self.ceiling, "send_rate_per_chat": 1.0}
            async with running_bot(folder, **rates) as self.stack:
                yield self

    def enforce_limits(self) -> None:
        if self.name == "whatsapp":
            self._counters = self.stack.graph.enforce_limits(WhatsAppLimits())
        else:
            self._counters = self.stack.fake.enforce_limits(RateLimits(overall_per_s=30.0))

    def counts(self) -> Counts:
        c = self._counters
        if self.name == "whatsapp":
            limited = c.throughput_limited + c.pair_limited
            return Counts(c.accepted, limited, c.ignored_retry, c.last_at)
        return Counts(c.accepted, c.limited, c.ignored_retry_after, c.last_at)

    def person(self, number: int) -> Person:
        if self.name == "whatsapp":
            return self.stack.walker(number)
        return self.stack.hub.person(number)


def line(channel: str) -> Line:
    if channel == "whatsapp":
        return Line(
            "whatsapp",
            80.0,
            "fake Graph API: 80/s throughput (burst 80, error 130429), pair rate 1 per 6 s"
            f" (burst {WhatsAppLimits().pair_burst:g}, error 131056)",
            "WHATSAPP_SEND_RATE_OVERALL=80, WHATSAPP_SEND_RATE_PER_CHAT=0.16"
            f" (burst {WHATSAPP_CHAT_BURST:g})",
            staff_first=6281100001000,
            walker_first=6281150000000,
            reminded_first=6281160000000,
        )
    return Line(
        "telegram",
        30.0,
        "fake Bot API: 30/s overall (burst 30), 1/s per chat (burst 3)",
        "SEND_RATE_OVERALL=30, SEND_RATE_PER_CHAT=1",
        staff_first=STAFF_FIRST_ID,
        walker_first=5_000_000,
        reminded_first=6_000_000,
    )


async def _queue_reminders(runtime: Any, first_chat: int) -> int:
    """The scheduler's daily reminders, as its tick queues them at everyone's hour (16:00 by
    default: everyone at once), whatever the time of day the benchmark runs: the quiet hours
    off and the hour passed. Each reminded PSM has been quiet for 8 days: one reminder each."""
    midnight = time_of_day(0)
    app = replace(runtime.app, quiet_start=midnight, quiet_end=midnight, reminder_time=midnight)
    work = {"daily_reminders": daily_reminders}
    await Scheduler(runtime.db, app, runtime.clock, work, runtime.scheduler.on_outbox).tick()
    async with runtime.db.reading() as repos:  # how many of the reminded PSMs got one
        row = await repos.outbox._one(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'routine' AND CAST(chat_id AS INTEGER) >= ?",
            (first_chat,),
        )
    return int(row[0])


async def _unsent_reminders(db: Any) -> int:
    async with db.reading() as repos:
        row = await repos.outbox._one(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'routine' AND status = 'pending'"
        )
    return int(row[0])


async def run_async(
    *, reminders: int, walkers: int, pace: float, channel: str = "telegram"
) -> dict[str, Any]:
    where = places()
    rng = random.Random(3)
    chosen = line(channel)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fanout-", dir=RESULTS) as scratch:
        async with chosen.running(Path(scratch)) as bot:
            db = bot.stack.runtime.db
            assert db is not None
            walker_places = [rng.choice(where) for _ in range(walkers)]
            await seed_staff(db, where, first_id=bot.staff_first, channel=channel)
            walker_ids = [bot.walker_first + n for n in range(walkers)]
            await seed_psms(db, walker_ids, walker_places, channel=channel, reminders=False)
            reminded = [bot.reminded_first + n for n in range(reminders)]
            seeded = time.perf_counter()
            await seed_psms(
                db,
                reminded,
                [rng.choice(where) for _ in reminded],
                channel=channel,
                joined=datetime.now(UTC) - timedelta(days=8),
            )
            print(f"  {reminders:,} people seeded in {time.perf_counter() - seeded:.0f} s")
            bot.enforce_limits()
            recorder = Recorder()
            done = asyncio.Event()

            async def walker(index: int) -> None:
                person = bot.person(walker_ids[index])
                serial = 0
                await asyncio.sleep(rng.uniform(0, pace))
                while not done.is_set():
                    serial += 1
                    for step in case_report(index * 1000 + serial, walker_places[index]):
                        if done.is_set():
                            return
                        await take_step(person, step, recorder)
                        await asyncio.sleep(pace)

            print(f"  {walkers} PSMs walk case reports, one step every {pace:g} s ...")
            tasks = [asyncio.create_task(walker(n)) for n in range(walkers)]
            await asyncio.sleep(pace)  # the walkers are under way
            before = bot.counts()
            started, started_clock = time.perf_counter(), time.monotonic()
            print(f"  queueing {reminders:,} reminders ...")
            reminded_now = await _queue_reminders(bot.stack.runtime, bot.reminded_first)
            queueing = time.perf_counter() - started
            print(f"  {reminded_now:,} reminders queued in {queueing:.1f} s")
            assert reminded_now == reminders, "each reminded PSM gets one reminder"
            while True:  # until every reminder went out (or failed for good)
                if not await _unsent_reminders(db):
                    break
                await asyncio.sleep(1.0)
            after = bot.counts()
            elapsed = after.last_at - started_clock  # until the last message went out
            sent = after.accepted - before.accepted
            done.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    window = [s for s in recorder.steps if s.queued >= started and s.queued <= started + elapsed]
    latency = latency_summary(s.first_reply - s.queued for s in window)
    allowance_ms = 1000.0 / chosen.ceiling
    beyond = round(max(0.0, latency.get("p99_ms", 0.0) - allowance_ms), 1)
    floor = 0.93 * chosen.ceiling
    return {
        "setup": {
            "channel": channel,
            "reminders": reminders,
            "walkers": walkers,
            "pace_s": pace,
            "limits": chosen.limits,
            "product_pacing": chosen.product_pacing,
        },
        "queueing_s": round(queueing, 1),
        "fan_out_s": round(elapsed, 1),
        "messages_sent": sent,
        "sustained_messages_per_s": round(sent / elapsed, 1),
        "ceiling_messages_per_s": chosen.ceiling,
        "limited": after.limited - before.limited,
        "ignored_retry_after": after.ignored_retry,
        "walker_steps": len(window),
        "walker_update_to_first_reply": latency,
        "walker_p99_beyond_limits_ms": beyond,
        "targets": {
            "sustained_ge_93_percent_of_ceiling": sent / elapsed >= floor,
            "no_ignored_retry_after": after.ignored_retry == 0,
            "walker_p99_beyond_limits_lt_50ms": beyond < 50,
        },
    }


def run(
    *,
    reminders: int = REMINDERS,
    walkers: int = WALKERS,
    pace: float = PACE,
    channel: str = "telegram",
) -> dict:
    title = "WhatsApp's" if channel == "whatsapp" else "Telegram's"
    print(f"fanout: {reminders:,} reminders at {title} limits while {walkers} PSMs walk")
    result = asyncio.run(
        run_async(reminders=reminders, walkers=walkers, pace=pace, channel=channel)
    )
    lat = result["walker_update_to_first_reply"]
    print()
    print(
        table(
            [
                [
                    f"{result['queueing_s']:.0f}",
                    f"{result['fan_out_s']:.0f}",
                    str(result["messages_sent"]),
                    f"{result['sustained_messages_per_s']:.1f}",
                    f"{result['ceiling_messages_per_s']:g}",
                    str(result["limited"]),
                    str(result["ignored_retry_after"]),
                    str(result["walker_steps"]),
                    f"{lat.get('p50_ms', 0):.1f}",
                    f"{lat.get('p99_ms', 0):.1f}",
                    f"{result['walker_p99_beyond_limits_ms']:.1f}",
                ]
            ],
            [
                "queued in s",
                "seconds",
                "sent",
                "msg/s",
                "ceiling",
                "limited",
                "ignored retry",
                "walker steps",
                "p50 ms",
                "p99 ms",
                "p99 beyond limits",
            ],
        )
    )
    write_result(result_name(channel), result)
    return result


def result_name(channel: str) -> str:
    """bench/results/<name>.json of the channel's run."""
    return "fanout_whatsapp" if channel == "whatsapp" else "fanout"
