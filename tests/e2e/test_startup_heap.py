"""The running bot keeps what it loaded at start out of the garbage collector's full passes
(`keep_startup_objects`): a full pass over them stopped the event loop for 25-80 ms."""

from __future__ import annotations

import asyncio
import gc
import os
import signal

from bot.app import build_runtime
from tests.e2e.chat import TelegramPerson


async def _until(condition, what: str, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.02)


async def test_the_running_bot_freezes_its_startup_objects_and_still_answers(
    fake, settings
) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    running = asyncio.create_task(build_runtime(settings).run_until_signal())
    try:
        await _until(lambda: gc.get_freeze_count() > 0 or running.done(), "never frozen")
        frozen = gc.get_freeze_count()
        # Modules, PTB's classes, the texts, forms and regions: tens of thousands of objects.
        assert frozen > 20_000, frozen
        reply = await TelegramPerson(fake, 2101).say("/start")
        assert "nama lengkap" in reply[0]["text"]
    finally:
        if not running.done():  # its handler is installed: run_until_signal's own way out
            os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(running, 30)
        gc.unfreeze()  # the rest of the test session collects as usual
    # Its signal handlers went with it: a SIGTERM now would end this process as usual.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
