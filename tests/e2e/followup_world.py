"""People and an approved case for the follow-up tests, written straight into the test's
database before the bot starts (the review round-trip itself is tested elsewhere)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.runtime import prepare_database
from storage.models import Role, UserStatus
from tests.storage.seed_cases import BABATAN, seed_case

JAKARTA = ZoneInfo("Asia/Jakarta")


def local_today(clock: Clock) -> date:
    """The bot's local date (never the wall clock's: it may have turned meanwhile)."""
    return clock.now().astimezone(JAKARTA).date()


def day(clock: Clock, offset: int) -> str:
    """A local date `offset` days from the bot's today, as people type it."""
    return (local_today(clock) + timedelta(days=offset)).strftime("%d-%m-%Y")


async def seed_approved_case(settings: Settings, reporter_id: int, number: str) -> int:
    """An approved case in Babatan (Kadugede) reported by `reporter_id`; its id."""
    db, _ = await prepare_database(settings)
    try:
        async with db.transaction() as repos:
            reporter = await repos.users.get(reporter_id)
            assert reporter is not None
            return await seed_case(
                repos,
                reporter=reporter,
                desa=BABATAN,
                at=datetime.now(UTC) - timedelta(days=10),
                number=number,
                state="approved",
            )
    finally:
        await db.close()


async def add_whatsapp_user(
    settings: Settings,
    *,
    role: Role,
    bsuid: str,
    name: str,
    kecamatan: str | None,
    desa: str | None = None,
) -> int:
    """An active user known on WhatsApp by their BSUID (they have not written yet)."""
    db, _ = await prepare_database(settings)
    try:
        async with db.transaction() as repos:
            now = datetime.now(UTC)
            user = await repos.users.create(
                now=now, status=UserStatus.ACTIVE, full_name=name, role=role, kabupaten_code="32.08"
            )
            await repos.users.update(
                user.id, now=now, kecamatan_code=kecamatan, desa_code=desa, decided_at=now
            )
            await repos.users.add_identity(user_id=user.id, channel="whatsapp", external_id=bsuid)
            return user.id
    finally:
        await db.close()


def case_row(settings: Settings, case_id: int) -> tuple[str, int]:
    """(state, version) of a case."""
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT state, version FROM cases WHERE id = ?", (case_id,)).fetchone()


def visits(settings: Settings, case_id: int) -> list[tuple]:
    """(visited_on, actions, next_visit_on, recorded_by) of a case's visits."""
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT visited_on, actions, next_visit_on, recorded_by FROM case_visits"
            " WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()


def events(settings: Settings, case_id: int) -> list[str]:
    with sqlite3.connect(settings.database_path) as db:
        return [
            row[0]
            for row in db.execute(
                "SELECT to_state FROM case_events WHERE case_id = ? ORDER BY id", (case_id,)
            )
        ]
