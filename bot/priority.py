"""Batch work gives way to conversations: the chart worker and the server export run at a
lower CPU priority, so on a 1-2 core server a person's next question never waits for them."""

from __future__ import annotations

import contextlib
import os

BATCH_NICENESS = 10  # added to the process's niceness (Unix); higher is gentler


def lower_priority() -> None:
    """Make this process yield the CPU to the bot's own (best effort: ignored where the
    platform has no niceness)."""
    with contextlib.suppress(AttributeError, OSError):  # not Unix, or not permitted
        os.nice(BATCH_NICENESS)
