"""The outbox sender on a real database: a paced or flood-limited chat never holds up
another, each chat's messages keep their order, at-most-once messages that were never
tried are not lost, and outcomes are written several at a time."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot import outbox_sender
from bot.channels.base import SendOutcome
from bot.clock import ManualClock
from bot.outbox_sender import OutboxSender
from bot.pacing import Pacing
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Button, Outbound
from storage.db import Database
from storage.models import OutboxItem, Role, UserStatus

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = Database(tmp_path / "psm.db")
    await database.open()
    yield database
    await database.close()


class Channel:
    """Records what it is asked to send; answers with a scripted outcome per text."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        # A text's next outcome(s); a list is answered one a send, then sent.
        self.script: dict[str, SendOutcome | list[SendOutcome]] = {}
        self.gate: asyncio.Event | None = None  # when set up, sends to chat "1" wait for it
        self.changed = asyncio.Condition()
        self.calls: dict[str, int] = {}  # API calls per text (1 unless said)

    async def wait_sent(self, chat: str, text: str) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: (chat, text) in self.sent)

    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome:
        if self.gate is not None and item.chat_id == "1":
            await self.gate.wait()
        outcome = self.script.pop(message.text, None)
        if isinstance(outcome, list):
            outcome, rest = (outcome[0], outcome[1:]) if outcome else (None, [])
            if rest:
                self.script[message.text] = rest
        if outcome is None:
            self.sent.append((item.chat_id or "", message.text))
            async with self.changed:
                self.changed.notify_all()
            return SendOutcome.sent(f"m{len(self.sent)}")
        return outcome

    def api_calls(self, message: Outbound) -> int:
        return self.calls.get(message.text, 1)


async def _people(db: Database, count: int) -> list[int]:
    ids = []
    async with db.transaction() as repos:
        for n in range(1, count + 1):
            user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, full_name=f"P{n}")
            await repos.users.add_identity(
                user_id=user.id, channel="telegram", external_id=str(n), chat_id=str(n), now=NOW
            )
            ids.append(user.id)
    return ids


async def _queue(db: Database, plan: list[tuple[int, str, DeliveryKind]]) -> None:
    async with db.transaction() as repos:
        for user_id, text, kind in plan:
            await deliver(repos, user_id=user_id, message=Outbound.say(text), kind=kind, now=NOW)


def _sender(
    db: Database, channel: Channel, *, concurrency: int = 32, **pacing: float
) -> OutboxSender:
    return OutboxSender(
        db,
        "telegram",
        channel.send,
        ManualClock(NOW),
        api_calls=channel.api_calls,
        pacing=Pacing(**pacing),
        concurrency=concurrency,
        zone=UTC,
    )


@pytest.fixture
def frozen_buckets(monkeypatch):
    """The sender's buckets refill no token during the test: what goes is what they allow."""
    monkeypatch.setattr(outbox_sender, "time", SimpleNamespace(monotonic=lambda: 1000.0))


async def _statuses(db: Database, user_id: int) -> list[tuple[str, str]]:
    async with db.reading() as repos:
        return [(i.message["text"], i.status) for i in await repos.outbox.for_user(user_id)]


async def test_a_flood_limited_chat_holds_only_itself(db) -> None:
    one, two, three = await _people(db, 3)
    notice = DeliveryKind.NOTICE
    await _queue(db, [(one, "a1", notice), (one, "a2", notice), (two, "b1", notice)])
    await _queue(db, [(three, "c1", DeliveryKind.ROUTINE), (one, "a3", DeliveryKind.ROUTINE)])
    channel = Channel()
    channel.script["a1"] = SendOutcome("retry", retry_after=60, chat_wide=True, error="429")
    sender = _sender(db, channel, overall_rate=1000)
    assert await sender.drain() is True  # chat 1 waits for its flood limit
    assert sorted(channel.sent) == [("2", "b1"), ("3", "c1")]
    # Nothing of chat 1 went out after its first failed, and nothing was lost: the
    # reminder that was marked sent ahead of the attempt is pending again.
    assert await _statuses(db, one) == [("a1", "pending"), ("a2", "pending"), ("a3", "pending")]
    assert await _statuses(db, two) == [("b1", "sent")]
    assert await _statuses(db, three) == [("c1", "sent")]


