"""The bot as a real subprocess (`python -m bot.cli run`), for crash and signal tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import NO_QUIET_HOURS, SYSTEM_CLOCK_REMINDER_TIME, bot_environment
from tests.fakes.telegram_api import FakeTelegram

REPO = Path(__file__).resolve().parents[2]
# The process runs on the real clock: no daily reminders at the suite's hour and no quiet
# hours (conftest's on_clock: inside them 23:59 would come at their last call, 20:30); a
# test of reminders sets REMINDER_TIME in the environment.
SYSTEM_CLOCK_SETTINGS = {"REMINDER_TIME": SYSTEM_CLOCK_REMINDER_TIME, "QUIET_HOURS": NO_QUIET_HOURS}


class BotProcess:
    """Start, kill and stop a bot process pointed at the fake server."""

    def __init__(
        self, fake: FakeTelegram, folder: Path, *, clock_shift: float | None = None, **extra: str
    ) -> None:
        """`extra`: more settings (e.g. WhatsApp's); with WEBHOOK_PORT among them the bot
        counts as started once its webhook server answers, else once it polls Telegram.
        `clock_shift`: seconds added to the process's clock (tests/e2e/shifted_clock_bot.py)."""
        self.fake, self.folder, self.extra = fake, folder, extra
        self.clock_shift = clock_shift
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "bot.log"

    def spawn(self) -> None:
        """Start the process (and return at once)."""
        env = {
            **SYSTEM_CLOCK_SETTINGS,
            **{
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("TELEGRAM_", "DATABASE_", "ADMIN_", "WHATSAPP_", "WEBHOOK_"))
            },
        }
        env.update(bot_environment(self.fake, self.folder, **self.extra))
        env["PYTHONPATH"] = str(REPO)
        module = "bot.cli"
        if self.clock_shift is not None:
            env["PSM_TEST_CLOCK_SHIFT"] = str(self.clock_shift)
            module = "tests.e2e.shifted_clock_bot"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, "run"],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    async def start(self) -> None:
        polls_before = len(self.fake.calls_of("getUpdates"))
        self.spawn()
        assert self.process is not None
        process = self.process
        if "WEBHOOK_PORT" in self.extra:
            await self._wait_webhook()
        else:
            await self.fake.wait_for(
                lambda: (
                    len(self.fake.calls_of("getUpdates")) > polls_before
                    or process.poll() is not None
                ),
                timeout=30,
                what="bot process polling",
            )
        assert process.poll() is None, self.log.read_text()

    async def _wait_webhook(self, within: float = 30.0) -> None:
        """Until the webhook server answers its health check (or the process ends)."""
        assert self.process is not None
        url = f"http://127.0.0.1:{self.extra['WEBHOOK_PORT']}/healthz"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with httpx.AsyncClient() as client:
            while self.process.poll() is None:
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if loop.time() > deadline:
                    raise AssertionError("the webhook server did not start:\n" + self.output())
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self, within: float = 20.0) -> int:
        """SIGTERM and wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.process.poll() is None:
            if loop.time() > deadline:
                self.process.kill()
                raise AssertionError("the bot did not stop after SIGTERM:\n" + self.output())
            await asyncio.sleep(0.05)
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
