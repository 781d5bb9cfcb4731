"""Admins hear each day of the cases waiting for them to stand in (nobody of the region may
decide them), with a button to their queue; nothing when nothing waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest_asyncio

from handlers import router
from handlers.context import AppContext
from handlers.events import Outbound
from handlers.reminders import daily_reminders
from storage.db import Database
from storage.models import Role, User
from storage.repos import Repos
from tests.handlers.chat_turns import app_context, tap
from tests.storage.seed_cases import make_user, open_database, seed_case, unvisited_since

KADUGEDE, KADUGEDE_DESA, TUBAN_DESA = "32.08.01", "32.08.01.2006", "35.23.01.2001"
DAY_ONE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 16.00 WIB, the default reminder hour
DAY_TWO = DAY_ONE + timedelta(days=1)


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def person(repos: Repos, name: str, role: Role, **region) -> User:
    """Someone reachable on Telegram under their own id (as `tap` addresses them)."""
    user = await make_user(repos, name, role, **region)
    external = str(user.id)
    await repos.users.add_identity(
        user_id=user.id, channel="telegram", external_id=external, chat_id=external, now=DAY_ONE
    )
    return user


async def tap_menu_queue(db: Database, app: AppContext, user: User) -> Outbound:
    """What the reminder's queue button answers (after the callback's answer)."""
    async with db.transaction() as repos:
        turn = tap(app, repos, user, "menu:antrian")
        await router.handle(turn)
    (answer,) = [reply for reply in turn.replies if reply.type == "text"]
    return answer


async def reminders_of(db: Database, user: User) -> list[dict]:
    async with db.reading() as repos:
        return [item.message for item in await repos.outbox.for_user(user.id)]


async def due_at(db: Database, hour: str, day: str) -> list[int]:
    async with db.reading() as repos:
        people = await repos.reminders.due_for_daily_reminder(
            default_time="16:00", local_time=hour, day=day, unvisited=unvisited_since(day)
        )
    return [p.id for p in people]


async def test_an_admin_is_reminded_of_what_only_they_may_decide(db, tmp_path) -> None:
    app = app_context(tmp_path)
    async with db.transaction() as repos:
        admin = await person(repos, "Pak Admin", Role.ADMIN, kabupaten=None)
        ani = await person(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=KADUGEDE_DESA)
        wati = await person(repos, "Bu Wati", Role.PSM, kabupaten="35.23")
        # Kuningan has no TKSK in Kadugede and its only coordinator reported the second case.
        sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
        await seed_case(repos, reporter=ani, desa=KADUGEDE_DESA, at=DAY_ONE, number="KNG-1")
        await seed_case(
            repos, reporter=sari, desa=KADUGEDE_DESA, at=DAY_ONE, number="KNG-2", state="verified"
        )
        await seed_case(repos, reporter=wati, desa=TUBAN_DESA, at=DAY_ONE, number="TBN-1")
        await seed_case(
            repos, reporter=wati, desa=TUBAN_DESA, at=DAY_ONE, number="TBN-2", state="approved"
        )

    assert admin.id not in await due_at(db, "15:59", "2026-12-01")
    async with db.transaction() as repos:
        await daily_reminders(repos, app, DAY_ONE)
    (message,) = await reminders_of(db, admin)
    # KNG-2 (Sari's own, verified) and TBN-1 (Tuban has nobody); KNG-1 Sari verifies.
    assert "2 laporan menunggu keputusan Bapak/Ibu sebagai admin" in message["text"]
    assert [button["data"] for row in message["buttons"] for button in row] == ["menu:antrian"]
    assert "KNG-2" not in message["text"]  # counts only on a lock screen

    # The button opens the admin's queue, those they stand in for first and marked.
    queue = await tap_menu_queue(db, app, admin)
    labels = [button.label for row in queue.buttons for button in row]
    assert labels[:2] == [
        "🙋 KNG-2 · Slamet Riyadi · Babatan · Diverifikasi",
        "🙋 TBN-1 · Slamet Riyadi · Jlodro · Diajukan",
    ]

    # A second coordinator for Kuningan and a TKSK for Tuban's kecamatan: nothing waits on
    # the admin, who is not even read the next day.
    async with db.transaction() as repos:
        await person(repos, "Pak Dedi", Role.COORDINATOR)
        await person(repos, "Pak Budi", Role.TKSK, kabupaten="35.23", kecamatan="35.23.01")
        assert await repos.review.stand_in_count(admin.id) == 0
    assert admin.id not in await due_at(db, "16:00", "2026-12-02")
    async with db.transaction() as repos:
        await daily_reminders(repos, app, DAY_TWO)
    assert len(await reminders_of(db, admin)) == 1


async def test_an_admin_is_not_asked_to_decide_their_own_report(db, tmp_path) -> None:
    app = app_context(tmp_path)
    async with db.transaction() as repos:
        reporter = await person(repos, "Pak Admin", Role.ADMIN, kabupaten=None)
        other = await person(repos, "Bu Admin", Role.ADMIN, kabupaten=None)
        await seed_case(repos, reporter=reporter, desa=TUBAN_DESA, at=DAY_ONE, number="TBN-3")
        assert await repos.review.stand_in_count(reporter.id) == 0
        assert await repos.review.stand_in_count(other.id) == 1
    assert await due_at(db, "16:00", "2026-12-01") == [other.id]
    async with db.transaction() as repos:
        await daily_reminders(repos, app, DAY_ONE)
    assert await reminders_of(db, reporter) == []
    (message,) = await reminders_of(db, other)
    assert "1 laporan menunggu keputusan" in message["text"]


async def test_a_psm_tapping_the_queue_button_is_refused(db, tmp_path) -> None:
    app = app_context(tmp_path)
    async with db.transaction() as repos:
        ani = await person(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=KADUGEDE_DESA)
    refused = await tap_menu_queue(db, app, ani)
    assert refused.text == app.catalog.text("id", "errors.not_allowed")
