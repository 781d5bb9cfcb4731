"""Durable steps: how many conversation steps per second the bot completes, and how fast.

A *step* is one update from a person handled end to end: stored in the inbox by the
Telegram poller, handled by the inbox worker (router, form engine, storage, outbox rows) in
one write transaction, and its reply rendered by the outbox sender through PTB into the
channel. Everything runs in this process on a database file with the production PRAGMAs
(WAL, synchronous=FULL); only the HTTP hop to the fake Bot API is replaced by an in-memory
call (see bench/telegram_memory.py). On WhatsApp (`--channel whatsapp`, bench/whatsapp_stack.py)
updates are signed webhooks over HTTP into the bot's own server, posted by Meta's simulated
side from a child process (bench/meta_poster.py): remote in production, so its CPU is not the
bot's and is not counted (`cpu_seconds` is this process's).

1. The floor: bare aiosqlite single-row INSERT + COMMIT with the same PRAGMAs on this disk.
2. Saturation: 500 new people register at once (7 steps each), then active PSMs each walk a
   case report (24 steps each), every person answering as soon as the bot has answered.
3. Latency at offered loads of 25, 50 and 100 steps/s (Poisson arrivals) from 200 PSMs
   walking case reports: from the inbox insert to the reply being handed to the channel's
   `send` (and, for reference, from the update being queued at the fake Bot API).

Time stamps and counters are taken by wrapping (in this process only, nothing on disk):
`InboxRepo.add` (insert time per update), the channel's `send` (hand-over time),
`Database.transaction` (commits, by the module opening them) and aiosqlite's
`Connection._execute` (round trips to its thread).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite

from bench.common import RESULTS, latency_summary, table, write_result
from bench.people import Place, Step, case_report, places, registration, seed_psms, seed_staff
from bench.stack import Stack, running_bot
from bench.telegram_memory import Person
from bench.whatsapp_stack import WhatsAppStack, running_whatsapp_bot
from storage.db import PRAGMAS

STEP_TIMEOUT = 120.0
TARGET_RATE = 100.0  # steps/s of the latency target
WINDOW = 5.0  # seconds per point of a throughput timeline
STAFF_FIRST_ID = 1_000
REGISTERING_FIRST_ID = 2_000_000
REPORTING_FIRST_ID = 3_000_000
WHATSAPP_STAFF_FIRST = 6281100001000  # phone numbers on WhatsApp
WHATSAPP_REPORTING_FIRST = 6281130000000
CHANNELS = ("telegram", "whatsapp")


AnyStack = Stack | WhatsAppStack


@dataclass(frozen=True)
class Line:
    """The channel the simulated people write on: how the bot is started, who they are."""

    channel: str

    @property
    def whatsapp(self) -> bool:
        return self.channel == "whatsapp"

    def running(self, folder: Path) -> Any:
        if self.whatsapp:  # the highest pacing the settings allow, as bench_settings does
            return running_whatsapp_bot(
                folder, whatsapp_send_rate_overall=1000, whatsapp_send_rate_per_chat=100
            )
        return running_bot(folder)

    def staff_first(self) -> int:
        return WHATSAPP_STAFF_FIRST if self.whatsapp else STAFF_FIRST_ID

    def reporter_ids(self, count: int) -> list[int]:
        first = WHATSAPP_REPORTING_FIRST if self.whatsapp else REPORTING_FIRST_ID
        return [first + index for index in range(count)]

    def person(self, stack: Any, number: int) -> Person:
        return stack.walker(number) if self.whatsapp else stack.hub.person(number)


# -- the floor ----------------------------------------------------------------------------------


async def bare_commits(folder: Path, seconds: float = 3.0) -> dict[str, Any]:
    """Single-row INSERT + COMMIT loops with the production PRAGMAs: aiosqlite and sqlite3."""
    payload = "x" * 200
    path = folder / "bare.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.daemon = True
    for pragma in PRAGMAS:
        await conn.execute(pragma)
    await conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("INSERT INTO t (v) VALUES (?)", (payload,))
        await conn.execute("COMMIT")
        count += 1
    async_rate = count / (time.perf_counter() - started)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 1.0:
        await conn.execute("SELECT 1")
        count += 1
    round_trip_us = (time.perf_counter() - started) / count * 1e6
    await conn.close()

    plain = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        plain.execute(pragma)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        plain.execute("BEGIN IMMEDIATE")
        plain.execute("INSERT INTO t (v) VALUES (?)", (payload,))
        plain.execute("COMMIT")
        count += 1
    sync_rate = count / (time.perf_counter() - started)
    plain.close()
    return {
        "aiosqlite_commits_per_s": round(async_rate, 1),
        "sqlite3_commits_per_s": round(sync_rate, 1),
        "aiosqlite_round_trip_us": round(round_trip_us, 1),
        "seconds": seconds,
    }


# -- walking scripts ----------------------------------------------------------------------------


@dataclass
class StepTimes:
    """When one step's update was queued, inserted and answered (perf_counter seconds)."""

    ext_id: str
    queued: float
    first_reply: float
    last_reply: float
    inserted: float | None = None


