"""Fan-out at Telegram's limits (issue 6): 10,000 reminders while 100 PSMs walk case reports.

The bot runs in-process as in bench/steps.py, but with the product's default pacing (30
messages/s overall, 1/s per chat) and the fake Bot API enforcing Telegram's flood limits
(`FakeTelegram.enforce_limits`: token buckets of 30/s overall and 1/s per chat with a burst
of 3; beyond them a 429 with a whole-second retry_after, and a count of sends that came back
to a chat before its retry_after had passed). Reminders are queued as the scheduler queues
them (routine, at most once, behind interactive replies); the walkers each take one step
every PACE seconds (after the previous answer came) until every reminder is out.

Reported: messages/s sustained from the moment the reminders were queued until the last one
went out (replies and reminders together; the ceiling is 30), 429s and ignored retry_afters,
and the walkers' time from the update reaching Telegram to the first reply handed to
`send`. Replies go first, so the rate limits impose at most the wait for the next overall
token (1/30 s) on a reply; the figure "beyond the limits" subtracts that allowance.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import RESULTS, latency_summary, table, write_result
from bench.people import case_report, places, seed_psms, seed_staff
from bench.stack import running_bot
from bench.steps import STAFF_FIRST_ID, Recorder, take_step
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from tests.fakes.telegram_api import RateLimits

REMINDERS = 10_000
WALKERS = 100
PACE = 15.0  # seconds between a walker's answer and their next step
OVERALL = 30.0
WALKER_FIRST_ID = 5_000_000
REMINDED_FIRST_ID = 6_000_000


async def _queue_reminders(db: Any, ids: list[int]) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as repos:
        rows = await repos.users._all(
            "SELECT user_id, chat_id FROM channel_identities WHERE channel = 'telegram'"
            " AND CAST(external_id AS INTEGER) >= ?",
            (REMINDED_FIRST_ID,),
        )
        for user_id, chat_id in rows:
            await deliver(
                repos,
                user_id=user_id,
                message=Outbound.say("Pengingat: ada laporan yang belum selesai."),
                kind=DeliveryKind.ROUTINE,
                now=now,
                channel="telegram",
                chat_id=chat_id,
            )
    assert len(rows) == len(ids)


async def _unsent_reminders(db: Any) -> int:
    async with db.reading() as repos:
        row = await repos.outbox._one(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'routine' AND status = 'pending'"
        )
    return int(row[0])


async def run_async(*, reminders: int, walkers: int, pace: float) -> dict[str, Any]:
    where = places()
    rng = random.Random(3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fanout-", dir=RESULTS) as scratch:
        folder = Path(scratch)
        async with running_bot(folder, send_rate_overall=OVERALL, send_rate_per_chat=1.0) as stack:
            db = stack.runtime.db
            assert db is not None
            walker_places = [rng.choice(where) for _ in range(walkers)]
            await seed_staff(db, where, first_id=STAFF_FIRST_ID)
            walker_ids = [WALKER_FIRST_ID + n for n in range(walkers)]
            await seed_psms(db, walker_ids, walker_places)
            reminded = [REMINDED_FIRST_ID + n for n in range(reminders)]
            seeded = time.perf_counter()
            await seed_psms(db, reminded, [rng.choice(where) for _ in reminded])
            print(f"  {reminders:,} people seeded in {time.perf_counter() - seeded:.0f} s")
            counters = stack.fake.enforce_limits(RateLimits(overall_per_s=OVERALL))
            recorder = Recorder()
            done = asyncio.Event()

            async def walker(index: int) -> None:
                person = stack.hub.person(walker_ids[index])
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
            accepted_before, limited_before = counters.accepted, counters.limited
            started, started_clock = time.perf_counter(), time.monotonic()
            print(f"  queueing {reminders:,} reminders ...")
            await _queue_reminders(db, reminded)
            stack.runtime.senders["telegram"].wake()
            while True:  # until every reminder went out (or failed for good)
                if not await _unsent_reminders(db):
                    break
                await asyncio.sleep(1.0)
            elapsed = counters.last_at - started_clock  # until the last message went out
            sent = counters.accepted - accepted_before
            done.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    window = [s for s in recorder.steps if s.queued >= started and s.queued <= started + elapsed]
    latency = latency_summary(s.first_reply - s.queued for s in window)
    allowance_ms = 1000.0 / OVERALL
    beyond = round(max(0.0, latency.get("p99_ms", 0.0) - allowance_ms), 1)
    return {
        "setup": {
            "reminders": reminders,
            "walkers": walkers,
            "pace_s": pace,
            "limits": "fake Bot API: 30/s overall (burst 30), 1/s per chat (burst 3)",
            "product_pacing": "SEND_RATE_OVERALL=30, SEND_RATE_PER_CHAT=1",
        },
        "fan_out_s": round(elapsed, 1),
        "messages_sent": sent,
        "sustained_messages_per_s": round(sent / elapsed, 1),
        "http_429": counters.limited - limited_before,
        "ignored_retry_after": counters.ignored_retry_after,
        "walker_steps": len(window),
        "walker_update_to_first_reply": latency,
        "walker_p99_beyond_limits_ms": beyond,
        "targets": {
            "sustained_ge_28_per_s": sent / elapsed >= 28,
            "no_ignored_retry_after": counters.ignored_retry_after == 0,
            "walker_p99_beyond_limits_lt_50ms": beyond < 50,
        },
    }


def run(*, reminders: int = REMINDERS, walkers: int = WALKERS, pace: float = PACE) -> dict:
    print(f"fanout: {reminders:,} reminders at Telegram's limits while {walkers} PSMs walk")
    result = asyncio.run(run_async(reminders=reminders, walkers=walkers, pace=pace))
    lat = result["walker_update_to_first_reply"]
    print()
    print(
        table(
            [
                [
                    f"{result['fan_out_s']:.0f}",
                    str(result["messages_sent"]),
                    f"{result['sustained_messages_per_s']:.1f}",
                    str(result["http_429"]),
                    str(result["ignored_retry_after"]),
                    str(result["walker_steps"]),
                    f"{lat.get('p50_ms', 0):.1f}",
                    f"{lat.get('p99_ms', 0):.1f}",
                    f"{result['walker_p99_beyond_limits_ms']:.1f}",
                ]
            ],
            [
                "seconds",
                "sent",
                "msg/s",
                "429s",
                "ignored retry_after",
                "walker steps",
                "p50 ms",
                "p99 ms",
                "p99 beyond limits",
            ],
        )
    )
    write_result("fanout", result)
    return result
