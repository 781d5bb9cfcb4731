"""`psm-bot user merge KEEP ABSORB`: Bu Ani (user 1, a PSM on Telegram with her reports) also
has a second user, her WhatsApp account, with a report and a notice of its own. A dry run
changes nothing; `--yes` moves everything to her, leaves the second row suspended and
audits it with the number masked; what cannot be one person is refused."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.cli import main
from bot.lock import ProcessLock
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.models import Role, UserStatus
from tests.bot.cli_world import World, world_fixture  # noqa: F401 (the `world` fixture)
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import (
    BABATAN,
    CASE_REPORT_VERSION,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    make_user,
    open_database,
    query,
    seed_case,
)

WA_PHONE = "+6281322227301"  # verified by WhatsApp for her second user


@dataclass
class People:
    world: World
    whatsapp_ani: int
    tksk: int
    newcomer: int


async def _people(world: World) -> People:
    db = await open_database(world.database)
    try:
        async with db.transaction() as repos:
            await repos.users.add_identity(
                user_id=1, channel="telegram", external_id="7001", chat_id="7001", now=NOW
            )
            second = await make_user(repos, "Ani S", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            identity = await repos.users.add_identity(
                user_id=second.id,
                channel="whatsapp",
                external_id="ID.7301",
                chat_id=WA_PHONE[1:],
                now=NOW,
            )
            await repos.users.set_identity_phone(identity.id, WA_PHONE, verified=True)
            await seed_case(
                repos,
                reporter=second,
                desa=BABATAN,
                at=NOW - timedelta(days=1),
                number="KNG-2026-000050",
                people=(("Dedi", None),),
                no_kk=None,
            )
            await deliver(
                repos,
                user_id=second.id,
                message=Outbound.say("Kasus KNG-2026-000050 diverifikasi"),
                kind=DeliveryKind.NOTICE,
                now=NOW,
            )
            tksk = await make_user(repos, "Pak Rudi", Role.TKSK, kecamatan=KADUGEDE)
            newcomer = await repos.users.create(now=NOW, status=UserStatus.REGISTERING)
    finally:
        await db.close()
    return People(world, second.id, tksk.id, newcomer.id)


@pytest.fixture
def people(world: World) -> People:
    return asyncio.run(_people(world))


async def _draft(world: World, user_id: int) -> None:
    db = await open_database(world.database)
    try:
        async with db.transaction() as repos:
            await repos.forms.start(
                user_id=user_id,
                form_id="case_report",
                form_version=CASE_REPORT_VERSION,
                state={"answers": {}},
                now=NOW,
            )
    finally:
        await db.close()


def _rows(world: World, sql: str, *params) -> list[tuple]:
    return [tuple(row) for row in query(world.database, sql, params)]


def test_a_dry_run_says_what_would_move_and_changes_nothing(people: People, capsys) -> None:
    before = _rows(people.world, "SELECT * FROM channel_identities ORDER BY id")
    assert main(["user", "merge", "1", str(people.whatsapp_ani)]) == 0
    out = capsys.readouterr().out
    assert "would move" in out and "whatsapp +62813*****301" in out
    assert "cases reported: 1" in out and "messages not sent yet: 1" in out
    assert "dry run, nothing changed" in out and "2222" not in out
    assert "cannot be undone" in out
    assert _rows(people.world, "SELECT * FROM channel_identities ORDER BY id") == before
    assert _rows(people.world, "SELECT 1 FROM audit_log WHERE action = 'user.merged'") == []


def test_merged_by_her_verified_phone_everything_is_hers(people: People, capsys) -> None:
    second = people.whatsapp_ani
    assert main(["user", "merge", "1", "0813-2222-7301", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "moved" in out
    assert "the person is told on telegram, whatsapp (queued: sent once the bot runs" in out
    world = people.world
    assert _rows(world, "SELECT channel, user_id FROM channel_identities ORDER BY channel") == [
        ("telegram", 1),
        ("whatsapp", 1),
    ]
    assert _rows(
        world, "SELECT reporter_id, submitted_by FROM cases WHERE number = 'KNG-2026-000050'"
    ) == [(1, 1)]
    rows = _rows(world, "SELECT channel, chat_id, message FROM outbox WHERE user_id = 1")
    assert [(c, chat) for c, chat, m in rows if "KNG-2026-000050" in m] == [
        ("whatsapp", WA_PHONE[1:])  # her notice not sent yet: hers, to the same chat
    ]
    told = [(c, chat) for c, chat, m in rows if "menggabungkan akun" in m]
    assert sorted(told) == [("telegram", "7001"), ("whatsapp", WA_PHONE[1:])]
    assert all("WhatsApp +62813*****301" in m for _, _, m in rows if "menggabungkan" in m)
    assert _rows(world, "SELECT COUNT(*) FROM outbox WHERE user_id = ?", second) == [(0,)]
    [(status, role, desa, phone, version)] = _rows(
        world, "SELECT status, role, desa_code, phone, version FROM users WHERE id = ?", second
    )
    assert (status, role, desa, phone) == ("suspended", None, None, None) and version > 1
    [(subject, detail)] = _rows(
        world, "SELECT subject, detail FROM audit_log WHERE action = 'user.merged'"
    )
    logged = json.loads(detail)
    assert subject == f"user:{second}" and logged["into"] == 1
    assert logged["accounts"] == ["whatsapp +62813*****301"]
    assert logged["found_by"] == ["id", "phone"] and logged["moved"]["cases reported"] == 1
    assert "2222" not in detail
    told_text = [json.loads(m)["text"] for _, _, m in rows if "menggabungkan" in m]
    assert all("tidak bisa dibatalkan" in t and "dinonaktifkan" in t for t in told_text)
    assert not any("segera hubungi koordinator di Dinas Sosial." in t for t in told_text)
    # Once merged, it is not merged again.
    assert main(["user", "merge", "1", str(second), "--yes"]) == 1
    assert "already merged" in capsys.readouterr().err


def test_the_operator_hears_when_the_person_could_not_be_told(people: People, capsys) -> None:
    """QA walk 9: `--yes` said nothing of the notice; with no chat yet (accounts added by
    hand, never written from) nobody is told, and the operator reads so."""
    with sqlite3.connect(people.world.database) as connection:
        connection.execute("UPDATE channel_identities SET chat_id = NULL")
    connection.close()
    assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "the person was not told: they have no chat with the bot yet" in out
    assert "is told on" not in out
    rows = _rows(people.world, "SELECT message FROM outbox WHERE user_id = 1")
    assert not [m for (m,) in rows if "menggabungkan akun" in m]


def test_the_notice_goes_to_no_chat_at_a_number_no_longer_hers(people: People, capsys) -> None:
    """Review 11b: her second user's WhatsApp number is no longer verified as hers (the
    number may have changed hands): the merge notice, naming her accounts, goes to her
    Telegram chat only, not to whoever holds that number now."""
    world = people.world
    with sqlite3.connect(world.database) as raw:
        raw.execute(
            "UPDATE channel_identities SET phone_verified = 0 WHERE user_id = ?",
            (people.whatsapp_ani,),
        )
    raw.close()
    assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 0
    rows = _rows(world, "SELECT channel, chat_id, message FROM outbox WHERE user_id = 1")
    told = [(c, chat) for c, chat, m in rows if "menggabungkan akun" in m]
    assert told == [("telegram", "7001")]
    assert "cannot be undone" in capsys.readouterr().out


def test_two_roles_are_refused(people: People, capsys) -> None:
    assert main(["user", "merge", "1", str(people.tksk), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "two roles" in err and "nothing changed" in err
    assert _rows(people.world, "SELECT role FROM users WHERE id = ?", people.tksk) == [("tksk",)]


def test_the_role_on_the_absorbed_user_alone_is_refused_with_the_way_round(
    people: People, capsys
) -> None:
    assert main(["user", "merge", str(people.newcomer), "1", "--yes"]) == 1
    assert f"psm-bot user merge 1 {people.newcomer}" in capsys.readouterr().err
    assert _rows(people.world, "SELECT status FROM users WHERE id = 1") == [("active",)]


def test_a_request_waiting_is_not_absorbed_into_a_registration_begun(
    people: People, capsys
) -> None:
    asyncio.run(_waiting(people))
    assert main(["user", "merge", str(people.newcomer), str(people.tksk), "--yes"]) == 1
    assert "further along" in capsys.readouterr().err
    assert _rows(people.world, "SELECT status FROM users WHERE id = ?", people.tksk) == [
        ("pending",)
    ]


async def _waiting(people: People) -> None:
    db = await open_database(people.world.database)
    try:
        async with db.transaction() as repos:  # Pak Rudi's registration waits for a decision
            await repos.users.update(
                people.tksk, now=NOW, role=None, requested_role="tksk", status="pending"
            )
    finally:
        await db.close()


def test_two_regions_are_refused(people: People, capsys) -> None:
    asyncio.run(_move_to_ciniru(people))
    assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 1
    assert "two regions" in capsys.readouterr().err


async def _move_to_ciniru(people: People) -> None:
    db = await open_database(people.world.database)
    try:
        async with db.transaction() as repos:
            await repos.users.update(
                people.whatsapp_ani, now=NOW, kecamatan_code="32.08.02", desa_code=CINIRU_DESA
            )
    finally:
        await db.close()


def test_two_drafts_of_one_form_are_refused(people: People, capsys) -> None:
    asyncio.run(_draft(people.world, 1))
    asyncio.run(_draft(people.world, people.whatsapp_ani))
    assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 1
    assert "both have a draft of case_report" in capsys.readouterr().err
    assert _rows(
        people.world, "SELECT user_id FROM channel_identities WHERE channel = 'whatsapp'"
    ) == [(people.whatsapp_ani,)]


def test_the_same_user_twice_or_nobody_is_refused(people: People, capsys) -> None:
    assert main(["user", "merge", "1", "1", "--yes"]) == 1
    assert "the same user 1" in capsys.readouterr().err
    assert main(["user", "merge", "1", "999", "--yes"]) == 1
    assert "no user 999" in capsys.readouterr().err


def test_a_running_bot_is_stopped_first(people: People, capsys) -> None:
    with ProcessLock(people.world.database):  # the bot holds its lock while it runs
        assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 1
    assert "stop the bot first" in capsys.readouterr().err
    assert _rows(people.world, "SELECT status FROM users WHERE id = ?", people.whatsapp_ani) == [
        ("active",)
    ]


async def _trainings(people: People) -> tuple[int, int, int]:
    """Both of Ani's users invited to two Bimtek: at the first only the WhatsApp one
    answered and checked in (the Telegram one marked absent by hand); at the second both
    answered, differently."""
    db = await open_database(people.world.database)
    second = people.whatsapp_ani
    try:
        async with db.transaction() as repos:
            sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
            first = await new_training(repos, sari, [(at(10, 9), at(10, 12))])
            other = await new_training(repos, sari, [(at(11, 9), at(11, 12))])
            for training in (first, other):
                await repos.trainings.invite(training, [1, second], at(1, 9))
            await repos.trainings.set_rsvp(first, second, "akan_hadir", at(2, 9))
            await repos.trainings.set_rsvp(other, 1, "berhalangan", at(2, 9))
            await repos.trainings.set_rsvp(other, second, "akan_hadir", at(2, 9))
            [day] = await repos.trainings.days(first)
            await repos.trainings.set_status_by_hand(
                day.id, 1, status="tidak_hadir", recorded_by=sari.id, now=at(10, 13)
            )
            await repos.trainings.check_in(
                day.id, second, late=False, method="code", distance_m=None, now=at(10, 9)
            )
    finally:
        await db.close()
    return first, other, day.id


def test_of_two_invitations_or_check_ins_the_one_that_says_more_stays(people: People) -> None:
    first, other, day = asyncio.run(_trainings(people))
    assert main(["user", "merge", "1", str(people.whatsapp_ani), "--yes"]) == 0
    world = people.world
    assert _rows(
        world, "SELECT training_id, user_id, rsvp FROM training_invitations ORDER BY training_id"
    ) == [(first, 1, "akan_hadir"), (other, 1, "berhalangan")]
    assert _rows(world, "SELECT day_id, user_id, status FROM training_attendance") == [
        (day, 1, "hadir")
    ]
