"""`python -m tests.e2e.shifted_clock_bot run`: the bot's command line with its real clock
moved by PSM_TEST_CLOCK_SHIFT seconds, for a bot process (tests/e2e/bot_process.py) whose
test must not see the local date turn (17:00 UTC is midnight in Asia/Jakarta)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from bot.cli import main
from bot.clock import SystemClock

SHIFT = timedelta(seconds=float(os.environ["PSM_TEST_CLOCK_SHIFT"]))


def _shifted_now(self: SystemClock) -> datetime:
    return datetime.now(UTC) + SHIFT


if __name__ == "__main__":
    SystemClock.now = _shifted_now  # type: ignore[method-assign]
    sys.exit(main())