async def test_a_message_to_be_tried_again_is_not_overtaken_in_its_chat(db, monkeypatch) -> None:
    monotonic = [1000.0]
    monkeypatch.setattr(outbox_sender, "time", SimpleNamespace(monotonic=lambda: monotonic[0]))
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a1", DeliveryKind.REPLY), (two, "b1", DeliveryKind.REPLY)])
    channel = Channel()
    channel.script["a1"] = SendOutcome("retry", retry_after=30, error="network")
    clock = ManualClock(NOW)
    sender = OutboxSender(
        db, "telegram", channel.send, clock, pacing=Pacing(overall_rate=1000), zone=UTC
    )
    await sender.drain()
    assert channel.sent == [("2", "b1")]
    # The person's next reply is queued while the first waits to be tried again.
    await _queue(db, [(one, "a2", DeliveryKind.REPLY), (two, "b2", DeliveryKind.REPLY)])
    await sender.drain()
    assert channel.sent == [("2", "b1"), ("2", "b2")]  # a2 waits behind a1; chat 2 goes on
    assert await _statuses(db, one) == [("a1", "pending"), ("a2", "pending")]
    monotonic[0] += 31
    clock.advance(timedelta(seconds=31))
    await sender.drain()
    assert channel.sent[2:] == [("1", "a1"), ("1", "a2")]


async def test_only_failed_tries_use_up_a_messages_attempts(db, monkeypatch) -> None:
    """Flood limits, an expired token and the mark of an at-most-once message before its
    try used attempts too: after eight flood limits one timeout failed a notice, and a
    reminder got four tries, not eight."""
    monotonic = [1000.0]
    monkeypatch.setattr(outbox_sender, "time", SimpleNamespace(monotonic=lambda: monotonic[0]))
    one, two = await _people(db, 2)
    await _queue(db, [(one, "n1", DeliveryKind.NOTICE), (two, "r1", DeliveryKind.ROUTINE)])
    flood = SendOutcome("retry", retry_after=0.0, chat_wide=True, error="429")
    token = SendOutcome("retry", retry_after=0.0, channel_wide=True, error="190")
    timeout = SendOutcome("retry", retry_after=0.0, error="timed out")
    channel = Channel()
    channel.script["n1"] = [flood] * 8 + [token, timeout]
    tries = outbox_sender.MAX_ATTEMPTS - 1
    channel.script["r1"] = [timeout] * tries  # the last of its attempts goes through
    sender = _sender(db, channel, overall_rate=1000)
    for _ in range(20):
        monotonic[0] += 100  # past every hold the sender keeps in memory
        await sender.drain()
    assert sorted(channel.sent) == [("1", "n1"), ("2", "r1")]
    async with db.reading() as repos:
        (notice,) = await repos.outbox.for_user(one)
        (reminder,) = await repos.outbox.for_user(two)
    assert (notice.status, notice.attempts) == ("sent", 1)  # the timeout only
    assert (reminder.status, reminder.attempts) == ("sent", tries)


async def test_a_notice_refused_for_good_goes_by_the_persons_other_channel(db) -> None:
    """Telegram's 403 (blocked) for a notice failed it, though the person uses WhatsApp
    too: it goes there now; a reply (to where the person wrote) still just fails."""
    one, two = await _people(db, 2)
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=one, channel="whatsapp", external_id="ID.1", chat_id="62811", now=NOW
        )
    await _queue(db, [(one, "n1", DeliveryKind.NOTICE), (two, "r1", DeliveryKind.REPLY)])
    channel = Channel()
    blocked = SendOutcome("unreachable", error="Forbidden: bot was blocked by the user")
    channel.script.update({"n1": blocked, "r1": blocked})
    await _sender(db, channel, overall_rate=1000).drain()
    async with db.reading() as repos:
        (notice,) = await repos.outbox.for_user(one)
        (reply,) = await repos.outbox.for_user(two)
        identities = {i.channel: i for i in await repos.users.identities_of(one)}
    assert (notice.channel, notice.chat_id, notice.status) == ("whatsapp", "62811", "pending")
    assert identities["telegram"].unreachable_at is not None
    assert identities["whatsapp"].unreachable_at is None
    assert (reply.channel, reply.status) == ("telegram", "failed")


