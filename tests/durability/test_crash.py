"""SIGKILL the bot at random moments while people use it; restart it on the same database.

Simulated Telegram users (through the fake Bot API server) walk the registration form, and
active PSM walk the first questions of a case report and cancel it, over and over. Each
person sends their next answer only once they saw the bot acknowledge the previous one. The
bot (`python -m bot.cli run`) is killed with SIGKILL at random moments (seeded), sometimes
while it is still starting, and restarted.

At every crash, on a copy of the database as the crash left it: every answer a person saw
acknowledged is stored, and every stored answer was acknowledged or its reply is still
queued in the outbox. At the end: everyone finished, each update was applied exactly once,
no reply was lost, a crash repeated in each chat at most the reply being sent when it struck
(chats are sent to in parallel and their sent marks written in batches, so one crash may
repeat a reply in several chats), the database is sound and Telegram refused nothing.
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
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.admin_tools import add_user
from bot.channels.telegram.outbound import split_text
from bot.config import load_settings
from handlers.events import Outbound
from handlers.masking import mask_identifier
from tests.durability.durable_harness import SOAK_FACTOR
from tests.e2e.bot_process import REPO, BotProcess
from tests.e2e.conftest import bot_environment
from tests.fakes.telegram_api import FakeTelegram

KILLS = 20
REGISTRATION_SLOTS = 4
PSM_IDS = (8801, 8802)
WAIT = 120.0  # seconds a person waits for an answer: many restarts may come in between
KADUGEDE, BABATAN = "32.08.01", "32.08.01.2006"
FIRST = ["Siti", "Budi", "Ayu", "Rahmat", "Dewi", "Joko", "Wati", "Agus", "Rina", "Hendra"]
LAST = ["Aminah", "Santoso", "Lestari", "Hidayat", "Kusuma", "Pratama", "Wulandari", "Saputra"]
FIRST_PERSON = 31000


class ChaosBot(BotProcess):
    """A bot process that can also be killed before it has finished starting."""

    async def spawn_and_kill(self, after: float) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "DATABASE_", "ADMIN_"))
        }
        env.update(bot_environment(self.fake, self.folder))
        env["PYTHONPATH"] = str(REPO)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        await asyncio.sleep(after)
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)


# -- people ------------------------------------------------------------------------------------


@dataclass
class Step:
    """One action and the acknowledgement that proves it was applied."""

    key: str
    ack: str
    stored: Callable[[dict[str, Any]], bool]  # on a snapshot: is the answer there?


@dataclass
class Person:
    fake: FakeTelegram
    user_id: int
    name: str = "Budi"
    actions: int = 0  # updates sent, each answered by exactly one text message

    def texts(self) -> list[str]:
        return [params["text"] for params in self.fake.sent_to(self.user_id)]

    async def act(self, send: Callable[[], Any], *expect: str) -> None:
        """Do something, then wait (like a person) until the bot's answer arrives."""
        before = len(self.texts())
        send()
        self.actions += 1
        await self.fake.wait_for(
            lambda: all(any(e in text for text in self.texts()[before:]) for e in expect),
            timeout=WAIT,
            what=f"user {self.user_id} waiting for {expect!r}",
        )

    def button(self, label: str) -> tuple[str, int]:
        """Data and message id of the newest button with this label."""
        for call in reversed(self.fake.calls_of("sendMessage")):
            if call.error or call.params.get("chat_id") != self.user_id:
                continue
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return button["callback_data"], call.result["message_id"]
        raise AssertionError(f"user {self.user_id}: no button {label!r}")

    async def say(self, text: str, expect: str) -> None:
        await self.act(
            lambda: self.fake.user_text(self.user_id, text, first_name=self.name), expect
        )

    async def tap(self, label: str, expect: str) -> None:
        data, message_id = self.button(label)
        await self.act(
            lambda: self.fake.user_callback(
                self.user_id, data, message_id=message_id, first_name=self.name
            ),
            expect,
        )


