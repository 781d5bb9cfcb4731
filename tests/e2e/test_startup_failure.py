"""A start that fails (token refused, Telegram unreachable) ends the process with one line
and an exit code, and leaves nothing holding the database: it used to print a traceback and
hang for ever (the database's threads kept the process alive), so systemd never restarted it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import EXIT_CONFIG
from bot.lock import ProcessLock
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import free_port
from tests.fakes.telegram_api import FakeTelegram

OTHER_TOKEN = "987654321:AAErevoked-by-botfather"


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.ensure_stopped()


async def run_to_its_end(process: BotProcess) -> tuple[int, list[str]]:
    """Spawn the bot and wait for it to end by itself (a hang fails after a minute)."""
    process.spawn()
    assert process.process is not None
    code = await asyncio.to_thread(process.process.wait, 60)
    return code, process.output().splitlines()


def assert_released(database: Path) -> None:
    """Another bot (or `psm-bot migrate`) may take the database at once."""
    assert database.exists()  # the start got as far as the database
    with ProcessLock(database):
        pass


async def test_a_refused_token_ends_the_process_with_one_line_and_exit_2(
    fake: FakeTelegram, processes: list[BotProcess], tmp_path: Path
) -> None:
    process = BotProcess(fake, tmp_path, TELEGRAM_BOT_TOKEN=OTHER_TOKEN)
    processes.append(process)
    code, lines = await run_to_its_end(process)

    assert code == EXIT_CONFIG, lines
    assert lines[-1].startswith("TELEGRAM_BOT_TOKEN: Telegram rejected this token"), lines
    assert "@BotFather" in lines[-1]
    assert not any("Traceback" in line for line in lines), lines
    assert not any(OTHER_TOKEN in line for line in lines), lines
    assert [call.rejected for call in fake.calls_of("getMe")] == ["Unauthorized"]
    assert_released(tmp_path / "psm.db")


async def test_telegram_unreachable_at_start_ends_the_process_with_one_line(
    fake: FakeTelegram, processes: list[BotProcess], tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    process = BotProcess(fake, tmp_path, TELEGRAM_API_BASE_URL=nowhere)
    processes.append(process)
    code, lines = await run_to_its_end(process)

    assert code == 1, lines
    assert lines[-1].startswith(f"psm-bot: could not reach Telegram at {nowhere} ("), lines
    assert not any("Traceback" in line for line in lines), lines
    assert not any(fake.token in line for line in lines), lines
    assert_released(tmp_path / "psm.db")


async def test_the_bot_starts_after_a_refused_start_on_the_same_database(
    fake: FakeTelegram, processes: list[BotProcess], tmp_path: Path
) -> None:
    refused = BotProcess(fake, tmp_path, TELEGRAM_BOT_TOKEN=OTHER_TOKEN)
    processes.append(refused)
    code, _ = await run_to_its_end(refused)
    assert code == EXIT_CONFIG

    fixed = BotProcess(fake, tmp_path)
    processes.append(fixed)
    await fixed.start()
    assert await fixed.terminate() == 0, fixed.output()


async def test_a_token_revoked_while_running_ends_the_process_with_exit_2(
    fake: FakeTelegram, processes: list[BotProcess], tmp_path: Path
) -> None:
    """The poller stopped at the refusal and the process ran on deaf: nobody was heard and
    systemd saw nothing wrong."""
    process = BotProcess(fake, tmp_path)
    processes.append(process)
    await process.start()
    fake.token = OTHER_TOKEN  # revoked at @BotFather: every call is now refused
    assert process.process is not None
    code = await asyncio.to_thread(process.process.wait, 60)
    lines = process.output().splitlines()

    assert code == EXIT_CONFIG, lines
    assert lines[-1].startswith("TELEGRAM_BOT_TOKEN: Telegram rejected this token"), lines
    assert not any(OTHER_TOKEN in line or "123456:TEST" in line for line in lines), lines
    assert_released(tmp_path / "psm.db")