@pytest.mark.parametrize(
    "outcome",
    [
        SendOutcome("unreachable", error="Forbidden"),
        SendOutcome("failed", error="Bad Request: can't parse entities"),  # refused for good
        SendOutcome("retry", error="Timed out"),  # at its last attempt (below)
    ],
    ids=["unreachable", "refused", "last-attempt"],
)
async def test_a_darurat_alert_nobody_can_get_is_told_to_the_coordinators(
    db, outcome: SendOutcome
) -> None:
    """Not only a channel that cannot reach the person: an alert refused for good, or tried
    its last time, reached nobody either (it failed with nobody told)."""
    (tksk,) = await _people(db, 1)
    async with db.transaction() as repos:
        await repos.users.update(tksk, now=NOW, role=Role.TKSK, kabupaten_code="32.08")
        coordinator = await repos.users.create(
            now=NOW,
            status=UserStatus.ACTIVE,
            full_name="Ibu Sari",
            role=Role.COORDINATOR,
            kabupaten_code="32.08",
            language="en",
        )
        await repos.users.add_identity(
            user_id=coordinator.id, channel="telegram", external_id="9", chat_id="9", now=NOW
        )
    button = Button(label="Buka laporan", data="cs:7")
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=tksk,
            message=Outbound(text="🚨 DARURAT", summary="KNG-2026-000007", buttons=[[button]]),
            kind=DeliveryKind.ALERT,
            now=NOW,
        )
    async with db.transaction() as repos:  # tried 7 times already
        await repos.conn.execute("UPDATE outbox SET attempts = ? WHERE user_id = ?", (7, tksk))
    channel = Channel()
    channel.script["🚨 DARURAT"] = outcome
    await _sender(db, channel, overall_rate=1000).drain()
    async with db.reading() as repos:
        (alert,) = await repos.outbox.for_user(tksk)
        (told,) = await repos.outbox.for_user(coordinator.id)
    assert alert.status == "failed"
    assert told.kind == DeliveryKind.NOTICE and told.status == "sent"
    text = told.message["text"]  # in the coordinator's language
    assert "KNG-2026-000007" in text and "P1 (TKSK)" in text and "phone them" in text
    assert told.message["buttons"] == [[{"label": "Buka laporan", "data": "cs:7"}]]


async def test_an_outage_is_warned_of_once_and_its_end_said(db, monkeypatch, caplog) -> None:
    """While the Graph API was unreachable a reply was tried 5 times in 30 s and nothing
    was logged at INFO; one line per try would drown the log instead."""
    monotonic = [1000.0]
    monkeypatch.setattr(outbox_sender, "time", SimpleNamespace(monotonic=lambda: monotonic[0]))
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a1", DeliveryKind.REPLY), (two, "b1", DeliveryKind.NOTICE)])
    unreachable = SendOutcome("retry", retry_after=0.0, error="ConnectError: refused")
    flood = SendOutcome("retry", retry_after=0.0, chat_wide=True, error="429")
    channel = Channel()
    channel.script["a1"] = [unreachable] * 5
    channel.script["b1"] = [unreachable] * 3 + [flood]
    sender = _sender(db, channel, overall_rate=1000)
    caplog.set_level(logging.INFO, logger="bot.send_trouble")
    for _ in range(8):
        monotonic[0] += 100  # past every hold the sender keeps in memory
        await sender.drain()
    assert sorted(channel.sent) == [("1", "a1"), ("2", "b1")]
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.send_trouble"]
    assert [level for level, _ in said] == ["WARNING", "INFO"], said
    assert said[0][1].startswith("telegram: sending fails (outbox ")
    assert "ConnectError: refused" in said[0][1]
    assert (
        said[1][1] == "telegram: sending works again (8 failed tries, all tried again or given up)"
    )


