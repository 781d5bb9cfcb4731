"""What the SIGKILL crash tests share, whatever the channel (test_crash.py over Telegram,
test_crash_whatsapp.py over WhatsApp): the bot process that is killed, the chaos loop with
its people (tests/durability/crash_people.py), the checks on a crash snapshot and at the end,
and the check that every reply reached its person in order, repeated only by a crash.

At every crash, on a copy of the database as the crash left it: every answer a person saw
acknowledged is stored, and every stored answer was acknowledged or its reply is still
queued in the outbox. At the end: everyone finished, each update was applied exactly once,
no reply was lost, a crash repeated in each chat at most the reply being sent when it struck
(chats are sent to in parallel and their sent marks written in batches, so one crash may
repeat a reply in several chats) and the database is sound.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import os
import random
import shutil
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from handlers.events import Outbound
from tests.durability.crash_people import Chat, Person, Registrant, Reporter, Step
from tests.durability.durable_harness import SOAK_FACTOR
from tests.e2e.bot_process import BotProcess

KILLS = 20  # SIGKILLs in `make test`; `make soak` multiplies them by SOAK_FACTOR


def kill_plans(seed: int) -> list:
    """(kills wanted, seed) for `pytest.mark.parametrize`: the fixed run of `make test`, and
    a soak run with a random seed (replayed with PSM_CRASH_SEED=<seed> make soak)."""
    return [
        (KILLS, seed),
        pytest.param(
            KILLS * SOAK_FACTOR,
            int(os.environ.get("PSM_CRASH_SEED") or random.randrange(10**6)),
            marks=pytest.mark.soak,
            id="soak",
        ),
    ]


REGISTRATION_SLOTS = 4


class ChaosBot(BotProcess):
    """A bot process that can also be killed before it has finished starting."""

    async def spawn_and_kill(self, after: float) -> None:
        self.spawn()
        assert self.process is not None
        await asyncio.sleep(after)
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)


# -- reading the database ----------------------------------------------------------------------


def snapshot(database: Path, folder: Path) -> Path:
    """A copy of the database files as the crash left them (the bot's own files untouched)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for suffix in ("", "-wal"):
        source = Path(f"{database}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / f"psm.db{suffix}")
    return folder / "psm.db"


def _query(db: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    return db.execute(sql, params).fetchall()


def sessions_of(db: sqlite3.Connection, chat: Chat, form_id: str) -> list[dict[str, Any]]:
    found = _query(
        db,
        "SELECT s.id, s.state, s.status FROM form_sessions s JOIN channel_identities i"
        " ON i.user_id = s.user_id WHERE i.channel = ? AND i.external_id = ?"
        " AND s.form_id = ? ORDER BY s.id",
        (chat.channel, chat.external_id, form_id),
    )
    return [
        {"id": i, "answers": json.loads(state)["answers"], "status": st} for i, state, st in found
    ]


def user_of(db: sqlite3.Connection, chat: Chat) -> dict[str, Any] | None:
    found = _query(
        db,
        "SELECT u.status, u.full_name, u.phone, u.phone_verified, u.requested_role,"
        " u.kecamatan_code, u.desa_code FROM users u JOIN channel_identities i"
        " ON i.user_id = u.id WHERE i.channel = ? AND i.external_id = ?",
        (chat.channel, chat.external_id),
    )
    if not found:
        return None
    keys = ("status", "full_name", "phone", "phone_verified", "role", "kecamatan", "desa")
    return dict(zip(keys, found[0], strict=True))


def outbox_texts(
    db: sqlite3.Connection, chat: Chat, *statuses: str, only_text: bool = False
) -> list[str]:
    """Texts of the chat's outbox messages (with one of `statuses`, if given), in order;
    `only_text`: of text messages only (not edits, documents...)."""
    sql = "SELECT message FROM outbox WHERE channel = ? AND chat_id = ?"
    if statuses:
        sql += f" AND status IN ({', '.join('?' * len(statuses))})"
    if only_text:
        sql += " AND COALESCE(json_extract(message, '$.type'), 'text') = 'text'"
    found = _query(db, sql + " ORDER BY id", (chat.channel, chat.chat_id, *statuses))
    return [json.loads(message).get("text", "") for (message,) in found]


def check_crash_state(
    path: Path,
    registrants: list[Registrant],
    reporters: list[Reporter],
    in_flight: list[str] | None = None,
) -> list[str]:
    """Acknowledged <=> stored (or its acknowledgement still queued), on a crash snapshot.

    `in_flight` collects the answers stored whose acknowledgement was still queued."""
    problems: list[str] = []
    in_flight = [] if in_flight is None else in_flight
    db = sqlite3.connect(path)
    try:
        (check,) = db.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            problems.append(f"integrity_check: {check}")
        doubles = _query(
            db,
            "SELECT user_id FROM form_sessions WHERE status = 'active'"
            " GROUP BY user_id HAVING COUNT(*) > 1",
        )
        if doubles:
            problems.append(f"users with two active sessions: {doubles}")

        def compare(person: Person, steps: list[Step], state: dict[str, Any], seen: str) -> None:
            queued = "\n".join(outbox_texts(db, person.chat, "pending", "waiting"))
            for step in steps:
                acknowledged, stored = step.ack in seen, step.stored(state)
                if acknowledged and not stored:
                    problems.append(f"{person.who}: saw {step.ack!r} but it is not stored")
                if stored and not acknowledged and step.ack in queued:
                    in_flight.append(f"{person.who} {step.key}")
                if stored and not acknowledged and step.ack not in queued:
                    problems.append(
                        f"{person.who}: {step.key} stored silently (no {step.ack!r} sent or queued)"
                    )

        for person in registrants:
            sessions = sessions_of(db, person.chat, "registration")
            state = {
                "session": sessions[-1] if sessions else None,
                "user": user_of(db, person.chat),
            }
            compare(person, person.steps(), state, "\n".join(person.texts()))
        for person in reporters:
            seen = "\n".join(person.texts())
            sessions = sessions_of(db, person.chat, "case_report")
            for cycle in list(person.cycles):
                mine = [s for s in sessions if s["answers"].get("head_name") == cycle.head]
                if len(mine) > 1:
                    problems.append(f"{person.who}: {cycle.head!r} stored twice")
                compare(person, cycle.steps(), {"session": mine[0] if mine else None}, seen)
                if cycle.cancelled and (not mine or mine[0]["status"] != "cancelled"):
                    problems.append(f"{person.who}: saw {cycle.head!r} cancelled, it is not")
            cancelled = sum(s["status"] == "cancelled" for s in sessions)
            cancel_replies = sum(
                "dibatalkan dan jawabannya sudah dihapus" in text
                for text in outbox_texts(db, person.chat, only_text=True)
            )
            if cancelled != cancel_replies:
                problems.append(
                    f"{person.who}: {cancelled} reports cancelled,"
                    f" {cancel_replies} cancellations answered"
                )
    finally:
        db.close()
    return problems


# -- delivery: every reply sent, in order, repeated only by a crash ----------------------------


def repeats_needed(rows_: list[list[str]], observed: list[str]) -> int | None:
    """The fewest repeated deliveries that explain `observed` as the rows sent in order, each
    at least once in full (a crash may interrupt an attempt: then it is sent again); None when
    no such explanation exists (a lost, reordered, invented or replayed older message)."""
    # States (row, position in observed, row attempted, row sent in full) -> fewest repeats.
    # Every move goes to a larger (row, position), so a heap visits each state once, in order.
    start = (0, 0, False, False)
    costs = {start: 0}
    heap = [start]
    while heap:
        state = heapq.heappop(heap)
        row, pos, attempted, complete = state
        cost = costs[state]
        if row == len(rows_):
            if pos == len(observed):
                return cost
            continue
        moves = []
        if complete:
            moves.append(((row + 1, pos, False, False), cost))
        parts = rows_[row]
        for length in range(1, len(parts) + 1):
            if pos + length > len(observed) or observed[pos + length - 1] != parts[length - 1]:
                break
            moves.append(
                ((row, pos + length, True, complete or length == len(parts)), cost + attempted)
            )
        for target, target_cost in moves:
            if target not in costs:
                costs[target] = target_cost
                heapq.heappush(heap, target)
            elif target_cost < costs[target]:
                costs[target] = target_cost
    return None


def sent_rows(db: sqlite3.Connection, chat: Chat) -> tuple[list[list[str]], int]:
    """(what the person should have seen of each sent outbox message, in order, as the
    channel cuts it into messages; how many of them were text messages)."""
    found = _query(
        db,
        "SELECT message FROM outbox WHERE channel = ? AND chat_id = ? AND status = 'sent'"
        " ORDER BY id",
        (chat.channel, chat.chat_id),
    )
    messages = [Outbound.model_validate_json(message) for (message,) in found]
    rows_ = [parts for parts in map(chat.pieces, messages) if parts]
    return rows_, sum(message.type == "text" for message in messages)


# -- the run -----------------------------------------------------------------------------------


async def _nothing() -> None:
    return None


@dataclass
class CrashRun:
    """People use the bot while it is SIGKILLed `kills_wanted` times at random (seeded)
    moments, sometimes while still starting, and restarted on the same database."""

    bot: ChaosBot
    folder: Path  # where the bot's psm.db is
    rng: random.Random
    kills_wanted: int
    newcomer: Callable[[int, int, int], Registrant]  # (slot, round, index) -> someone new
    reporters: list[Reporter]
    settle: Callable[[], Awaitable[None]] = _nothing  # awaited before the final clean stop
    registrants: list[Registrant] = field(default_factory=list)
    kills: int = 0
    crash_problems: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)  # stored at a crash, reply not yet sent

    async def run(self) -> None:
        """Until the kills are done and everyone has finished; then a clean stop."""
        chaos_over = asyncio.Event()

        async def registration_slot(slot: int) -> None:
            round_ = 0
            while not chaos_over.is_set() or round_ == 0:
                person = self.newcomer(slot, round_, len(self.registrants))
                self.registrants.append(person)
                await person.register()
                round_ += 1

        async def reporting(reporter: Reporter) -> None:
            # Added on the command line: their first /start welcomes them as new.
            await reporter.command("start", "sudah aktif sebagai PSM")
            number = 0
            while not chaos_over.is_set() or number == 0:
                await reporter.report_and_cancel(number)
                number += 1

        async def chaos() -> None:
            try:
                while self.kills < self.kills_wanted:
                    await asyncio.sleep(self.rng.uniform(0.0, 1.2))
                    self.bot.kill()
                    self.kills += 1
                    self._check_crash()
                    if self.kills < self.kills_wanted and self.rng.random() < 0.25:
                        # Killed again while starting (migrations, region sync, first sends).
                        await self.bot.spawn_and_kill(self.rng.uniform(0.05, 0.8))
                        self.kills += 1
                    await self.bot.start()
            finally:
                chaos_over.set()

        await self.bot.start()
        try:
            people = [asyncio.create_task(registration_slot(n)) for n in range(REGISTRATION_SLOTS)]
            people += [asyncio.create_task(reporting(reporter)) for reporter in self.reporters]
            chaos_task = asyncio.create_task(chaos())
            tasks = [*people, chaos_task]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if task.exception() is not None:
                    for other in tasks:
                        other.cancel()
                    raise AssertionError(
                        f"{task.exception()}\n--- bot log (end) ---\n{self.bot.output()[-3000:]}"
                    ) from task.exception()
            # Everyone can finish after the last restart; then the bot stops cleanly.
            await asyncio.gather(*tasks)
            await self.settle()
            assert await self.bot.terminate() == 0, self.bot.output()[-3000:]
        finally:
            self.bot.ensure_stopped()

    def _check_crash(self) -> None:
        path = snapshot(self.folder / "psm.db", self.folder / "snapshot")
        self.crash_problems.extend(
            f"after kill {self.kills}: {problem}"
            for problem in check_crash_state(path, self.registrants, self.reporters, self.in_flight)
        )

    def check_database(self) -> str:
        """The final checks on the database; a summary of the run to print."""
        assert self.crash_problems == [], "\n".join(self.crash_problems)
        db = sqlite3.connect(self.folder / "psm.db")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            doubles = (
                "SELECT channel, ext_id FROM inbox GROUP BY channel, ext_id HAVING COUNT(*) > 1"
            )
            assert _query(db, doubles) == []
            statuses = dict(_query(db, "SELECT status, COUNT(*) FROM inbox GROUP BY status"))
            assert statuses.keys() <= {"done"}, statuses
            assert (
                _query(
                    db,
                    "SELECT user_id FROM form_sessions WHERE status = 'active'"
                    " GROUP BY user_id HAVING COUNT(*) > 1",
                )
                == []
            )
            failed = "SELECT id, kind, last_error FROM outbox WHERE status = 'failed'"
            assert _query(db, failed) == []
            unsent = _query(
                db, "SELECT id, kind FROM outbox WHERE status IN ('pending', 'waiting')"
            )
            assert unsent == [], unsent

            for person in self.registrants:
                assert user_of(db, person.chat) == person.expected_user()
            for reporter in self.reporters:
                sessions = sessions_of(db, reporter.chat, "case_report")
                assert [s["status"] for s in sessions] == ["cancelled"] * len(reporter.cycles)
                assert [s["answers"]["head_name"] for s in sessions] == [
                    c.head for c in reporter.cycles
                ]
            total_repeats = sum(self._delivery_repeats(db, p) for p in self.people)
        finally:
            db.close()
        assert len(self.registrants) >= REGISTRATION_SLOTS and self.kills >= self.kills_wanted
        return (
            f"{self.kills} kills, {len(self.registrants)} registrations,"
            f" {sum(len(r.cycles) for r in self.reporters)} reports cancelled,"
            f" {len(self.in_flight)} answers caught stored with their reply still queued,"
            f" {total_repeats} messages repeated"
        )

    @property
    def people(self) -> list[Person]:
        return [*self.registrants, *self.reporters]

    def _delivery_repeats(self, db: sqlite3.Connection, person: Person) -> int:
        """Checks one person got every reply in order; how many a crash repeated."""
        rows_, texts = sent_rows(db, person.chat)
        # Each update was applied exactly once: one text reply per action.
        assert texts == person.actions, (person.who, texts, person.actions)
        repeats = repeats_needed(rows_, person.texts())
        assert repeats is not None, (
            f"{person.who}: what they got is not the outbox in order"
            f" (lost, reordered or replayed messages): {person.texts()}"
        )
        # Only what a kill caught sent but not yet marked goes out twice: in each chat at
        # most the reply of the turn being sent (a person waits for it before answering).
        assert repeats <= self.kills, (person.who, repeats, self.kills)
        return repeats
