"""`deliver_to_people` (a broadcast's thousands in one round trip) queues each person's message
exactly where `deliver` would, one by one: the chosen channel unless it is blocked, else the
one used last; held until a person who never started the bot does; nobody without a channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.delivery import DeliveryKind, deliver, deliver_to_people
from handlers.events import Outbound
from storage.db import Database
from storage.models import Role, User, UserStatus
from storage.repos import Repos

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
TEXT = "Rapat PSM besok. NIK contoh 3208011204850001."


async def _person(repos: Repos, name: str, **fields: object) -> User:
    user = await repos.users.create(
        now=NOW, status=UserStatus.ACTIVE, full_name=name, role=Role.PSM, kabupaten_code="32.08"
    )
    return await repos.users.update(user.id, now=NOW, **fields) if fields else user


async def _identity(repos: Repos, user: User, channel: str, chat: str | None, hours_ago: int):
    when = NOW - timedelta(hours=hours_ago) if chat else None
    return await repos.users.add_identity(
        user_id=user.id, channel=channel, external_id=f"{channel}-{user.id}", chat_id=chat, now=when
    )


async def _world(repos: Repos) -> list[User]:
    only_telegram = await _person(repos, "Ani")
    await _identity(repos, only_telegram, "telegram", "101", 5)
    whatsapp_last = await _person(repos, "Budi")
    await _identity(repos, whatsapp_last, "telegram", "102", 9)
    await _identity(repos, whatsapp_last, "whatsapp", "6281200000102", 1)
    chose_telegram = await _person(repos, "Citra", delivery_channel="telegram")
    await _identity(repos, chose_telegram, "telegram", "103", 9)
    await _identity(repos, chose_telegram, "whatsapp", "6281200000103", 1)
    chose_blocked = await _person(repos, "Dedi", delivery_channel="whatsapp")
    await _identity(repos, chose_blocked, "telegram", "104", 9)
    await _identity(repos, chose_blocked, "whatsapp", "6281200000104", 1)
    await repos.users.mark_unreachable("whatsapp", "6281200000104", now=NOW)
    never_started = await _person(repos, "Eka")
    await _identity(repos, never_started, "telegram", None, 0)
    no_channel = await _person(repos, "Fajar")
    return [only_telegram, whatsapp_last, chose_telegram, chose_blocked, never_started, no_channel]


async def _queued(repos: Repos, people: list[User]) -> dict[str, tuple]:
    rows = await repos.outbox._all(
        "SELECT user_id, channel, chat_id, status, kind, message, broadcast_id FROM outbox"
        " WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (f"[{','.join(str(p.id) for p in people)}]",),
    )
    names = {person.id: person.full_name for person in people}
    return {names[row[0]]: tuple(row[1:]) for row in rows}


async def test_each_message_goes_where_deliver_would_send_it(db: Database) -> None:
    async with db.transaction() as repos:
        people = await _world(repos)
        broadcast = await repos.broadcasts.create(
            sender_id=people[0].id,
            kabupaten_code="32.08",
            audience={"role": "psm"},
            text=TEXT,
            recipients=len(people),
            now=NOW,
        )
        queued = await deliver_to_people(
            repos,
            [(person, Outbound.say(TEXT)) for person in people],
            kind=DeliveryKind.BULK,
            now=NOW,
            broadcast_id=broadcast,
        )
        at_once = await _queued(repos, people)
        await repos.conn.execute("DELETE FROM outbox")
        for person in people:
            await deliver(
                repos,
                user_id=person.id,
                message=Outbound.say(TEXT),
                kind=DeliveryKind.BULK,
                now=NOW,
            )
        one_by_one = await _queued(repos, people)
    assert queued == 5
    assert {name: row[:5] for name, row in at_once.items()} == {
        name: row[:5] for name, row in one_by_one.items()
    }
    assert {name: row[:3] for name, row in at_once.items()} == {
        "Ani": ("telegram", "101", "pending"),
        "Budi": ("whatsapp", "6281200000102", "pending"),
        "Citra": ("telegram", "103", "pending"),
        "Dedi": ("telegram", "104", "pending"),
        "Eka": ("telegram", None, "waiting"),
    }
    assert all(row[5] == broadcast for row in at_once.values())
    assert all("3208011204850001" not in row[4] for row in at_once.values())  # masked


async def test_nobody_to_reach_queues_nothing(db: Database) -> None:
    async with db.transaction() as repos:
        nobody = await _person(repos, "Gita")
        assert await deliver_to_people(repos, [], kind=DeliveryKind.BULK, now=NOW) == 0
        assert (
            await deliver_to_people(
                repos, [(nobody, Outbound.say(TEXT))], kind=DeliveryKind.BULK, now=NOW
            )
            == 0
        )
        assert await _queued(repos, [nobody]) == {}
