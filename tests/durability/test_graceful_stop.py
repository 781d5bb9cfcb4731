"""A stop (SIGTERM) handles what the inbox already holds before closing, so whoever wrote
just before it hears back now; past the time limit the rest waits, stored, for the next start."""

from __future__ import annotations

from pathlib import Path

from bot import inbox_worker
from bot import runtime as runtime_module
from handlers.events import Inbound
from tests.durability.durable_harness import (
    RecordingChannel,
    in_process_settings,
    rows,
    store_events,
    text_event,
)

PEOPLE = ["7101", "7102", "7103"]


async def _running(tmp_path: Path, channel: RecordingChannel) -> runtime_module.Runtime:
    settings = in_process_settings(tmp_path)
    runtime = runtime_module.Runtime(settings, [channel], {channel.name: Inbound.model_validate})
    await runtime.start()  # the worker and the senders run in the background
    return runtime


def _statuses(path: Path) -> list[str]:
    return [status for (status,) in rows(path, "SELECT status FROM inbox ORDER BY id")]


async def test_a_stop_handles_and_answers_what_the_inbox_holds(tmp_path) -> None:
    channel = RecordingChannel()
    runtime = await _running(tmp_path, channel)
    # Stored, as a poller stores before it confirms; the worker is not woken and waits.
    await store_events(runtime, [text_event(person, "/start") for person in PEOPLE])
    await runtime.stop()
    assert _statuses(tmp_path / "psm.db") == ["done"] * len(PEOPLE)
    for person in PEOPLE:
        assert any("nama lengkap" in message.text for message in channel.to(person)), person


async def test_past_the_time_limit_the_rest_waits_for_the_next_start(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(runtime_module, "FINISH_INBOX_SECONDS", 0.0)
    # Only the stop wakes the worker: its idle look at the inbox (every second) would handle
    # the rows whenever storing them and stopping take longer than that (a loaded machine).
    monkeypatch.setattr(inbox_worker, "IDLE_POLL_SECONDS", 3600.0)
    channel = RecordingChannel()
    runtime = await _running(tmp_path, channel)
    await store_events(runtime, [text_event(person, "/start") for person in PEOPLE])
    await runtime.stop()
    assert _statuses(tmp_path / "psm.db") == ["pending"] * len(PEOPLE)
    assert all(channel.to(person) == [] for person in PEOPLE)

    monkeypatch.setattr(runtime_module, "FINISH_INBOX_SECONDS", 10.0)
    again = await _running(tmp_path, channel)
    await again.stop()
    assert _statuses(tmp_path / "psm.db") == ["done"] * len(PEOPLE)
    for person in PEOPLE:
        assert sum("nama lengkap" in message.text for message in channel.to(person)) == 1
