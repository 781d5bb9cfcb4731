"""A correction begun and left (QA walk 13) is no draft: it does not expire while its case is
still sent back, the daily reminder names the case once (not again as a draft), and /draf
and /lapor name it "✏️ KNG-… · Nama", resuming the correction; one whose case no
longer waits for it is closed with a note when touched. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.whatsapp.outbound import list_row, prints_numbered_options
from handlers.context import AppContext
from handlers.draft_expiry import expire_drafts
from handlers.forms.state import new_state
from handlers.reminders import standing_work
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import ReviewWorld, review_world
from tests.handlers.routed_turns import CHANNELS, button, labels, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, seed_case
from tests.storage.statements import statements_run, touching

pytestmark = pytest.mark.parametrize("channel", CHANNELS)

NUMBER = "KNG-2026-000001"
CORRECTION = f"✏️ {NUMBER} · Slamet Riyadi"
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


async def _corrections_waiting(db: Database, app: AppContext, psm: User, numbers: range) -> None:
    """More cases of Bu Ani's sent back, each with a correction begun and left (as
    "Perbaiki" starts one: the case's id and version in its context)."""
    async with db.transaction() as repos:
        for index in numbers:
            case_id = await seed_case(
                repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=2),
                number=f"KNG-2026-{index:06d}", state="needs_revision",
            )  # fmt: skip
            async with repos.conn.execute(
                "SELECT version FROM cases WHERE id = ?", (case_id,)
            ) as cursor:
                (version,) = await cursor.fetchone()
            await repos.forms.start(
                user_id=psm.id, form_id="case_report",
                form_version=app.forms["case_report"].version,
                state={
                    **new_state(),
                    "answers": {"head_name": "Slamet Riyadi"},
                    "context": {"revising": case_id, "version": version},
                },
                now=NOW - timedelta(days=1),
            )  # fmt: skip


async def _one_tick(db: Database, app: AppContext, days: int) -> list[str]:
    """The statements one minute's tick of the drafts' end runs, `days` on."""
    async with statements_run(db) as statements, db.transaction() as repos:
        await expire_drafts(repos, app, NOW + timedelta(days=days))
    return statements


async def test_a_tick_reads_no_awaited_correction(world, channel) -> None:
    """Every minute: corrections still awaited are left out by the query, none read one by
    one, however many there are (code review 14)."""
    db, app = world
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
    await _corrections_waiting(db, app, psm, range(10, 11))
    with_one = await _one_tick(db, app, 12)
    await _corrections_waiting(db, app, psm, range(11, 16))
    with_six = await _one_tick(db, app, 12)
    assert len(with_six) == len(with_one), with_six
    # No case read on its own: only inside the query of the sessions.
    assert [s for s in touching(with_six, "FROM cases") if "form_sessions" not in s] == []


async def test_a_correction_of_an_older_version_is_no_longer_awaited(world, channel) -> None:
    """The case was changed since the correction began (handed over, corrected there and
    sent back again): the correction is closed when listed, and ends at its time."""
    db, app = world
    people = await _correction_left(db, app, channel)
    async with db.transaction() as repos:
        await repos.conn.execute(
            "UPDATE cases SET version = version + 1 WHERE id = ?", (people.case_id,)
        )
    listed = await send(db, app, people.psm, channel, command="draf")
    text = said(listed)
    assert f"Perbaikan laporan <b>{NUMBER}</b> ditutup" in text
    assert "Perlu perbaikan" not in text and "Perbaiki" in text
    assert CORRECTION not in labels(listed)
    assert await _unfinished(db, people.psm.id) == []


async def test_an_outdated_correction_left_ends_at_its_time(world, channel) -> None:
    db, app = world
    people = await _correction_left(db, app, channel)
    async with db.transaction() as repos:
        await repos.conn.execute(
            "UPDATE cases SET version = version + 1 WHERE id = ?", (people.case_id,)
        )
    async with db.transaction() as repos:
        await expire_drafts(repos, app, NOW + timedelta(days=30))
    assert await _unfinished(db, people.psm.id) == []


async def test_two_corrections_are_told_apart_on_whatsapp_too(world, channel) -> None:
    """Two corrections of the same family's reports: each button names its case's number in
    what a WhatsApp list row shows as its title (24 characters), so they are two rows to tap,
    not alike titles turned into numbered text (code review 14)."""
    db, app = world
    people = await _correction_left(db, app, channel)
    await _corrections_waiting(db, app, people.psm, range(2, 3))
    for command in ("draf", "lapor"):
        listed = await send(db, app, people.psm, channel, command=command)
        offered = [reply for reply in listed.replies if reply.buttons]
        shown = sorted(labels(listed)[:2])
        assert shown == [CORRECTION, "✏️ KNG-2026-000002 · Slamet Riyadi"], labels(listed)
        rows = [list_row(label) for label in shown]
        assert [row[0] for row in rows if row] == [f"✏️ {NUMBER}", "✏️ KNG-2026-000002"]
        assert not prints_numbered_options(offered[-1]), labels(listed)