async def test_a_chat_whose_messages_ended_elsewhere_ends_the_outage_later(db, caplog) -> None:
    """Review 16: a failing chat whose message expired outside the sender (housekeeping, a
    number taken) stayed failing: "sending works again" was never said, and the next outage
    was DEBUG only until a restart. Quiet for an hour (the sender's clock), it is forgotten."""
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a1", DeliveryKind.REPLY)])
    unreachable = SendOutcome("retry", retry_after=0.0, error="ConnectError: refused")
    channel = Channel()
    channel.script["a1"] = [unreachable] * 8
    channel.script["b2"] = [unreachable] * 8
    sender = _sender(db, channel, overall_rate=1000)
    caplog.set_level(logging.INFO, logger="bot.send_trouble")
    await sender.drain()
    async with db.transaction() as repos:  # expired by housekeeping, not by a send
        await repos.conn.execute("UPDATE outbox SET status = 'expired' WHERE user_id = ?", (one,))
    assert isinstance(sender.clock, ManualClock)
    sender.clock.advance(timedelta(minutes=59))
    await _queue(db, [(two, "b1", DeliveryKind.REPLY)])
    await sender.drain()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.send_trouble"]
    assert [level for level, _ in said] == ["WARNING"], said  # not an hour yet
    sender.clock.advance(timedelta(minutes=1))
    await _queue(db, [(two, "b2", DeliveryKind.REPLY)])
    await sender.drain()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.send_trouble"]
    assert [level for level, _ in said] == ["WARNING", "INFO", "WARNING"], said
    assert said[1][1].startswith("telegram: sending works again (")
    assert said[1][1].endswith(" failed tries, no failure for 60 min)")


async def test_a_long_back_off_holds_the_chat_a_minute_at_most(db, monkeypatch) -> None:
    """A reminder Meta keeps refusing for a while must not hold a darurat alert for 30 min."""
    monotonic = [1000.0]
    monkeypatch.setattr(outbox_sender, "time", SimpleNamespace(monotonic=lambda: monotonic[0]))
    (one,) = await _people(db, 1)
    await _queue(db, [(one, "r1", DeliveryKind.ROUTINE)])
    channel = Channel()
    channel.script["r1"] = SendOutcome("retry", retry_after=1800, error="131000")
    clock = ManualClock(NOW)
    sender = OutboxSender(
        db, "telegram", channel.send, clock, pacing=Pacing(overall_rate=1000), zone=UTC
    )
    await sender.drain()
    await _queue(db, [(one, "alert", DeliveryKind.ALERT)])
    await sender.drain()
    assert channel.sent == []  # held behind r1 for now
    monotonic[0] += outbox_sender.RETRY_HOLD_MAX + 1
    await sender.drain()
    assert channel.sent == [("1", "alert")]  # r1 itself waits for its own back-off


async def test_each_chat_keeps_its_order_and_paced_chats_do_not_wait_for_each_other(db) -> None:
    one, two = await _people(db, 2)
    await _queue(db, [(one, f"a{n}", DeliveryKind.REPLY) for n in range(6)])
    await _queue(db, [(two, f"b{n}", DeliveryKind.REPLY) for n in range(2)])
    channel = Channel()
    sender = _sender(db, channel, chat_rate=0.001, chat_burst=2)
    assert await sender.drain() is True
    # Two per chat (the burst), in order; chat 2 was not held up by chat 1's pacing.
    assert channel.sent == [("1", "a0"), ("1", "a1"), ("2", "b0"), ("2", "b1")]
    assert [s for _, s in await _statuses(db, one)] == ["sent"] * 2 + ["pending"] * 4


