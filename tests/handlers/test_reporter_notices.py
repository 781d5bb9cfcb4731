"""The reporter's side of a review step, on Telegram and WhatsApp alike: each notice says what
comes next (a closed case with the district office's contact), and the correction screen
("Perbaiki") repeats who sent the case back and their latest note, however long ago the
notice came."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import AppContext
from storage.db import Database
from tests.handlers.review_turns import (
    QUICK_CHECK,
    ReviewWorld,
    case_version,
    review_world,
    said,
    say,
    tap,
    verify,
)
from tests.handlers.routed_turns import CHANNELS, queued
from tests.storage.seed_cases import NOW
from tests.storage.statements import statements_run, touching

NUMBER = "KNG-2026-000001"
CONTACT = "Bu Rina, 0812-2000-3000 (Senin-Jumat 08.00-15.00)"


async def _act(
    db: Database,
    app: AppContext,
    world: ReviewWorld,
    channel: str,
    who,
    code: str,
    reason: str | None = None,
) -> None:
    """A review action pressed on the case as it is now (with its reason, when asked)."""
    _, version = await case_version(db, world.case_id)
    if code == "v":  # verifying asks for the check in the field
        await verify(db, app, who, channel, f"ca:v:{world.case_id}:{version}")
        return
    await tap(db, app, who, channel, f"ca:{code}:{world.case_id}:{version}")
    if reason is not None:
        await say(db, app, who, channel, reason)


async def _last_notice(db: Database, world: ReviewWorld) -> str:
    told = await queued(db, world.psm)
    assert told, "the reporter was told nothing"
    return told[-1].text or ""


@pytest.mark.parametrize("channel", CHANNELS)
async def test_each_notice_says_what_comes_next(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    await _act(db, app, people, channel, people.tksk, "v")
    verified = await _last_notice(db, people)
    assert "<b>Diverifikasi</b>" in verified
    assert "menunggu validasi koordinator Dinas Sosial" in verified

    await _act(db, app, people, channel, people.coordinator, "a")
    approved = await _last_notice(db, people)
    assert "<b>Disetujui</b>" in approved and "akan menindaklanjuti" in approved

    await _act(db, app, people, channel, people.coordinator, "r", "Sudah dapat bantuan PMT")
    resolved = await _last_notice(db, people)
    assert "sudah selesai" in resolved and "/lapor" in resolved


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_rejection_says_the_case_is_closed_with_the_offices_contact(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact(
            "32.08", CONTACT, by=people.coordinator.id, now=NOW
        )
    await _act(db, app, people, channel, people.coordinator, "x", "Keluarga sudah pindah")
    told = await _last_notice(db, people)
    assert told.startswith("Kabar dari Koordinator Dinas Sosial tentang laporan")
    assert "<b>Ditolak</b>" in told and "Keluarga sudah pindah" in told
    assert "ditutup" in told and "hubungi Dinas Sosial" in told
    assert CONTACT in told


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_rejection_without_a_contact_set_still_says_whom_to_ask(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    await _act(db, app, people, channel, people.coordinator, "x", "Data ganda")
    told = await _last_notice(db, people)
    assert "ditutup" in told and "hubungi Dinas Sosial kabupaten" in told
    assert "📞" not in told


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_correction_screen_repeats_the_latest_note_and_who_gave_it(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    await _act(db, app, people, channel, people.tksk, "b", "Nomor KK salah ketik")
    # The notice says who sent it back, by role, as the correction screen and page do.
    assert f"Kabar dari TKSK tentang laporan Bapak/Ibu <b>{NUMBER}</b>" in await _last_notice(
        db, people
    )
    opened = await tap(db, app, people.psm, channel, f"rv:{people.case_id}")
    text = said(opened)
    assert f"Perbaikan laporan <b>{NUMBER}</b>" in text
    assert "↩️ Catatan dari TKSK (29-11-2026): Nomor KK salah ketik" in text
    # At the top, under the heading, before the first answer to change.
    assert text.index(NUMBER) < text.index("Catatan dari TKSK") < text.index("<i>")

    # Corrected (here straight through storage: the form is not what is tested), verified,
    # sent back again by the coordinator: the correction shows the new note, not the old.
    async with db.transaction() as repos:
        assert await repos.review.transition(
            people.case_id,
            version=2,
            from_states=("needs_revision",),
            to_state="resubmitted",
            actor_id=people.psm.id,
            reason=None,
            now=NOW,
        )
    await _act(db, app, people, channel, people.tksk, "v")
    await _act(db, app, people, channel, people.coordinator, "b", "Foto rumah belum ada")
    assert await case_version(db, people.case_id) == ("needs_revision", 5)
    again = said(await tap(db, app, people.psm, channel, f"rv:{people.case_id}"))
    assert "↩️ Catatan dari Koordinator Dinas Sosial (29-11-2026): Foto rumah belum ada" in again
    assert "Nomor KK salah ketik" not in again


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_verification_looks_up_who_may_validate_once(world, channel: str) -> None:
    """The reporter is told a validation comes, the coordinator is asked for it: whom, looked
    up once in the turn that verifies (twice before, once for each)."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    _, version = await case_version(db, people.case_id)
    await tap(db, app, people.tksk, channel, f"ca:v:{people.case_id}:{version}")
    for answer in QUICK_CHECK[:-1]:
        await say(db, app, people.tksk, channel, answer)
    async with statements_run(db) as statements:
        await say(db, app, people.tksk, channel, QUICK_CHECK[-1])  # sent: verified
    assert await case_version(db, people.case_id) == ("verified", version + 1)
    assert "menunggu validasi koordinator" in await _last_notice(db, people)
    asked = await queued(db, people.coordinator)
    assert asked and NUMBER in (asked[-1].text or ""), asked
    lookups = [s for s in touching(statements, "FROM users") if "('coordinator')" in s]
    assert len(lookups) == 1, lookups
