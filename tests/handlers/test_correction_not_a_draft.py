"""A correction begun and left (QA walk 13) is no draft: it does not expire while its case is
still sent back, the daily reminder names the case once (not again as a draft), and /draf
and /lapor name it "Perbaikan KNG-… (Nama)", resuming the correction; one whose case no
longer waits for it is closed with a note when touched. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import AppContext
from handlers.draft_expiry import expire_drafts
from handlers.reminders import standing_work
from storage.db import Database
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import ReviewWorld, review_world
from tests.handlers.routed_turns import CHANNELS, button, labels, queued, said, send
from tests.storage.seed_cases import NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)

NUMBER = "KNG-2026-000001"
CORRECTION = f"Perbaikan {NUMBER} (Slamet Riyadi)"
HEADING = f"Perbaikan laporan <b>{NUMBER}</b>. Ubah jawaban yang perlu, lalu tekan Kirim."


async def _correction_left(db: Database, app: AppContext, channel: str) -> ReviewWorld:
    """Bu Ani's report sent back by its TKSK; she tapped "Perbaiki" and left it there."""
    world = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    await send(db, app, world.tksk, channel, data=f"ca:b:{world.case_id}:1")
    await send(db, app, world.tksk, channel, text="Alamat belum lengkap")
    await send(db, app, world.psm, channel, data=f"rv:{world.case_id}")
    return world


async def _unfinished(db: Database, user_id: int) -> list[tuple[str, str]]:
    async with db.reading() as repos:
        sessions = await repos.forms.of_user(user_id, ("active", "paused"))
    return [(s.form_id, s.status) for s in sessions]


async def test_a_correction_left_never_expires_nor_is_called_a_draft(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    before = len(await queued(db, people.psm))
    for days in (12, 14, 16, 30):
        async with db.transaction() as repos:
            await expire_drafts(repos, app, NOW + timedelta(days=days))
    assert await _unfinished(db, people.psm.id) == [("case_report", "active")]
    told = [m.text or "" for m in (await queued(db, people.psm))[before:]]
    assert not any("draf" in text.casefold() or "dihapus" in text for text in told), told

    async with db.reading() as repos:
        items = await standing_work(repos, app, people.psm, NOW + timedelta(days=30))
    lines = [item.line for item in items]
    assert lines == [f"• 1 laporan perlu perbaikan: {NUMBER}."]


async def test_draf_and_lapor_name_the_correction_and_resume_it(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    psm = people.psm
    listed = await send(db, app, psm, channel, command="draf")
    text = said(listed)
    assert "Perbaikan yang belum dikirim (1)" in text
    assert "Laporan yang belum selesai" not in text and "akan dihapus" not in text
    assert labels(listed)[0] == CORRECTION  # (then the way back to the form open)

    offered = await send(db, app, psm, channel, command="lapor")
    text = said(offered)
    assert "Perbaikan 1 laporan yang dikembalikan belum dikirim." in text
    assert "laporan yang belum selesai" not in text
    assert labels(offered)[0] == CORRECTION
    resumed = await send(db, app, psm, channel, data=button(offered, CORRECTION))
    assert said(resumed).startswith(HEADING)
    assert "Catatan dari TKSK" in said(resumed)


async def test_a_correction_beside_a_draft_is_listed_apart(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    psm = people.psm
    await send(db, app, psm, channel, command="lapor")
    await send(db, app, psm, channel, data="dr:new")
    await send(db, app, psm, channel, text="Keluarga Pak Darto")
    listed = await send(db, app, psm, channel, command="draf")
    text = said(listed)
    assert "Perbaikan yang belum dikirim (1)" in text
    assert "Laporan yang belum selesai (1)" in text
    assert labels(listed)[0] == CORRECTION and labels(listed)[1].startswith("Keluarga Pak Darto")
    async with db.reading() as repos:
        items = await standing_work(repos, app, psm, NOW)
    assert [item.line for item in items] == [
        f"• 1 laporan perlu perbaikan: {NUMBER}.",
        "• 1 laporan belum selesai (draf).",
    ]


async def test_a_correction_no_longer_awaited_is_closed_when_touched(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    async with db.transaction() as repos:  # the case left "sent back" some other way
        await repos.conn.execute(
            "UPDATE cases SET state = 'rejected' WHERE id = ?", (people.case_id,)
        )
    listed = await send(db, app, people.psm, channel, command="draf")
    text = said(listed)
    assert f"Perbaikan laporan <b>{NUMBER}</b> ditutup" in text and "Ditolak" in text
    assert "Tidak ada laporan yang belum selesai" in text
    assert await _unfinished(db, people.psm.id) == []


async def test_batal_at_lapor_keeps_the_correction_as_a_correction(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    await send(db, app, people.psm, channel, command="lapor")
    closed = said(await send(db, app, people.psm, channel, text="batal"))
    assert closed.startswith(
        "Baik, tidak jadi: isian <b>Perbaikan laporan KNG-2026-000001 (Slamet Riyadi)</b> tetap"
    )
    assert "Draf" not in closed
    assert await _unfinished(db, people.psm.id) == [("case_report", "paused")]


async def test_perbaiki_of_a_case_no_longer_awaited_closes_the_correction(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    async with db.transaction() as repos:  # the case left "sent back" some other way
        await repos.conn.execute(
            "UPDATE cases SET state = 'rejected' WHERE id = ?", (people.case_id,)
        )
    tapped = said(await send(db, app, people.psm, channel, data=f"rv:{people.case_id}"))
    assert f"Perbaikan laporan <b>{NUMBER}</b> ditutup" in tapped
    assert await _unfinished(db, people.psm.id) == []
    again = said(await send(db, app, people.psm, channel, data=f"rv:{people.case_id}"))
    # The second tap: the correction is gone; the old button names the case and its state.
    assert again.startswith("Tombol itu dari pesan lama, jadi tidak dijalankan.")
    assert NUMBER in again and "<b>Ditolak</b>" in again