async def test_a_slow_chat_does_not_hold_up_the_others(db) -> None:
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a0", DeliveryKind.REPLY), (two, "b0", DeliveryKind.REPLY)])
    channel = Channel()
    channel.gate = asyncio.Event()
    sender = _sender(db, channel)
    running = asyncio.create_task(sender.run())
    try:
        await asyncio.wait_for(channel.wait_sent("2", "b0"), timeout=10)
        assert channel.sent == [("2", "b0")]  # chat 1's send is still hanging
        await _queue(db, [(two, "b1", DeliveryKind.REPLY)])
        sender.wake()
        await asyncio.wait_for(channel.wait_sent("2", "b1"), timeout=10)
        channel.gate.set()
        await asyncio.wait_for(channel.wait_sent("1", "a0"), timeout=10)
    finally:
        sender.stop()
        await running
    assert await _statuses(db, one) == [("a0", "sent")]
    assert await _statuses(db, two) == [("b0", "sent"), ("b1", "sent")]


async def test_reminders_leave_room_for_replies(db) -> None:
    people = await _people(db, 6)
    await _queue(db, [(uid, "pengingat", DeliveryKind.ROUTINE) for uid in people[1:]])
    channel = Channel()
    sender = _sender(db, channel, overall_rate=30, chat_rate=1000)  # five tokens at most
    assert await sender.drain() is True
    assert len(channel.sent) == 3  # the reminders stopped with two tokens left ...
    await _queue(db, [(people[0], "balasan", DeliveryKind.REPLY)])
    await sender.drain()
    assert channel.sent[3] == ("1", "balasan")  # ... so a reply goes at once


async def test_outcomes_are_written_in_one_transaction(db, monkeypatch) -> None:
    people = await _people(db, 20)
    await _queue(db, [(uid, f"m{uid}", DeliveryKind.REPLY) for uid in people])
    transactions = 0
    opened = db.transaction

    def counting():
        nonlocal transactions
        transactions += 1
        return opened()

    monkeypatch.setattr(db, "transaction", counting)
    channel = Channel()
    await _sender(db, channel, overall_rate=1000).drain()
    assert len(channel.sent) == 20
    assert transactions == 1
    for uid in people:
        assert await _statuses(db, uid) == [(f"m{uid}", "sent")]


async def test_confirming_updates_reads_only_the_unconfirmed(db) -> None:
    async with db.reading() as repos:
        plan = await repos.inbox._all(
            "EXPLAIN QUERY PLAN UPDATE inbox SET confirmed = 1 WHERE channel = ?"
            " AND confirmed = 0 AND CAST(ext_id AS INTEGER) < ?",
            ("telegram", 10),
        )
    assert "USING INDEX inbox_unconfirmed" in " ".join(row[3] for row in plan)


async def test_a_message_of_several_api_calls_takes_as_many_chat_tokens(db, frozen_buckets) -> None:
    one, two = await _people(db, 2)
    await _queue(db, [(one, f"a{n}", DeliveryKind.REPLY) for n in range(2)])
    await _queue(db, [(two, f"b{n}", DeliveryKind.REPLY) for n in range(4)])
    channel = Channel()
    channel.calls = {"a0": 2, "a1": 2, "b0": 5}
    sender = _sender(db, channel, overall_rate=1000, chat_rate=1, chat_burst=3)
    assert await sender.drain() is True
    # a0 took two of chat 1's three tokens, so a1 (two calls) waits; b0 (more calls than a
    # whole burst) went with the full burst, and chat 2 then owes tokens.
    assert channel.sent == [("1", "a0"), ("2", "b0")]
    assert [s for _, s in await _statuses(db, one)] == ["sent", "pending"]
    assert [s for _, s in await _statuses(db, two)] == ["sent"] + ["pending"] * 3


async def test_the_overall_bucket_counts_api_calls_and_still_leaves_room_for_replies(
    db, frozen_buckets
) -> None:
    people = await _people(db, 6)
    await _queue(db, [(uid, f"r{uid}", DeliveryKind.ROUTINE) for uid in people[1:]])
    channel = Channel()
    channel.calls = {f"r{uid}": 2 for uid in people} | {"balasan": 2}
    sender = _sender(db, channel, overall_rate=30, chat_rate=1000)  # five tokens at most
    assert await sender.drain() is True
    assert len(channel.sent) == 1  # two calls, and two tokens left for replies ...
    await _queue(db, [(people[0], "balasan", DeliveryKind.REPLY)])
    await sender.drain()
    assert channel.sent[1] == ("1", "balasan")  # ... which a two-call reply may use
    assert len(channel.sent) == 2  # and then nothing more: the bucket is empty


