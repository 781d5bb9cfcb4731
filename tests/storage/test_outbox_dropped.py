"""A message dropped while it was being sent (its person suspended meanwhile) stays dropped,
whatever the outcome of that send asks for; a deletion is never dropped. A message refused
after it was sent is not sent again once stale (past its expiry, or followed in its thread)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from storage.outbox_enqueue import NewMessage
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


async def test_a_message_refused_later_is_not_sent_again_once_stale(db) -> None:
    """A late 131047 in a status webhook would send a sent invitation again: not once its RSVP
    deadline has passed, nor when a reschedule followed it; the current one, or a message
    with neither, may go again."""
    deadline = NOW + timedelta(hours=1)
    async with db.transaction() as repos:
        person = await make_user(repos, "Bu Ani", Role.PSM)

        async def sent(text: str, extra: dict, expires_at=None) -> int:
            item_id = await repos.outbox.enqueue(
                NewMessage(
                    user_id=person.id,
                    channel="whatsapp",
                    chat_id="62812",
                    kind="notice",
                    priority=1,
                    message={"text": text, **extra},
                    now=NOW,
                    expires_at=expires_at,
                )
            )
            await repos.outbox.mark_sent(item_id, now=NOW, ext_message_id=f"wamid.{item_id}")
            return item_id

        thread = {"thread": "training:3"}
        invitation = await sent("Undangan bimtek", thread, deadline)
        reschedule = await sent("Jadwal bimtek berubah", thread, deadline)
        approval = await sent("Akun disetujui", {})
        assert not await repos.outbox.may_send_again(invitation, now=NOW)
        assert await repos.outbox.may_send_again(reschedule, now=NOW)
        assert not await repos.outbox.may_send_again(reschedule, now=deadline)
        assert await repos.outbox.may_send_again(approval, now=NOW + timedelta(days=1))