@dataclass
class Recorder:
    steps: list[StepTimes] = field(default_factory=list)

    def add(self, times: StepTimes) -> None:
        self.steps.append(times)


async def take_step(person: Person, step: Step, recorder: Recorder) -> None:
    """Queue one update, wait for the bot's answer(s), check them, note the times."""
    before = len(person.content)
    queued = time.perf_counter()
    update_id = step.act(person)
    await person.wait_content(before + step.replies, STEP_TIMEOUT)
    replies = person.content[before : before + step.replies]
    if step.expect:
        said = "\n".join(person.text_of(sent) for sent in replies)
        if step.expect not in said:
            raise AssertionError(
                f"user {person.user_id}: expected {step.expect!r} in the answer, got {said[:400]!r}"
            )
    recorder.add(StepTimes(str(update_id), queued, replies[0].handed_at, replies[-1].handed_at))


async def walk(person: Person, steps: Sequence[Step], recorder: Recorder) -> float:
    """Take every step; returns when the last answer was handed to the channel."""
    for step in steps:
        await take_step(person, step, recorder)
    return recorder.steps[-1].last_reply if recorder.steps else time.perf_counter()


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Phase:
    """Counters around one saturated phase."""

    name: str
    people: int
    steps: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    commits: dict[str, int] = field(default_factory=dict)
    round_trips: dict[str, int] = field(default_factory=dict)
    sends: int = 0
    steady_s: float = 0.0  # from the start until a fifth of the people had finished
    steady_steps: int = 0
    timeline: list[float] = field(default_factory=list)  # steps/s per window

    def result(self, floor: float) -> dict[str, Any]:
        rate = self.steps / self.wall_s if self.wall_s else 0.0
        steady = self.steady_steps / self.steady_s if self.steady_s else 0.0
        total_commits = sum(self.commits.values())
        return {
            "people": self.people,
            "steps": self.steps,
            "wall_s": round(self.wall_s, 2),
            "steps_per_s_whole_run": round(rate, 1),
            "steps_per_s": round(steady, 1),
            "steps_per_s_is": "while at least 80% of the people were still walking",
            "ratio_to_bare_commits": round(steady / floor, 3) if floor else None,
            "channel_sends": self.sends,
            "sends_per_step": round(self.sends / self.steps, 2) if self.steps else None,
            "commits": self.commits,
            "commits_per_step": round(total_commits / self.steps, 2) if self.steps else None,
            "commits_per_s": round(total_commits / self.wall_s, 1) if self.wall_s else None,
            "aiosqlite_round_trips_per_step": {
                name: round(count / self.steps, 1) for name, count in self.round_trips.items()
            }
            if self.steps
            else {},
            f"steps_per_s_every_{WINDOW:g}_s": self.timeline,
            "cpu_utilisation_of_one_core": round(self.cpu_s / self.wall_s, 2)
            if self.wall_s
            else None,
            "cpu_ms_per_step": round(self.cpu_s / self.steps * 1000, 2) if self.steps else None,
        }


