"""`OutboxRepo.thread_statuses`: per person, what became of their messages of a thread. A
message the channel accepted and then reported failed (a WhatsApp status webhook) reached
nobody: 'undelivered', not 'sent'; sent again after that report, it is what it is now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from storage.outbox_enqueue import NewMessage
from tests.storage.seed_cases import NOW, make_user, open_database

THREAD = "training:1"
LATER = NOW + timedelta(minutes=1)

# (what happened to the one message of the thread, the statuses read)
CASES = [
    ("queued", [], {"pending"}),
    ("sent", [("sent",)], {"sent"}),
    ("delivered", [("sent",), ("report", "delivered")], {"sent"}),
    ("read", [("sent",), ("report", "read")], {"sent"}),
    ("reported failed", [("sent",), ("report", "failed")], {"undelivered"}),
    ("read, then failed", [("sent",), ("report", "read"), ("report", "failed")], {"undelivered"}),
    ("failed, tried again", [("sent",), ("report", "failed"), ("retry",)], {"pending"}),
    ("failed, sent again", [("sent",), ("report", "failed"), ("retry",), ("sent",)], {"sent"}),
    ("failed, held", [("sent",), ("report", "failed"), ("retry",), ("hold",)], {"waiting"}),
    ("refused at the send", [("fail",)], {"failed"}),
]


@pytest.fixture
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


@pytest.mark.parametrize(("steps", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_what_became_of_a_message_of_the_thread(db, steps, expected) -> None:
    async with db.transaction() as repos:
        person = await make_user(repos, "Bu Ani", Role.PSM)
        other = await make_user(repos, "Pak Joko", Role.PSM)
        item_id = await _notice(repos, person.id, THREAD)
        await _notice(repos, person.id, "training:2")  # another thread: not read
        await _notice(repos, person.id, f"{THREAD}/reminder")  # the thread below: not read
        outbox = repos.outbox
        for step, *args in steps:
            if step == "sent":
                await outbox.mark_sent(item_id, now=LATER, ext_message_id="wamid.1")
            elif step == "report":
                assert await outbox.record_delivery(item_id, args[0], None)
            elif step == "retry":
                await outbox.retry_later(item_id, not_before=LATER, error="x", failed_try=False)
            elif step == "hold":
                await outbox.hold(item_id, error="131047")
            elif step == "fail":
                assert await outbox.mark_failed(item_id, error="x")
        statuses = await outbox.thread_statuses(THREAD, [person.id, other.id])
    assert statuses == {person.id: expected}  # nobody without a message of it


async def _notice(repos, user_id: int, thread: str) -> int:
    return await repos.outbox.enqueue(
        NewMessage(
            user_id=user_id,
            channel="whatsapp",
            chat_id="62812",
            kind="notice",
            priority=1,
            message={"text": "Undangan bimtek", "thread": thread},
            now=NOW,
        )
    )