def _letters(number: int) -> str:
    """0 -> "Aa", 1 -> "Ab", ...: a distinct name part for every number."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[digit] + word
        if not number:
            return "A" + word


def _get(data: dict[str, Any], *path: Any) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and len(data) > part:
            data = data[part]
        else:
            return None
    return data


@dataclass
class Registrant(Person):
    """Someone new who registers as a PSM of Babatan (Kadugede)."""

    phone: str = ""

    def steps(self) -> list[Step]:
        answers = ("session", "answers")
        return [
            Step("start", "nama lengkap", lambda s: s.get("session") is not None),
            Step(
                "name",
                f"✓ Nama: {self.name}",
                lambda s: _get(s, *answers, "full_name") == self.name,
            ),
            Step(
                "phone",
                f"✓ Nomor HP: {self.phone}",
                lambda s: _get(s, *answers, "phone", "e164") == self.phone,
            ),
            Step(
                "role", "✓ Peran: PSM (desa)", lambda s: _get(s, *answers, "role", "name") == "psm"
            ),
            Step(
                "kecamatan",
                "✓ Kecamatan: Kadugede",
                lambda s: _get(s, *answers, "kecamatan", "name") == KADUGEDE,
            ),
            Step(
                "desa",
                "✓ Desa/Kelurahan: Babatan",
                lambda s: _get(s, *answers, "desa", "name") == BABATAN,
            ),
            Step(
                "submit", "menunggu persetujuan", lambda s: _get(s, "user", "status") == "pending"
            ),
        ]

    async def register(self) -> None:
        steps = {step.key: step for step in self.steps()}
        actions: list[tuple[str, Callable[[], Any]]] = [
            ("start", lambda: self.say("/start", steps["start"].ack)),
            ("name", lambda: self.say(self.name, steps["name"].ack)),
            (
                "phone",
                lambda: self.act(
                    lambda: self.fake.user_contact(
                        self.user_id, self.phone, contact_user_id=self.user_id, first_name=self.name
                    ),
                    steps["phone"].ack,
                    "mendaftar sebagai apa",  # the next question comes in a second message
                ),
            ),
            ("role", lambda: self.tap("PSM", steps["role"].ack)),
            ("kecamatan", lambda: self.say("kadu gede", steps["kecamatan"].ack)),
            ("desa", lambda: self.tap("Babatan", steps["desa"].ack)),
            ("submit", lambda: self.tap("Kirim", steps["submit"].ack)),
        ]
        for _, action in actions:
            await action()


@dataclass
class Cycle:
    """One case report a PSM starts and cancels: unique answers, so acks are unique."""

    head: str
    kk: str
    member: str
    nik: str
    cancelled: bool = False

    def steps(self) -> list[Step]:
        answers = ("session", "answers")
        return [
            Step("head", f"✓ Kepala keluarga: {self.head}", lambda s: s.get("session") is not None),
            Step(
                "kk",
                f"✓ Nomor KK: {mask_identifier(self.kk)}",
                lambda s: _get(s, *answers, "no_kk") == self.kk,
            ),
            Step(
                "member",
                f"✓ Nama: {self.member}",
                lambda s: _get(s, *answers, "members", 0, "member_name") == self.member,
            ),
            Step(
                "nik",
                f"✓ NIK: {mask_identifier(self.nik)}",
                lambda s: _get(s, *answers, "members", 0, "member_nik") == self.nik,
            ),
        ]


@dataclass
class Reporter(Person):
    """An active PSM (added with `psm-bot user add`) who starts reports and cancels them."""

    cycles: list[Cycle] = field(default_factory=list)

    async def report_and_cancel(self, number: int) -> None:
        sequence = (self.user_id - PSM_IDS[0]) * 1000 + number + 1
        tag = _letters(number)  # names without digits, unique per report
        cycle = Cycle(
            head=f"{FIRST[number % 10]} {tag} Kepala",
            kk=f"320801121019{sequence:04d}",
            member=f"{FIRST[(number + 3) % 10]} {tag} Anggota",
            nik=f"320801450623{sequence:04d}",
        )
        self.cycles.append(cycle)
        steps = {step.key: step for step in cycle.steps()}
        await self.say("/lapor", "nama kepala keluarga")
        await self.say(cycle.head, steps["head"].ack)
        await self.say(
            f"{cycle.kk[:4]} {cycle.kk[4:8]} {cycle.kk[8:12]} {cycle.kk[12:]}", steps["kk"].ack
        )
        await self.say(cycle.member, steps["member"].ack)
        await self.say(cycle.nik, steps["nik"].ack)
        await self.say("/batal", "Yakin ingin membatalkan")
        await self.tap("Ya, batalkan", "Isian dibatalkan")
        cycle.cancelled = True


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


def sessions_of(db: sqlite3.Connection, user_id: int, form_id: str) -> list[dict[str, Any]]:
    found = _query(
        db,
        "SELECT s.id, s.state, s.status FROM form_sessions s JOIN channel_identities i"
        " ON i.user_id = s.user_id WHERE i.channel = 'telegram' AND i.external_id = ?"
        " AND s.form_id = ? ORDER BY s.id",
        (str(user_id), form_id),
    )
    return [
        {"id": i, "answers": json.loads(state)["answers"], "status": st} for i, state, st in found
    ]


def user_of(db: sqlite3.Connection, user_id: int) -> dict[str, Any] | None:
    found = _query(
        db,
        "SELECT u.status, u.full_name, u.phone, u.phone_verified, u.requested_role,"
        " u.kecamatan_code, u.desa_code FROM users u JOIN channel_identities i"
        " ON i.user_id = u.id WHERE i.channel = 'telegram' AND i.external_id = ?",
        (str(user_id),),
    )
    if not found:
        return None
    keys = ("status", "full_name", "phone", "phone_verified", "role", "kecamatan", "desa")
    return dict(zip(keys, found[0], strict=True))


def queued_texts(db: sqlite3.Connection, user_id: int) -> list[str]:
    """Replies committed but not yet (known to be) sent."""
    return [
        json.loads(message).get("text", "")
        for (message,) in _query(
            db,
            "SELECT message FROM outbox WHERE chat_id = ? AND status IN ('pending', 'waiting')",
            (str(user_id),),
        )
    ]


def check_crash_state(
    path: Path,
    registrants: list[Registrant],
    reporters: list[Reporter],
    fake: FakeTelegram,
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
            queued = "\n".join(queued_texts(db, person.user_id))
            for step in steps:
                acknowledged, stored = step.ack in seen, step.stored(state)
                if acknowledged and not stored:
                    problems.append(f"user {person.user_id}: saw {step.ack!r} but it is not stored")
                if stored and not acknowledged and step.ack in queued:
                    in_flight.append(f"{person.user_id} {step.key}")
                if stored and not acknowledged and step.ack not in queued:
                    problems.append(
                        f"user {person.user_id}: {step.key} stored silently"
                        f" (no {step.ack!r} sent or queued)"
                    )

        for person in registrants:
            sessions = sessions_of(db, person.user_id, "registration")
            state = {
                "session": sessions[-1] if sessions else None,
                "user": user_of(db, person.user_id),
            }
            compare(person, person.steps(), state, "\n".join(person.texts()))
        for person in reporters:
            seen = "\n".join(person.texts())
            sessions = sessions_of(db, person.user_id, "case_report")
            for cycle in list(person.cycles):
                mine = [s for s in sessions if s["answers"].get("head_name") == cycle.head]
                if len(mine) > 1:
                    problems.append(f"user {person.user_id}: {cycle.head!r} stored twice")
                compare(person, cycle.steps(), {"session": mine[0] if mine else None}, seen)
                if cycle.cancelled and (not mine or mine[0]["status"] != "cancelled"):
                    problems.append(
                        f"user {person.user_id}: saw {cycle.head!r} cancelled, it is not"
                    )
            cancelled = sum(s["status"] == "cancelled" for s in sessions)
            cancel_replies = sum(
                "Isian dibatalkan" in json.loads(m).get("text", "")
                for (m,) in _query(
                    db,
                    "SELECT message FROM outbox WHERE chat_id = ?"
                    " AND COALESCE(json_extract(message, '$.type'), 'text') = 'text'",
                    (str(person.user_id),),
                )
            )
            if cancelled != cancel_replies:
                problems.append(
                    f"user {person.user_id}: {cancelled} reports cancelled,"
                    f" {cancel_replies} cancellations answered"
                )
    finally:
        db.close()
    return problems


# -- delivery: every reply sent, in order, repeated only by a crash ----------------------------


def pieces(message: Outbound) -> list[str]:
    """The sendMessage texts the Telegram adapter makes of one outbox text message."""
    parts = split_text(message.text or "…")
    if message.request is None and message.buttons and message.remove_keyboard:
        head, _, rest = parts[0].partition("\n\n")
        if rest:
            parts = [head, rest, *parts[1:]]
    return parts


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


# -- the test ----------------------------------------------------------------------------------


@pytest.fixture
async def fake_server():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize(
    ("kills_wanted", "seed"),
    [
        (KILLS, 20260),
        pytest.param(
            KILLS * SOAK_FACTOR,
            int(os.environ.get("PSM_CRASH_SEED") or random.randrange(10**6)),
            marks=pytest.mark.soak,
            id="soak",
        ),
    ],
)
async def test_sigkill_at_random_moments_loses_nothing_and_repeats_only_replies_in_flight(
    fake_server: FakeTelegram, tmp_path: Path, kills_wanted: int, seed: int
) -> None:
    """(Replay a soak failure with PSM_CRASH_SEED=<seed> make soak.)"""
    print(f"crash test seed {seed}, {kills_wanted} kills")
    fake = fake_server
    rng = random.Random(seed)
    environment = bot_environment(fake, tmp_path)
    settings = load_settings(**{key.lower(): value for key, value in environment.items()})
    for number, telegram_id in enumerate(PSM_IDS):
        await add_user(
            settings,
            role="psm",
            telegram_id=telegram_id,
            name=f"Bu {FIRST[number]} Pelapor",
            kabupaten="32.08",
            kecamatan=KADUGEDE,
            desa=BABATAN,
        )
    bot = ChaosBot(fake, tmp_path)
    registrants: list[Registrant] = []
    reporters = [Reporter(fake, telegram_id, name="Ani") for telegram_id in PSM_IDS]
    chaos_over = asyncio.Event()
    kills = 0
    crash_problems: list[str] = []
    in_flight: list[str] = []  # answers stored at a crash whose reply was not sent yet

    async def registration_slot(slot: int) -> None:
        round_ = 0
        while not chaos_over.is_set() or round_ == 0:
            index = len(registrants)
            person = Registrant(
                fake,
                FIRST_PERSON + slot * 100 + round_,
                name=f"{FIRST[index % 10]} {LAST[(index // 10) % 8]}",
                phone=f"+62812{30000000 + index:08d}",
            )
            registrants.append(person)
            await person.register()
            round_ += 1

    async def reporting(reporter: Reporter) -> None:
        await reporter.say("/start", "Selamat datang kembali")
        number = 0
        while not chaos_over.is_set() or number == 0:
            await reporter.report_and_cancel(number)
            number += 1

    async def chaos() -> None:
        nonlocal kills
        try:
            while kills < kills_wanted:
                await asyncio.sleep(rng.uniform(0.0, 1.2))
                bot.kill()
                kills += 1
                path = snapshot(tmp_path / "psm.db", tmp_path / "snapshot")
                crash_problems.extend(
                    f"after kill {kills}: {p}"
                    for p in check_crash_state(path, registrants, reporters, fake, in_flight)
                )
                if kills < kills_wanted and rng.random() < 0.25:
                    # Killed again while starting (migrations, region sync, first sends).
                    await bot.spawn_and_kill(rng.uniform(0.05, 0.8))
                    kills += 1
                await bot.start()
        finally:
            chaos_over.set()

    await bot.start()
    try:
        people = [asyncio.create_task(registration_slot(n)) for n in range(REGISTRATION_SLOTS)]
        people += [asyncio.create_task(reporting(reporter)) for reporter in reporters]
        chaos_task = asyncio.create_task(chaos())
        done, _ = await asyncio.wait([*people, chaos_task], return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                for other in [*people, chaos_task]:
                    other.cancel()
                raise AssertionError(
                    f"{task.exception()}\n--- bot log (end) ---\n{bot.output()[-3000:]}"
                ) from task.exception()
        # Everyone can finish after the last restart; then the bot stops cleanly.
        await asyncio.gather(*people, chaos_task)
        assert await bot.terminate() == 0, bot.output()[-3000:]
    finally:
        bot.ensure_stopped()

    assert crash_problems == [], f"seed {seed}:\n" + "\n".join(crash_problems)
    database = tmp_path / "psm.db"
    db = sqlite3.connect(database)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert (
            _query(
                db, "SELECT channel, ext_id FROM inbox GROUP BY channel, ext_id HAVING COUNT(*) > 1"
            )
            == []
        )
        assert dict(_query(db, "SELECT status, COUNT(*) FROM inbox GROUP BY status")).keys() <= {
            "done"
        }
        assert (
            _query(
                db,
                "SELECT user_id FROM form_sessions WHERE status = 'active'"
                " GROUP BY user_id HAVING COUNT(*) > 1",
            )
            == []
        )
        assert _query(db, "SELECT id, kind, last_error FROM outbox WHERE status = 'failed'") == []
        unsent = _query(db, "SELECT id, kind FROM outbox WHERE status IN ('pending', 'waiting')")
        assert unsent == [], unsent

        for person in registrants:
            assert user_of(db, person.user_id) == {
                "status": "pending",
                "full_name": person.name,
                "phone": person.phone,
                "phone_verified": 1,
                "role": "psm",
                "kecamatan": KADUGEDE,
                "desa": BABATAN,
            }
        for reporter in reporters:
            sessions = sessions_of(db, reporter.user_id, "case_report")
            assert [s["status"] for s in sessions] == ["cancelled"] * len(reporter.cycles)
            assert [s["answers"]["head_name"] for s in sessions] == [
                c.head for c in reporter.cycles
            ]

        total_repeats = 0
        for person in [*registrants, *reporters]:
            rows_ = [
                pieces(Outbound.model_validate_json(message))
                for (message,) in _query(
                    db,
                    "SELECT message FROM outbox WHERE chat_id = ? AND status = 'sent'"
                    " AND COALESCE(json_extract(message, '$.type'), 'text') = 'text' ORDER BY id",
                    (str(person.user_id),),
                )
            ]
            # Each update was applied exactly once: one text reply per action.
            assert len(rows_) == person.actions, (person.user_id, len(rows_), person.actions)
            repeats = repeats_needed(rows_, person.texts())
            assert repeats is not None, (
                f"user {person.user_id}: what Telegram got is not the outbox in order"
                f" (lost, reordered or replayed messages): {person.texts()}"
            )
            # Only what a kill caught sent but not yet marked goes out twice: in each chat at
            # most the reply of the turn being sent (a person waits for it before answering).
            assert repeats <= kills, (person.user_id, repeats, kills)
            total_repeats += repeats
        print(
            f"{kills} kills, {len(registrants)} registrations,"
            f" {sum(len(r.cycles) for r in reporters)} reports cancelled,"
            f" {len(in_flight)} answers caught stored with their reply still queued,"
            f" {total_repeats} messages repeated"
        )
    finally:
        db.close()
    # A request cut off by SIGKILL never reached Telegram: it is not a refusal.
    refused = [c for c in fake.rejections if "ClientDisconnect" not in (c.rejected or "")]
    assert refused == [], refused
    assert "Traceback" not in bot.output(), bot.output()[-5000:]
    assert len(registrants) >= REGISTRATION_SLOTS and kills >= kills_wanted


def test_the_delivery_check_tells_a_crash_repeat_from_a_lost_or_replayed_message() -> None:
    a, b, head, rest = ["a"], ["b"], "✓ Nomor HP", "<b>Peran?</b>"
    split = [head, rest]  # one outbox row sent as two messages
    assert repeats_needed([a, b], ["a", "b"]) == 0
    assert repeats_needed([a, b], ["a", "a", "b"]) == 1  # sent, killed before marked sent
    assert repeats_needed([a, split], ["a", head, head, rest]) == 1  # killed between pieces
    assert repeats_needed([a, split], ["a", head, rest, head, rest]) == 1
    assert repeats_needed([a, a], ["a", "a"]) == 0  # two equal replies are not a repeat
    assert repeats_needed([a, b], ["a", "b", "a"]) is None  # an older message replayed
    assert repeats_needed([a, b], ["b", "a"]) is None  # out of order
    assert repeats_needed([a, b], ["a"]) is None  # lost
    assert repeats_needed([a], ["a", "x"]) is None  # never queued
    assert repeats_needed([split], [rest]) is None  # half a message