async def test_a_throughput_limit_holds_the_channel_not_the_chat(db) -> None:
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a1", DeliveryKind.NOTICE), (two, "b1", DeliveryKind.NOTICE)])
    channel = Channel()
    # WhatsApp's 130429 without a wait: a chat-wide hold would keep chat 1 for its whole
    # burst (3 s), a channel-wide one lets a1 go again at once.
    channel.script["a1"] = SendOutcome("retry", retry_after=0.0, channel_wide=True, error="x")
    sender = _sender(db, channel, overall_rate=1000, concurrency=1)
    await sender.drain()
    assert sorted(channel.sent) == [("1", "a1"), ("2", "b1")]
    assert await _statuses(db, one) == [("a1", "sent")]


async def test_while_the_channel_is_held_nothing_paced_goes_on_it(db) -> None:
    one, two = await _people(db, 2)
    await _queue(db, [(one, "a1", DeliveryKind.NOTICE), (two, "b1", DeliveryKind.NOTICE)])
    channel = Channel()
    channel.script["a1"] = SendOutcome("retry", retry_after=600, channel_wide=True, error="x")
    sender = _sender(db, channel, overall_rate=1000, concurrency=1)  # one chat at a time
    assert await sender.drain() is True  # b1 waits for the channel
    assert channel.sent == []
    assert await _statuses(db, two) == [("b1", "pending")]
    # A flood limit is not a failed attempt: a1 waits for its retry_after, never fails.
    async with db.reading() as repos:
        (item,) = await repos.outbox.for_user(one)
    assert item.status == "pending" and item.not_before == NOW + timedelta(seconds=600)
    # Another channel is not held: its sender keeps its own pace.
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=two,
            message=Outbound.say("w1"),
            kind=DeliveryKind.NOTICE,
            now=NOW,
            channel="whatsapp",
            chat_id="6281200000002",
        )
    whatsapp = Channel()
    await OutboxSender(db, "whatsapp", whatsapp.send, ManualClock(NOW), zone=UTC).drain()
    assert whatsapp.sent == [("6281200000002", "w1")]


async def test_a_chat_sends_again_only_once_its_last_send_is_marked(db) -> None:
    """So that a crash repeats at most the message being sent in a chat, never an earlier
    one after a later."""
    (one,) = await _people(db, 1)
    await _queue(db, [(one, "a1", DeliveryKind.REPLY)])
    channel = Channel()
    sender = _sender(db, channel, overall_rate=1000)
    await sender._round()
    await asyncio.gather(*sender._sending.values())
    assert channel.sent == [("1", "a1")] and sender._unwritten()  # sent, not marked yet
    await _queue(db, [(one, "a2", DeliveryKind.REPLY)])
    started, _, blocked = await sender._round()
    assert (started, blocked) == (0, True)
    await sender._flush()
    started, _, _ = await sender._round()
    await sender._settle()
    assert started == 1 and channel.sent == [("1", "a1"), ("1", "a2")]


