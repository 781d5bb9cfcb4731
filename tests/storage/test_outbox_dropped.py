"""A message dropped while it was being sent (its person suspended meanwhile) stays dropped,
whatever the outcome of that send asks for; a deletion is never dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from storage.outbox import NewMessage
from tests.storage.seed_cases import NOW, make_user, open_database


@pytest.fixture
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def test_outcomes_of_a_send_do_not_revive_a_dropped_message(db) -> None:
    async with db.transaction() as repos:
        person = await make_user(repos, "Bu Ani", Role.PSM)
        ids = [
            await repos.outbox.enqueue(
                NewMessage(
                    user_id=person.id,
                    channel="whatsapp",
                    chat_id="62812",
                    kind="notice",
                    priority=1,
                    message={"text": f"kabar {n}"},
                    now=NOW,
                )
            )
            for n in range(4)
        ]
        deletion = await repos.outbox.enqueue(
            NewMessage(
                user_id=person.id,
                channel="whatsapp",
                chat_id="62812",
                kind="transient",
                priority=0,
                message={"type": "delete", "target_message_id": "9"},
                now=NOW,
            )
        )
        assert await repos.people.drop_unsent(person.id) == 4  # the deletion stays
        later = NOW + timedelta(minutes=1)
        await repos.outbox.retry_later(ids[0], not_before=later, error="network", failed_try=True)
        await repos.outbox.defer(ids[1], not_before=later, lifetime=timedelta(hours=1), error="x")
        await repos.outbox.hold(ids[2], error="131047")
        await repos.outbox.resend_other_recipient(ids[3], now=later, error="131062")
        statuses = await repos.conn.execute_fetchall("SELECT id, status FROM outbox ORDER BY id")
    assert [tuple(row) for row in statuses] == [
        *((item, "expired") for item in ids),
        (deletion, "pending"),
    ]
