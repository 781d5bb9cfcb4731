"""WhatsApp templates in storage: the monthly count (carried over from the old counter), the
24-hour count of people, who waits for a template, deferrals, the last message moved back by
a late 131047; and the ranking of kinds."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.whatsapp.limit import RANK, category, no_room_until
from storage.db import Database
from storage.migrate import available_migrations
from storage.models import UserStatus
from storage.outbox_enqueue import NewMessage
from storage.repos import Repos

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "topic", "expected"),
    [
        ("alert", None, "alert"),
        ("alert", "training", "alert"),
        ("notice", "revision", "revision"),
        ("notice", "training", "training"),
        ("routine", "training", "training"),
        ("notice", None, "notice"),
        ("reply", None, "notice"),
        ("routine", None, "reminder"),
        ("bulk", None, "broadcast"),
    ],
)
def test_what_a_message_is_for_the_limit(kind: str, topic: str | None, expected: str) -> None:
    assert category(kind, topic) == expected


def test_ranks_revisions_and_trainings_before_reminders_before_broadcasts() -> None:
    assert RANK["alert"] < RANK["revision"] == RANK["training"] == RANK["notice"]
    assert RANK["notice"] < RANK["reminder"] < RANK["broadcast"]


async def test_the_old_monthly_counter_is_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        for number, migration in available_migrations():
            if number < 8:
                old.executescript(migration.read_text(encoding="utf-8"))
        old.execute("PRAGMA user_version = 7")
        old.executemany(
            "INSERT INTO channel_state VALUES ('whatsapp', ?, ?)",
            [("templates:2026-10", "3"), ("templates:2026-11", "2"), ("menu:6281", "{}")],
        )
    database = Database(path)
    await database.open()
    try:
        async with database.reading() as repos:
            october = await repos.templates.counts_between(
                datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
            )
            november = await repos.templates.counts_between(
                datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
            )
    finally:
        await database.close()
    assert october == {"unknown": 3} and november == {"unknown": 2}


async def _person(repos: Repos, chat: str, last_inbound: datetime) -> int:
    user = await repos.users.create(now=T0, status=UserStatus.ACTIVE, kabupaten_code="32.08")
    await repos.users.add_identity(
        user_id=user.id,
        channel="whatsapp",
        external_id=f"ID.{chat}",
        chat_id=chat,
        now=last_inbound,
    )
    return user.id


async def _queue(repos: Repos, user_id: int, chat: str, kind: str, topic: str | None) -> None:
    await repos.outbox.enqueue(
        NewMessage(
            user_id=user_id,
            channel="whatsapp",
            chat_id=chat,
            kind=kind,
            priority=1,
            message={"text": "x"},
            now=T0,
            topic=topic,
        )
    )


async def test_places_under_the_limit_go_to_better_ranked_chats_first(db: Database) -> None:
    closed, open_ = T0 - timedelta(hours=30), T0 - timedelta(hours=1)
    async with db.transaction() as repos:
        reminded = await _person(repos, "6281001", closed)
        revised = await _person(repos, "6281002", closed)
        inside = await _person(repos, "6281003", open_)  # window open: needs no template
        announced = await _person(repos, "6281004", closed)
        await _queue(repos, reminded, "6281001", "routine", None)
        await _queue(repos, revised, "6281002", "notice", "revision")
        await _queue(repos, inside, "6281003", "notice", "revision")
        await _queue(repos, announced, "6281004", "notice", "training")
        await repos.templates.record_send(
            now=T0 - timedelta(hours=2),
            chat_id="6281004",
            template="psm_pemberitahuan",
            kind="notice",
            outbox_id=None,
        )
        waiting = await repos.templates.waiting_for_template(
            "whatsapp", now=T0, window_start=T0 - timedelta(hours=24), besides="6281001"
        )
        assert [(w.chat_id, w.topic) for w in waiting] == [("6281002", "revision")]
        assert await repos.templates.people_reached_since(T0 - timedelta(hours=24)) == 1

        def room(kind: str, topic: str | None, limit: int):
            return no_room_until(
                repos,
                channel="whatsapp",
                chat_id="6281001",
                kind=kind,
                topic=topic,
                now=T0,
                limit=limit,
            )

        # Limit 2, one place used: the revision waiting elsewhere takes the last place.
        assert await room("routine", None, 3) is None
        retry = await room("routine", None, 2)
        assert retry == T0 - timedelta(hours=2) + timedelta(hours=24, seconds=1)
        assert await room("notice", "training", 2) is None  # a training ranks with revisions
        assert await room("notice", None, 1) is not None  # no place at all


async def test_deferrals_are_counted_once_per_person_kind_and_day(db: Database) -> None:
    async with db.transaction() as repos:
        first = await _person(repos, "6281011", T0)
        second = await _person(repos, "6281012", T0)
        for user_id, kind in ((first, "reminder"), (first, "reminder"), (second, "revision")):
            await repos.templates.record_deferral(
                local_date="2026-11-29",
                user_id=user_id,
                category=kind,
                kabupaten_code="32.08",
                now=T0,
            )
        counts = {row.category: row.people for row in await repos.templates.unreported()}
        assert counts == {"reminder": 1, "revision": 1}
        assert await repos.templates.unreported_people("32.08", "2026-11-29") == 2
        await repos.templates.mark_reported("32.08", "2026-11-29", T0)
        assert await repos.templates.unreported() == []


async def test_a_late_131047_moves_the_last_message_back_unless_they_wrote_since(
    db: Database,
) -> None:
    """Refused at `sent` for a closed window: the person last wrote, as Meta counts it, a day
    or more before; our record (a message redelivered after downtime, processed late) is
    moved back to that. One who wrote after the send, or whose record says closed already,
    keeps it."""
    sent = T0 - timedelta(hours=2)
    async with db.transaction() as repos:
        for chat, last in [
            ("6281021", T0 - timedelta(hours=5)),  # ours says open, Meta's closed
            ("6281022", T0 - timedelta(hours=1)),  # wrote after the send: open again
            ("6281023", T0 - timedelta(hours=30)),  # closed already
        ]:
            await _person(repos, chat, last)
            await repos.users.note_window_closed(
                "whatsapp", chat, sent_at=sent, window=timedelta(hours=24)
            )
        found = {
            chat: (await repos.users.identity_by_chat("whatsapp", chat)).last_inbound_at
            for chat in ("6281021", "6281022", "6281023")
        }
    assert found == {
        "6281021": sent - timedelta(hours=24),
        "6281022": T0 - timedelta(hours=1),
        "6281023": T0 - timedelta(hours=30),
    }
