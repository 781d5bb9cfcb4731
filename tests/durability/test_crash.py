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

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.admin_tools import add_user
from bot.channels.telegram.outbound import split_text
from bot.config import load_settings
from handlers.events import Outbound
from tests.durability.crash_people import (
    BABATAN,
    FIRST,
    KADUGEDE,
    WAIT,
    Chat,
    Registrant,
    Reporter,
    registrant_name,
)
from tests.durability.crash_tools import ChaosBot, CrashRun, kill_plans, repeats_needed
from tests.e2e.conftest import bot_environment
from tests.fakes.telegram_api import FakeTelegram

PSM_IDS = (8801, 8802)
FIRST_PERSON = 31000


@dataclass
class TelegramChat(Chat):
    """A Telegram user of the fake Bot API server."""

    fake: FakeTelegram
    user_id: int
    name: str = "Budi"
    phone: str = ""
    channel = "telegram"

    @property
    def external_id(self) -> str:
        return str(self.user_id)

    @property
    def chat_id(self) -> str:
        return str(self.user_id)

    def texts(self) -> list[str]:
        return [params["text"] for params in self.fake.sent_to(self.user_id)]

    async def send_text(self, text: str) -> None:
        self.fake.user_text(self.user_id, text, first_name=self.name)

    async def send_tap(self, label: str) -> None:
        data, message_id = self._button(label)
        self.fake.user_callback(self.user_id, data, message_id=message_id, first_name=self.name)

    async def send_own_phone(self) -> None:
        self.fake.user_contact(
            self.user_id, self.phone, contact_user_id=self.user_id, first_name=self.name
        )

    def command(self, word: str) -> str:
        return f"/{word}"

    async def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        await self.fake.wait_for(predicate, timeout=WAIT, what=what)

    def pieces(self, message: Outbound) -> list[str]:
        """The sendMessage texts the Telegram adapter makes of one outbox text message."""
        if message.type != "text":
            return []
        parts = split_text(message.text or "…")
        if message.request is None and message.buttons and message.remove_keyboard:
            head, _, rest = parts[0].partition("\n\n")
            if rest:
                parts = [head, rest, *parts[1:]]
        return parts

    def _button(self, label: str) -> tuple[str, int]:
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


# -- the test ----------------------------------------------------------------------------------


@pytest.fixture
async def fake_server():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize(("kills_wanted", "seed"), kill_plans(20260))
async def test_sigkill_at_random_moments_loses_nothing_and_repeats_only_replies_in_flight(
    fake_server: FakeTelegram, tmp_path: Path, kills_wanted: int, seed: int
) -> None:
    """(Replay a soak failure with PSM_CRASH_SEED=<seed> make soak.)"""
    print(f"crash test seed {seed}, {kills_wanted} kills")
    fake = fake_server
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

    def newcomer(slot: int, round_: int, index: int) -> Registrant:
        chat = TelegramChat(
            fake,
            FIRST_PERSON + slot * 100 + round_,
            name=registrant_name(index),
            phone=f"+62812{30000000 + index:08d}",
        )
        return Registrant(chat)

    run = CrashRun(
        bot=ChaosBot(fake, tmp_path),
        folder=tmp_path,
        rng=random.Random(seed),
        kills_wanted=kills_wanted,
        newcomer=newcomer,
        reporters=[
            Reporter(TelegramChat(fake, telegram_id, name="Ani"), index=number)
            for number, telegram_id in enumerate(PSM_IDS)
        ],
    )
    await run.run()
    print(run.check_database())
    # A request cut off by SIGKILL never reached Telegram: it is not a refusal.
    refused = [c for c in fake.rejections if "ClientDisconnect" not in (c.rejected or "")]
    assert refused == [], refused
    assert "Traceback" not in run.bot.output(), run.bot.output()[-5000:]


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
