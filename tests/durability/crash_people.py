"""The simulated people of the SIGKILL crash tests, whatever the channel: newcomers who
register and active PSMs who start case reports and cancel them. Each sends their next answer
only once they saw the bot acknowledge the previous one, and each step knows its
acknowledgement and how to tell, on a snapshot of the database, that its answer is stored.

A channel comes in through a `Chat`: how one person sends a text, taps an option or shares
their own number, what they saw, and how the channel's adapter cuts one outbox message into
the messages a person sees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from handlers.events import Outbound
from storage.identifiers import mask_identifier

WAIT = 120.0  # seconds a person waits for an answer: many restarts may come in between
KADUGEDE, BABATAN = "32.08.01", "32.08.01.2006"
FIRST = ["Siti", "Budi", "Ayu", "Rahmat", "Dewi", "Joko", "Wati", "Agus", "Rina", "Hendra"]
LAST = ["Aminah", "Santoso", "Lestari", "Hidayat", "Kusuma", "Pratama", "Wulandari", "Saputra"]


class Chat(ABC):
    """One person on one channel: how they reach the bot and what they saw."""

    channel: str  # channel_identities.channel, outbox.channel
    name: str  # the name their account shows
    phone: str  # their own number (E.164), as the channel vouches for it

    @property
    @abstractmethod
    def external_id(self) -> str:
        """channel_identities.external_id: the key the bot knows them by."""

    @property
    @abstractmethod
    def chat_id(self) -> str:
        """outbox.chat_id: where their replies go."""

    @abstractmethod
    def texts(self) -> list[str]:
        """The visible text of every message they received, in order."""

    @abstractmethod
    async def send_text(self, text: str) -> None:
        """Send (without waiting for an answer)."""

    @abstractmethod
    async def send_tap(self, label: str) -> None:
        """Tap the newest option whose label contains `label`."""

    @abstractmethod
    async def send_own_phone(self) -> None:
        """Give the number the channel vouches for, when the bot asks for it."""

    @abstractmethod
    def command(self, word: str) -> str:
        """What a person types for a command ("/lapor" on Telegram)."""

    @abstractmethod
    async def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        """Wait (up to WAIT) until `predicate` holds."""

    @abstractmethod
    def pieces(self, message: Outbound) -> list[str]:
        """The texts a person sees of one outbox message (none for edits, answers...)."""


@dataclass
class Step:
    """One action and the acknowledgement that proves it was applied."""

    key: str
    ack: str
    stored: Callable[[dict[str, Any]], bool]  # on a snapshot: is the answer there?


@dataclass
class Person:
    chat: Chat
    actions: int = 0  # updates sent, each answered by exactly one text message

    @property
    def name(self) -> str:
        return self.chat.name

    @property
    def who(self) -> str:
        return f"{self.chat.channel} user {self.chat.external_id}"

    def texts(self) -> list[str]:
        return self.chat.texts()

    async def act(self, send: Callable[[], Awaitable[None]], *expect: str) -> None:
        """Do something, then wait (like a person) until the bot's answer arrives."""
        before = len(self.texts())
        await send()
        self.actions += 1
        await self.chat.wait_for(
            lambda: all(any(e in text for text in self.texts()[before:]) for e in expect),
            what=f"{self.who} waiting for {expect!r}",
        )

    async def say(self, text: str, expect: str) -> None:
        await self.act(lambda: self.chat.send_text(text), expect)

    async def command(self, word: str, expect: str) -> None:
        await self.say(self.chat.command(word), expect)

    async def tap(self, label: str, expect: str) -> None:
        await self.act(lambda: self.chat.send_tap(label), expect)


def registrant_name(index: int) -> str:
    """A distinct-enough name for the index-th person who registers."""
    return f"{FIRST[index % 10]} {LAST[(index // 10) % 8]}"


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

    @property
    def phone(self) -> str:
        return self.chat.phone

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
        await self.command("start", steps["start"].ack)
        await self.say(self.name, steps["name"].ack)
        # The next question comes in a second message on Telegram.
        await self.act(self.chat.send_own_phone, steps["phone"].ack, "mendaftar sebagai apa")
        await self.tap("PSM", steps["role"].ack)
        await self.say("kadu gede", steps["kecamatan"].ack)
        await self.tap("Babatan", steps["desa"].ack)
        await self.tap("Kirim", steps["submit"].ack)

    def expected_user(self) -> dict[str, Any]:
        return {
            "status": "pending",
            "full_name": self.name,
            "phone": self.phone,
            "phone_verified": 1,
            "role": "psm",
            "kecamatan": KADUGEDE,
            "desa": BABATAN,
        }


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
    """An active PSM (added before the bot starts) who starts reports and cancels them."""

    index: int = 0  # makes their KK and NIK numbers their own
    cycles: list[Cycle] = field(default_factory=list)

    async def report_and_cancel(self, number: int) -> None:
        sequence = self.index * 1000 + number + 1
        tag = _letters(number)  # names without digits, unique per report
        cycle = Cycle(
            head=f"{FIRST[number % 10]} {tag} Kepala",
            kk=f"320801121019{sequence:04d}",
            member=f"{FIRST[(number + 3) % 10]} {tag} Anggota",
            nik=f"320801450623{sequence:04d}",
        )
        self.cycles.append(cycle)
        steps = {step.key: step for step in cycle.steps()}
        await self.command("lapor", "nama kepala keluarga")
        await self.say(cycle.head, steps["head"].ack)
        await self.say(
            f"{cycle.kk[:4]} {cycle.kk[4:8]} {cycle.kk[8:12]} {cycle.kk[12:]}", steps["kk"].ack
        )
        await self.say(cycle.member, steps["member"].ack)
        await self.say(cycle.nik, steps["nik"].ack)
        await self.command("batal", "Yakin ingin membatalkan")
        await self.tap("Ya, batalkan", "dibatalkan dan jawabannya sudah dihapus")
        cycle.cancelled = True
