"""How long the oldest case of a queue has waited, in the TKSK's weekly digest and the
coordinators' daily digest: "kurang dari 1 hari" for a case in for less than a day, never
"0 hari" (QA walk 5), "1 day" in English, never "1 days"; on Telegram and WhatsApp alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import coordinator_digest, waited
from handlers.weekly_digest import tksk_weekly_digest
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, person, queued
from tests.storage.seed_cases import BABATAN, KADUGEDE, seed_case

JAKARTA = ZoneInfo("Asia/Jakarta")
NUMBER = "KNG-2026-000001"


def at(day: int, hour: int) -> datetime:
    """A local (WIB) time in December 2026 (the 7th is a Monday) as the stored UTC moment."""
    return datetime(2026, 12, day, hour, tzinfo=JAKARTA).astimezone(UTC)


@pytest.mark.parametrize(
    ("waiting", "id_text", "en_text"),
    [
        (None, "kurang dari 1 hari", "less than a day"),
        (timedelta(minutes=5), "kurang dari 1 hari", "less than a day"),
        (timedelta(hours=23, minutes=59), "kurang dari 1 hari", "less than a day"),
        (timedelta(days=1), "1 hari", "1 day"),
        (timedelta(days=1, hours=23), "1 hari", "1 day"),
        (timedelta(days=5), "5 hari", "5 days"),
    ],
)
def test_a_wait_in_whole_days(world, waiting, id_text: str, en_text: str) -> None:
    _, app = world
    now = at(10, 7)
    since = None if waiting is None else now - waiting
    assert waited(app, "id", since, now) == id_text
    assert waited(app, "en", since, now) == en_text


async def _in_kadugede(db: Database, channel: str, role: Role, language: str) -> User:
    someone = await person(db, "Pak Tono", role, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        return await repos.users.update(someone.id, now=at(1, 8), language=language)


async def _reported(db: Database, channel: str, when: datetime) -> None:
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=psm, desa=BABATAN, at=when, number=NUMBER)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("id", f"Menunggu verifikasi: 1 (paling lama: {NUMBER}, kurang dari 1 hari)"),
        ("en", f"Waiting for verification: 1 (oldest: {NUMBER}, less than a day)"),
    ],
)
async def test_the_weekly_digest_of_a_case_in_this_morning(
    world, channel: str, language: str, expected: str
) -> None:
    db, app = world
    tksk = await _in_kadugede(db, channel, Role.TKSK, language)
    await _reported(db, channel, at(7, 5))  # Monday 05.00, two hours before the digest
    async with db.transaction() as repos:
        await tksk_weekly_digest(repos, app, at(7, 7))
    [digest] = [m.text or "" for m in await queued(db, tksk)]
    assert expected in digest
    assert "0 hari" not in digest and "0 days" not in digest


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        (at(9, 10), f"(terlama {NUMBER}, kurang dari 1 hari)"),  # yesterday 10.00
        (at(8, 10), f"(terlama {NUMBER}, 1 hari)"),
    ],
)
async def test_the_coordinators_digest_says_how_long_in_plain_words(
    world, channel: str, reported: datetime, expected: str
) -> None:
    db, app = world
    coordinator = await _in_kadugede(db, channel, Role.COORDINATOR, "id")
    await _reported(db, channel, reported)
    async with db.transaction() as repos:
        await coordinator_digest(repos, app, at(10, 7))
    [digest] = [m.text or "" for m in await queued(db, coordinator)]
    assert expected in digest and "0 hari" not in digest


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_coordinators_digest_tells_the_tksks_queue_from_her_own(
    world, channel: str
) -> None:
    """Cases waiting for the TKSK's check and those verified, waiting for the coordinator's
    validation, are two lines, each with its own oldest case (QA walk 11)."""
    db, app = world
    coordinator = await _in_kadugede(db, channel, Role.COORDINATOR, "id")
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for number, when, state in (
            ("KNG-2026-000001", at(5, 10), "verified"),
            ("KNG-2026-000002", at(6, 10), "submitted"),
            ("KNG-2026-000003", at(8, 10), "verified"),
            ("KNG-2026-000004", at(9, 10), "resubmitted"),
        ):
            await seed_case(repos, reporter=psm, desa=BABATAN, at=when, number=number, state=state)
    async with db.transaction() as repos:
        await coordinator_digest(repos, app, at(10, 7))
    [digest] = [m.text or "" for m in await queued(db, coordinator)]
    assert "Menunggu verifikasi TKSK: 2 (terlama KNG-2026-000002, 3 hari)" in digest, digest
    assert "Menunggu validasi Bapak/Ibu: 2 (terlama KNG-2026-000001, 4 hari)" in digest, digest
    assert "Menunggu pemeriksaan" not in digest
