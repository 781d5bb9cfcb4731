"""A TKSK's daily reminder names the cases of his kecamatan waiting for his verification and
how long the oldest has waited, and his verifications begun and not sent, with a button to
his queue (QA walk 13: a case waited 20 days and no reminder said so). On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.reminders import daily_reminders
from handlers.weekly_digest import tksk_weekly_digest
from tests.handlers.review_turns import review_world, say, tap
from tests.handlers.routed_turns import CHANNELS, queued
from tests.storage.seed_cases import BABATAN, NOW, seed_case

REMINDER_HOUR = NOW.replace(hour=9)  # 16.00 WIB, the default reminder hour
MONDAY_MORNING = NOW + timedelta(hours=23)  # Monday 09.00 WIB: the weekly digest's day
WAITING = "• 🔎 1 laporan menunggu verifikasi Bapak/Ibu (tertua 20 hari)."
UNFINISHED = "• 🔎 1 isian verifikasi Bapak/Ibu belum selesai dikirim."


async def _remind(db, app, when) -> None:
    async with db.transaction() as repos:
        await daily_reminders(repos, app, when)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_tksk_hears_of_the_cases_waiting_for_him_and_his_unfinished_check(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=20))

    await _remind(db, app, REMINDER_HOUR)
    (reminder,) = await queued(db, people.tksk)
    assert WAITING in reminder.text and UNFINISHED not in reminder.text
    assert reminder.summary == "1 laporan menunggu verifikasi"  # no household named
    assert "KNG-2026-000001" not in reminder.text
    assert [b.data for row in reminder.buttons for b in row] == ["menu:antrian"]
    assert not [m for m in await queued(db, people.psm) if "verifikasi" in (m.text or "")]

    # He opens the check and answers its first question, then leaves it: said the next day.
    await tap(db, app, people.tksk, channel, f"ca:v:{people.case_id}:1")
    await say(db, app, people.tksk, channel, "Dikunjungi langsung")
    await _remind(db, app, REMINDER_HOUR + timedelta(days=1))
    latest = (await queued(db, people.tksk))[-1]
    assert "(tertua 21 hari)" in latest.text and UNFINISHED in latest.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_queue_button_opens_his_queue(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=20))
    await _remind(db, app, REMINDER_HOUR)
    opened = await tap(db, app, people.tksk, channel, "menu:antrian")
    labels = [b.label for reply in opened.replies for row in reply.buttons for b in row]
    assert labels == ["👉 KNG-2026-000001 · Slamet Riyadi · Babatan · Diajukan"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_his_own_reports_are_not_counted_as_waiting_for_him(world, channel: str) -> None:
    """A TKSK may not verify a case he reported himself (nobody decides on their own
    report): his reminder and weekly digest count only the others', oldest among them."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=20))
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=people.tksk,
            desa=BABATAN,
            at=NOW - timedelta(days=30),
            number="KNG-2026-000002",
        )

    await _remind(db, app, REMINDER_HOUR)
    (reminder,) = await queued(db, people.tksk)
    assert WAITING in reminder.text  # 1, 20 days: not 2, 30 days

    async with db.transaction() as repos:
        await tksk_weekly_digest(repos, app, MONDAY_MORNING)
    digest = (await queued(db, people.tksk))[-1]
    assert "Ringkasan mingguan" in digest.text
    assert "Menunggu verifikasi: 1 (paling lama: KNG-2026-000001" in digest.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_with_only_his_own_report_waiting_nothing_waits_for_him(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=20), state="approved")
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=people.tksk,
            desa=BABATAN,
            at=NOW - timedelta(days=30),
            number="KNG-2026-000002",
        )

    await _remind(db, app, REMINDER_HOUR)
    assert not [m for m in await queued(db, people.tksk) if "verifikasi" in (m.text or "")]
    async with db.transaction() as repos:
        await tksk_weekly_digest(repos, app, MONDAY_MORNING)
    digest = (await queued(db, people.tksk))[-1]
    assert "Ringkasan mingguan" in digest.text
    assert "Tidak ada laporan yang menunggu verifikasi." in digest.text