async def saturate(stack: AnyStack, name: str, walks: list[tuple[Person, list[Step]]]) -> Phase:
    """Everyone walks their script at once, answering as soon as the bot has answered."""
    phase = Phase(name, len(walks))
    stack.probes.commits.clear()
    stack.probes.round_trips.clear()
    sends_before = stack.hub.sends
    recorder = Recorder()
    cpu_before, started = cpu_seconds(), time.perf_counter()
    finished = await asyncio.gather(*(walk(person, steps, recorder) for person, steps in walks))
    phase.wall_s = time.perf_counter() - started
    # Saturated while most people are still walking: until the first fifth has finished.
    steady_until = sorted(finished)[len(finished) // 5]
    phase.steady_s = steady_until - started
    phase.steady_steps = sum(1 for t in recorder.steps if t.last_reply <= steady_until)
    phase.cpu_s = cpu_seconds() - cpu_before
    phase.steps = len(recorder.steps)
    phase.commits = dict(stack.probes.commits)
    phase.round_trips = dict(stack.probes.round_trips)
    phase.sends = stack.hub.sends - sends_before
    windows = [0] * int(phase.wall_s // WINDOW)  # whole windows only
    for times in recorder.steps:
        window = int((times.last_reply - started) // WINDOW)
        if window < len(windows):
            windows[window] += 1
    phase.timeline = [round(count / WINDOW, 1) for count in windows]
    return phase


# -- latency at an offered load -------------------------------------------------------------------


async def offered_load(
    stack: AnyStack,
    people: list[Person],
    where: list[Place],
    *,
    rate: float,
    seconds: float,
    warmup: float,
    serial_base: int = 200_000,
    until: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Poisson arrivals at `rate` steps/s; each goes to the person idle the longest.

    Each person walks case report after case report; a person has at most one step in
    flight (people wait for the answer before they reply). With `until`, arrivals stop as
    soon as it is true after the warm-up (`seconds` then bounds the measured time).
    """
    rng = random.Random(7)
    idle: deque[int] = deque(range(len(people)))
    scripts: list[list[Step]] = [[] for _ in people]
    serial = [index * 1000 for index in range(len(people))]
    freed = asyncio.Event()
    recorder = Recorder()
    in_flight: set[asyncio.Task[None]] = set()
    failures: list[BaseException] = []
    starved = 0

    def finished(task: asyncio.Task[None]) -> None:
        in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            failures.append(task.exception())  # type: ignore[arg-type]

    async def one(index: int) -> None:
        if not scripts[index]:
            serial[index] += 1
            scripts[index] = case_report(serial_base + serial[index], where[index])
        step = scripts[index].pop(0)
        await take_step(people[index], step, recorder)
        idle.append(index)
        freed.set()

    stack.probes.commits.clear()
    stack.probes.round_trips.clear()
    sends_before = stack.hub.sends
    cpu_before, started = cpu_seconds(), time.perf_counter()
    due = started
    while due - started < warmup + seconds:
        if until is not None and due - started > warmup and until():
            break
        due += rng.expovariate(rate)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        while not idle:
            starved += 1
            freed.clear()
            try:
                await asyncio.wait_for(freed.wait(), STEP_TIMEOUT)
            except TimeoutError:
                raise (failures or [TimeoutError("no person became idle")])[0] from None
        if failures:
            raise failures[0]
        task = asyncio.create_task(one(idle.popleft()))
        in_flight.add(task)
        task.add_done_callback(finished)
    offered_until = time.perf_counter()
    if in_flight:
        await asyncio.gather(*in_flight)
    if failures:
        raise failures[0]
    wall = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    commits = dict(stack.probes.commits)

    measured = [s for s in recorder.steps if s.queued - started >= warmup]
    for times in measured:
        times.inserted = stack.probes.inbox_added.get(times.ext_id)
    from_insert = [s.first_reply - s.inserted for s in measured if s.inserted is not None]
    last_from_insert = [s.last_reply - s.inserted for s in measured if s.inserted is not None]
    from_queued = [s.first_reply - s.queued for s in measured]
    achieved = len(measured) / (offered_until - started - warmup)
    return {
        "offered_steps_per_s": rate,
        "arrivals": "Poisson",
        "people": len(people),
        "warmup_s": warmup,
        "measured_s": round(offered_until - started - warmup, 1),
        "steps_measured": len(measured),
        "achieved_steps_per_s": round(achieved, 1),
        "arrivals_delayed_no_idle_person": starved,
        "latency_inbox_insert_to_reply_handed_to_send": latency_summary(from_insert),
        "latency_inbox_insert_to_last_reply_handed_to_send": latency_summary(last_from_insert),
        "latency_update_queued_at_telegram_to_reply_handed_to_send": latency_summary(from_queued),
        "commits_per_step": round(sum(commits.values()) / len(recorder.steps), 2)
        if recorder.steps
        else None,
        "commits": commits,
        "aiosqlite_round_trips_per_step": {
            name: round(count / len(recorder.steps), 1)
            for name, count in stack.probes.round_trips.items()
        }
        if recorder.steps
        else {},
        "channel_sends": stack.hub.sends - sends_before,
        "cpu_utilisation_of_one_core": round(cpu / wall, 2),
    }


# -- the benchmark -------------------------------------------------------------------------------


async def run_async(
    *,
    channel: str = "telegram",
    registrations: int,
    reports: int,
    latency_people: int,
    latency_rates: Sequence[float],
    latency_seconds: float,
) -> dict[str, Any]:
    line = Line(channel)
    if line.whatsapp:
        registrations = 0  # on WhatsApp the number people write from is their phone: the
        # registration form differs (no contact to share); the case report is the same walk
    where = places()
    rng = random.Random(1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="steps-", dir=RESULTS) as scratch:
        folder = Path(scratch)
        print("  bare INSERT+COMMIT (aiosqlite, then sqlite3), same PRAGMAs ...")
        floor_before = await bare_commits(folder)
        print(
            f"    {floor_before['aiosqlite_commits_per_s']} commits/s (aiosqlite), "
            f"{floor_before['sqlite3_commits_per_s']} (sqlite3)"
        )

        saturated: dict[str, Any] = {}
        phases: list[Phase] = []
        (folder / "saturation").mkdir()
        async with line.running(folder / "saturation") as stack:
            assert stack.runtime.db is not None
            psm_places = [rng.choice(where) for _ in range(max(registrations, reports))]
            await seed_staff(stack.runtime.db, where, first_id=line.staff_first(), channel=channel)
            if registrations:
                walks = []
                for index in range(registrations):
                    person = stack.hub.person(REGISTERING_FIRST_ID + index)
                    walks.append((person, registration(index, psm_places[index])))
                print(f"  saturation: {registrations} people register at once ...")
                phases.append(await saturate(stack, "registrations", walks))
            if reports:
                ids = line.reporter_ids(reports)
                await seed_psms(stack.runtime.db, ids, psm_places[:reports], channel=channel)
                walks = [
                    (line.person(stack, ids[index]), case_report(index, psm_places[index]))
                    for index in range(reports)
                ]
                print(f"  saturation: {reports} PSMs each submit a case report at once ...")
                phases.append(await saturate(stack, "case_reports", walks))

        floor_after = await bare_commits(folder)
        floor = (
            floor_before["aiosqlite_commits_per_s"] + floor_after["aiosqlite_commits_per_s"]
        ) / 2
        total_steps = sum(p.steps for p in phases)
        total_wall = sum(p.wall_s for p in phases)
        for phase in phases:
            saturated[phase.name] = phase.result(floor)
        steady = sum(p.steady_steps for p in phases) / sum(p.steady_s for p in phases)
        saturated["all"] = {
            "steps": total_steps,
            "wall_s": round(total_wall, 2),
            "steps_per_s_whole_run": round(total_steps / total_wall, 1),
            "steps_per_s": round(steady, 1),
            "ratio_to_bare_commits": round(steady / floor, 3),
        }

        latency_runs = []
        for rate in latency_rates:
            run_folder = folder / f"latency-{rate:g}"
            run_folder.mkdir()
            async with line.running(run_folder) as stack:
                assert stack.runtime.db is not None
                lat_places = [rng.choice(where) for _ in range(latency_people)]
                await seed_staff(
                    stack.runtime.db, where, first_id=line.staff_first(), channel=channel
                )
                ids = line.reporter_ids(latency_people)
                await seed_psms(stack.runtime.db, ids, lat_places, channel=channel)
                people = [line.person(stack, i) for i in ids]
                print(
                    f"  latency: {rate:g} steps/s offered by {latency_people} PSMs "
                    f"for {latency_seconds:g} s ..."
                )
                latency_runs.append(
                    await offered_load(
                        stack,
                        people,
                        lat_places,
                        rate=rate,
                        seconds=latency_seconds,
                        warmup=3.0,
                    )
                )
        latency = next(
            (run for run in latency_runs if run["offered_steps_per_s"] == TARGET_RATE),
            latency_runs[-1],
        )

    p99 = latency["latency_inbox_insert_to_reply_handed_to_send"].get("p99_ms")
    ratio = saturated["all"]["ratio_to_bare_commits"]
    return {
        "setup": {
            "channel": channel,
            "transport": (
                "webhooks over HTTP into the bot's own server, posted by Meta's simulated "
                "side from a child process (its CPU not counted); the fake Graph API's ASGI "
                "app in memory; webhook server, worker, engine, storage, outbox sender and "
                "rendering are the product's; 'update queued' is the moment the webhook is "
                "handed to that process"
            )
            if line.whatsapp
            else "in-memory Bot API (fake's handlers, no HTTP); PTB, poller, worker, "
            "engine, storage, outbox sender and rendering are the product's",
            "database": "file on the project disk, WAL, synchronous=FULL (storage.db.PRAGMAS)",
            "send_rate_overall": 1000,
            "send_rate_per_chat": 100,
        },
        "bare_commit_floor": {
            "before": floor_before,
            "after": floor_after,
            "aiosqlite_commits_per_s_mean": round(floor, 1),
        },
        "saturated": saturated,
        "latency": latency,
        "latency_by_offered_load": latency_runs,
        "targets": {
            "ratio_to_bare_commits>=0.5": ratio >= 0.5,
            "stretch_ratio>=1.0": ratio >= 1.0,
            "p99_le_20ms_at_offered_load": p99 is not None and p99 <= 20.0,
        },
    }


def report(result: dict[str, Any]) -> None:
    floor = result["bare_commit_floor"]["aiosqlite_commits_per_s_mean"]
    rows = []
    for name, phase in result["saturated"].items():
        rows.append(
            [
                name,
                str(phase["steps"]),
                f"{phase['wall_s']:.1f}",
                f"{phase['steps_per_s_whole_run']:.1f}",
                f"{phase['steps_per_s']:.1f}",
                f"{phase['ratio_to_bare_commits']:.3f}",
                str(phase.get("commits_per_step", "")),
                str(phase.get("aiosqlite_round_trips_per_step", {}).get("writer", "")),
                str(phase.get("cpu_utilisation_of_one_core", "")),
                str(phase.get("cpu_ms_per_step", "")),
            ]
        )
    print(f"\n  bare aiosqlite INSERT+COMMIT: {floor:.0f}/s")
    print(
        table(
            rows,
            [
                "phase",
                "steps",
                "wall s",
                "steps/s (whole run)",
                "steps/s (saturated)",
                "/ bare commits",
                "commits/step",
                "writer round trips/step",
                "cpu (1 core)",
                "cpu ms/step",
            ],
        )
    )
    rows = []
    for lat in result["latency_by_offered_load"]:
        first = lat["latency_inbox_insert_to_reply_handed_to_send"]
        user = lat["latency_update_queued_at_telegram_to_reply_handed_to_send"]
        rows.append(
            [
                f"{lat['offered_steps_per_s']:g}",
                f"{lat['achieved_steps_per_s']:g}",
                str(lat["steps_measured"]),
                f"{first['p50_ms']:.1f}",
                f"{first['p95_ms']:.1f}",
                f"{first['p99_ms']:.1f}",
                f"{user['p99_ms']:.1f}",
                str(lat["commits_per_step"]),
                str(lat["aiosqlite_round_trips_per_step"].get("writer", "")),
            ]
        )
    people = result["latency"]["people"]
    print(f"\n  latency, inbox insert -> reply handed to send ({people} PSMs, Poisson arrivals):")
    print(
        table(
            rows,
            [
                "offered/s",
                "achieved/s",
                "steps",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "p99 from update queued",
                "commits/step",
                "writer round trips/step",
            ],
        )
    )


def result_name(channel: str) -> str:
    return "steps" if channel == "telegram" else f"steps_{channel}"


def run(
    *,
    channel: str = "telegram",
    registrations: int = 500,
    reports: int = 200,
    latency_people: int = 200,
    latency_rates: Sequence[float] = (25.0, 50.0, TARGET_RATE),
    latency_seconds: float = 20.0,
) -> dict[str, Any]:
    print(f"steps: durable conversation steps ({channel})")
    result = asyncio.run(
        run_async(
            channel=channel,
            registrations=registrations,
            reports=reports,
            latency_people=latency_people,
            latency_rates=latency_rates,
            latency_seconds=latency_seconds,
        )
    )
    report(result)
    write_result(result_name(channel), result)
    return result
