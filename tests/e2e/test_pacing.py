"""At Telegram's real limits (enforced by the fake: about 30 messages a second overall and
one a second per chat with short bursts), the product's pacing delivers a fan-out to many
chats completely and in order, and never sends to a chat before a retry_after has passed."""

from __future__ import annotations

import pytest

from bot.admin_tools import add_user
from bot.config import Settings, load_settings
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from tests.e2e.conftest import bot_environment
from tests.fakes.telegram_api import FakeTelegram, RateLimits

CHATS = [9100 + n for n in range(12)]
PER_CHAT = 4


@pytest.fixture
def settings(fake: FakeTelegram, tmp_path) -> Settings:
    """The product's default pacing (1 message/s per chat, 30/s overall)."""
    env = bot_environment(fake, tmp_path, SEND_RATE_PER_CHAT="1", SEND_RATE_OVERALL="30")
    return load_settings(**{key.lower(): value for key, value in env.items()})


async def test_a_fan_out_at_telegrams_limits(fake, settings, start_bot) -> None:
    users = [
        await add_user(
            settings,
            role="psm",
            telegram_id=chat,
            name="Bu Ani",
            kabupaten="32.08",
            kecamatan="32.08.01",
            desa="32.08.01.2006",
        )
        for chat in CHATS
    ]
    runtime = await start_bot()
    counters = fake.enforce_limits(RateLimits(overall_per_s=30, overall_burst=10))
    async with runtime.db.transaction() as repos:
        for n in range(PER_CHAT):
            for user_id, chat in zip(users, CHATS, strict=True):
                await deliver(
                    repos,
                    user_id=user_id,
                    message=Outbound.say(f"pengingat {n}"),
                    kind=DeliveryKind.ROUTINE,
                    now=runtime.clock.now(),
                    channel="telegram",
                    chat_id=str(chat),
                )
    runtime.senders["telegram"].wake()
    await fake.wait_for(
        lambda: all(len(fake.sent_to(chat)) == PER_CHAT for chat in CHATS),
        timeout=60,
        what="every reminder",
    )
    for chat in CHATS:
        assert [m["text"] for m in fake.sent_to(chat)] == [f"pengingat {n}" for n in range(4)]
    assert counters.accepted == len(CHATS) * PER_CHAT
    assert counters.ignored_retry_after == 0
