"""A button that asks a question of its own over an open form (a review's reason tapped from a
case page while a report is being typed; "Perbaiki" tapped while a new report is open) keeps
that form and asks its question again once the button's question ends. Before, the form was
left paused without a word: the next answer to it got "not understood" and the report waited
under /draf (QA). On both channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage.models import FormSession, User
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import case_version, review_world, said, say, tap
from tests.handlers.routed_turns import active_session, queued
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
KK_QUESTION = "Berapa nomor Kartu Keluarga"


async def _report_at_the_kk_question(db, app, user: User, channel: str) -> FormSession:
    await say(db, app, user, channel, "lapor")
    assert KK_QUESTION in said(await say(db, app, user, channel, "Keluarga Darsono"))
    report = await active_session(db, user)
    assert report is not None and report.form_id == "case_report"
    return report


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_review_reason_amid_a_report_brings_the_report_back(
    tmp_path: Path, channel: str
) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
        coordinator = world.coordinator
        report = await _report_at_the_kk_question(db, app, coordinator, channel)

        asked = await tap(db, app, coordinator, channel, f"ca:b:{world.case_id}:1")
        assert "Apa yang perlu diperbaiki pelapor?" in said(asked)
        done = said(await say(db, app, coordinator, channel, "Nomor KK salah ketik"))
        assert await case_version(db, world.case_id) == ("needs_revision", 2)
        # The decision said, then the report's question again, its answers kept.
        title = app.catalog.text("id", "form.come_back_hint", title="Laporan kasus")
        assert title in done and KK_QUESTION in done[done.index(title) :]
        back = await active_session(db, coordinator)
        assert back is not None and back.id == report.id
        assert back.state["answers"] == {"head_name": "Keluarga Darsono"}
        await say(db, app, coordinator, channel, "3208011210190005")
        went_on = await active_session(db, coordinator)
        assert went_on is not None and "no_kk" in went_on.state["answers"]
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_at_the_reason_brings_the_report_back_too(tmp_path: Path, channel: str) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
        coordinator = world.coordinator
        report = await _report_at_the_kk_question(db, app, coordinator, channel)
        await tap(db, app, coordinator, channel, f"ca:x:{world.case_id}:1")
        cancelled = said(await tap(db, app, coordinator, channel, f"cn:{world.case_id}"))
        assert await case_version(db, world.case_id) == ("submitted", 1)
        assert KK_QUESTION in cancelled
        back = await active_session(db, coordinator)
        assert back is not None and back.id == report.id
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_opened_amid_a_new_report_brings_that_report_back(
    tmp_path: Path, channel: str
) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        world = await review_world(
            db, channel, reported_at=NOW - timedelta(days=1), state="needs_revision"
        )
        psm = world.psm
        report = await _report_at_the_kk_question(db, app, psm, channel)
        opened = await tap(db, app, psm, channel, f"rv:{world.case_id}")
        correction = await active_session(db, psm)
        assert correction is not None and correction.id != report.id, said(opened)
        # The correction given up: the new report is asked again.
        await say(db, app, psm, channel, "batal")
        dropped = said(await say(db, app, psm, channel, "ya"))
        assert KK_QUESTION in dropped
        back = await active_session(db, psm)
        assert back is not None and back.id == report.id
        assert back.state["answers"] == {"head_name": "Keluarga Darsono"}
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_being_made_is_closed_when_the_case_is_rejected(
    tmp_path: Path, channel: str
) -> None:
    """The PSM is correcting a case sent back when a coordinator rejects it: the correction is
    closed and the notice says so (before, it stayed open and "Kirim" only got "that report
    is not waiting for a correction")."""
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        world = await review_world(
            db, channel, reported_at=NOW - timedelta(days=1), state="needs_revision"
        )
        psm, coordinator = world.psm, world.coordinator
        await tap(db, app, psm, channel, f"rv:{world.case_id}")
        correction = await active_session(db, psm)
        assert correction is not None and correction.form_id == "case_report"

        await tap(db, app, coordinator, channel, f"ca:x:{world.case_id}:1")
        await say(db, app, coordinator, channel, "Data ganda dengan laporan lain")
        assert await case_version(db, world.case_id) == ("rejected", 2)
        assert await active_session(db, psm) is None
        async with db.reading() as repos:
            closed = await repos.forms.get(correction.id)
        assert closed is not None and closed.status == "cancelled"
        notice = (await queued(db, psm))[-1].text or ""
        assert "<b>Ditolak</b>" in notice and "Data ganda dengan laporan lain" in notice
        assert app.catalog.text("id", "reporter.correction_dropped") in notice
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_comes_back_after_a_side_trip_in_its_own_words(
    tmp_path: Path, channel: str
) -> None:
    """Back from a side trip, a correction is not "your form; /batal deletes it" (read as if
    the report sent would go): only its unsent changes would (QA wording walk)."""
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        world = await review_world(
            db, channel, reported_at=NOW - timedelta(days=1), state="needs_revision"
        )
        await tap(db, app, world.psm, channel, f"rv:{world.case_id}")
        back = said(await say(db, app, world.psm, channel, "jadwal"))
        assert "Perbaikan laporan <b>KNG-2026-000001 (Slamet Riyadi)</b> masih berjalan" in back
        assert "/batal hanya membuang perubahan yang belum dikirim" in back
        assert "/batal menghapus isian ini" not in back
    finally:
        await db.close()