async def test_a_reply_waiting_for_its_chats_mark_has_it_written_at_once(
    db, frozen_buckets
) -> None:
    """Not after FLUSH_AFTER (or once no chat is sending): the person is waiting for it."""
    one, two = await _people(db, 2)
    await _queue(db, [(two, "b1", DeliveryKind.REPLY)])
    channel = Channel()
    sender = _sender(db, channel, overall_rate=1000)
    await sender._round()
    await asyncio.gather(*sender._sending.values())
    channel.gate = asyncio.Event()  # chat "1" keeps sending until the gate opens
    await _queue(db, [(one, "c1", DeliveryKind.REPLY)])
    await sender._round()
    await asyncio.sleep(0)
    assert list(sender._sending) == ["1"]
    sender._flush_soon()
    assert sender._flushing_task is None  # b1's mark may wait: nobody needs it yet
    await _queue(db, [(two, "b2", DeliveryKind.REPLY)])
    started, _, blocked = await sender._round()
    assert (started, blocked) == (0, True)
    sender._flush_soon()
    assert sender._flushing_task is not None
    await sender._flushing_task
    started, _, _ = await sender._round()
    await asyncio.gather(sender._sending["2"])
    assert started == 1 and channel.sent == [("2", "b1"), ("2", "b2")]
    channel.gate.set()
    await sender._settle()
    assert channel.sent[-1] == ("1", "c1")


async def test_admins_hear_of_a_problem_once_a_local_day(db) -> None:
    """Once per date of the app's zone: 23.30 UTC is already the next day (06.30 WIB)."""
    (person,) = await _people(db, 1)
    async with db.transaction() as repos:
        admin = await repos.users.create(
            now=NOW, status=UserStatus.ACTIVE, full_name="Admin", role=Role.ADMIN
        )
        await repos.users.add_identity(
            user_id=admin.id, channel="telegram", external_id="99", chat_id="99", now=NOW
        )
    problem = "Token ditolak: periksa WHATSAPP_ACCESS_TOKEN."
    channel = Channel()
    clock = ManualClock(NOW)
    sender = OutboxSender(db, "telegram", channel.send, clock, zone=ZoneInfo("Asia/Jakarta"))

    async def fails_at(moment: datetime) -> None:
        clock.set(moment)
        text = f"pesan {moment:%d %H:%M}"
        channel.script[text] = SendOutcome("failed", error="401", operator_alert=problem)
        async with db.transaction() as repos:
            await deliver(
                repos,
                user_id=person,
                message=Outbound.say(text),
                kind=DeliveryKind.NOTICE,
                now=moment,
            )
        await sender.drain()

    async def alerts() -> int:
        async with db.reading() as repos:
            return sum(
                item.message["text"] == problem for item in await repos.outbox.for_user(admin.id)
            )

    await fails_at(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))  # 16.00 WIB on the 29th
    await fails_at(datetime(2026, 11, 29, 16, 0, tzinfo=UTC))  # 23.00 WIB, the same day
    assert await alerts() == 1
    await fails_at(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))  # 06.30 WIB on the 30th
    assert await alerts() == 2
    await fails_at(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # 08.00 WIB, still the 30th
    assert await alerts() == 2
    async with db.reading() as repos:
        summaries = {item.message.get("summary") for item in await repos.outbox.for_user(admin.id)}
    # Announced for what it is where it waits behind WhatsApp's window, never "(pesan)".
    assert summaries == {"Masalah teknis bot"}


async def test_a_message_of_its_day_deferred_never_outlives_its_own_deadline(db) -> None:
    """WhatsApp's messaging limit defers a routine message and lengthens its life; a daily
    reminder of its day (`Outbound.expires_at`: the end of its local day) went out the next
    day saying "besok" when the deferral reached past midnight."""
    (person,) = await _people(db, 1)
    end_of_day = NOW + timedelta(hours=8)  # now 16.00 WIB: midnight WIB
    async with db.transaction() as repos:
        item_id = await deliver(
            repos,
            user_id=person,
            message=Outbound(text="Pengingat harian", expires_at=end_of_day),
            kind=DeliveryKind.ROUTINE,
            now=NOW,
        )
    channel = Channel()
    channel.script["Pengingat harian"] = SendOutcome("deferred", retry_after=6 * 3600.0)
    sender = OutboxSender(db, "telegram", channel.send, ManualClock(NOW), zone=UTC)
    await sender.drain()
    async with db.reading() as repos:
        item = await repos.outbox.get(item_id)
    assert item.status == "pending" and item.not_before == NOW + timedelta(hours=6)
    assert item.expires_at == end_of_day  # not 6 h + the routine lifetime later
