"""Group commit: several people's updates are handled in one write transaction, each in its
own savepoint. One failing update is rolled back alone (and retried later), the others keep
their answers and replies, nothing is sent before the commit, and each sender's updates
keep their order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest_asyncio

from bot import inbox_worker
from handlers import router
from tests.durability.durable_harness import (
    RecordingChannel,
    in_process_settings,
    rows,
    start_in_process,
    store_events,
    text_event,
)


@pytest_asyncio.fixture(loop_scope="session")
async def bot(tmp_path: Path):
    settings = in_process_settings(tmp_path)
    channel = RecordingChannel()
    runtime = await start_in_process(settings, channel)
    yield runtime, channel, settings.database_path
    await runtime.stop()


def _names(path: Path) -> dict[str, str]:
    """The full name each chat has answered in its registration form so far."""
    found = {}
    for chat, state in rows(
        path,
        "SELECT i.chat_id, s.state FROM form_sessions s"
        " JOIN channel_identities i ON i.user_id = s.user_id",
    ):
        found[chat] = json.loads(state)["answers"].get("full_name", "")
    return found


async def test_one_failing_update_does_not_undo_the_others(bot, monkeypatch) -> None:
    runtime, channel, path = bot
    people = ["7001", "7002", "7003"]
    await store_events(runtime, [text_event(p, "/start") for p in people])
    assert await runtime.worker.process_pending() == 3
    transactions = 0
    opened = runtime.db.transaction

    def counting():
        nonlocal transactions
        transactions += 1
        return opened()

    monkeypatch.setattr(runtime.db, "transaction", counting)
    monkeypatch.setattr(inbox_worker, "GROUP_SECONDS", 60.0)  # however slow this machine is
    handle = router.handle

    async def failing_for_7002(turn) -> None:
        await handle(turn)  # its writes happen, then the update fails: all rolled back
        if turn.event.chat_id == "7002":
            raise RuntimeError("boom")

    monkeypatch.setattr(router, "handle", failing_for_7002)
    sent_before = len(channel.sent)
    answers = [("7001", "Siti Aminah"), ("7002", "Dewi Lestari"), ("7003", "Budi Santoso")]
    answers.append(("7001", "/batal"))
    await store_events(runtime, [text_event(chat, text) for chat, text in answers])
    transactions = 0
    assert await runtime.worker.process_pending() == 4
    assert transactions == 1  # four updates, one commit
    assert len(channel.sent) == sent_before  # the worker sends nothing itself
    assert _names(path) == {"7001": "Siti Aminah", "7002": "", "7003": "Budi Santoso"}
    inbox = rows(path, "SELECT status, attempts FROM inbox ORDER BY id DESC LIMIT 4")
    assert inbox[::-1] == [("done", 1), ("pending", 1), ("done", 1), ("done", 1)]
    replies = rows(
        path,
        "SELECT chat_id FROM outbox WHERE id > (SELECT MAX(id) - 3 FROM outbox) ORDER BY id",
    )
    assert [chat for (chat,) in replies] == ["7001", "7003", "7001"]
    # The failed one is handled again (and now succeeds), after the others.
    monkeypatch.setattr(router, "handle", handle)
    assert await runtime.worker.process_pending() == 1
    assert _names(path)["7002"] == "Dewi Lestari"


async def test_each_update_is_parsed_once_however_many_groups_it_waits(bot, monkeypatch) -> None:
    runtime, channel, path = bot
    parse = runtime.worker.parsers[channel.name]
    parsed: list[str] = []

    def counting(payload):
        parsed.append(payload["chat_id"])
        return parse(payload)

    monkeypatch.setitem(runtime.worker.parsers, channel.name, counting)
    monkeypatch.setattr(inbox_worker, "GROUP_SECONDS", 0.0)  # a group of one update each
    people = ["7101", "7102", "7103", "7104"]
    await store_events(runtime, [text_event(p, "/start") for p in people])
    transactions = 0
    opened = runtime.db.transaction

    def counting_transactions():
        nonlocal transactions
        transactions += 1
        return opened()

    monkeypatch.setattr(runtime.db, "transaction", counting_transactions)
    assert await runtime.worker.process_pending() == 4
    assert transactions == 4
    assert sorted(parsed) == people
    assert len(rows(path, "SELECT id FROM form_sessions")) == 4
