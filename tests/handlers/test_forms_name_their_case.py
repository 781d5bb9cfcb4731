"""A form about a case names it (number and head of household, never a NIK or KK) where it
comes back after a side trip and atop its summary: a verification half-answered on one case,
another case opened meanwhile (QA walk 13), the follow-up visit, the correction of a case sent
back. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.events import InboundKind
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import review_world, said, say, send, tap
from tests.handlers.routed_turns import CHANNELS
from tests.storage.seed_cases import BABATAN, NOW, seed_case

NAMED = "KNG-2026-000001 (Slamet Riyadi)"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_verification_come_back_to_names_its_case(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk = people.tksk
    async with db.transaction() as repos:
        other = await seed_case(
            repos,
            reporter=people.psm,
            desa=BABATAN,
            at=NOW,
            number="KNG-2026-000002",
            head="Warsini",
        )
    await tap(db, app, tksk, channel, f"ca:v:{people.case_id}:1")
    await say(db, app, tksk, channel, "Dikunjungi langsung")
    await say(db, app, tksk, channel, "Ada perbedaan")
    await tap(db, app, tksk, channel, f"cs:{other}")  # another case's page meanwhile
    queue = await send(db, app, tksk, channel, kind=InboundKind.COMMAND, command="antrian")
    back = said(queue)
    assert f"masih berjalan: <b>Verifikasi {NAMED}</b>" in back, back
    assert "Apa yang berbeda dari laporan?" in back
    await say(db, app, tksk, channel, "Anaknya sudah sekolah")
    located = await send(
        db, app, tksk, channel, kind=InboundKind.LOCATION, latitude=-6.9, longitude=108.4
    )
    summary = said(located)
    assert f"<b>Verifikasi {NAMED}</b>\n<b>Periksa kembali" in summary


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_follow_up_visit_summary_names_its_case(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3), state="approved")
    tksk = people.tksk
    await tap(db, app, tksk, channel, f"ca:f:{people.case_id}:1")
    await say(db, app, tksk, channel, "Hari ini")
    await say(db, app, tksk, channel, "Rujukan ke puskesmas")
    summary = said(await say(db, app, tksk, channel, "Lewati"))
    assert f"<b>Kunjungan tindak lanjut {NAMED}</b>\n<b>Periksa kembali" in summary


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_names_its_case_at_its_summary_and_coming_back(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    psm, case_id = people.psm, people.case_id
    await tap(db, app, people.tksk, channel, f"ca:b:{case_id}:1")
    await say(db, app, people.tksk, channel, "Alamat belum lengkap, mohon cek lagi")
    opened = said(await tap(db, app, psm, channel, f"rv:{case_id}"))
    head = REST.get("head_name") or BEFORE_SIZE["head_name"]
    named = f"KNG-2026-000001 ({head})"
    assert f"<b>Perbaikan laporan {named}</b>\n<b>Periksa kembali" in opened, opened
    kept = said(await send(db, app, psm, channel, kind=InboundKind.COMMAND, command="bantuan"))
    assert f"isian <b>Perbaikan laporan {named}</b> yang belum dikirim" in kept, kept
    assert "Periksa kembali" in said(await say(db, app, psm, channel, "lanjut"))
    await say(db, app, psm, channel, "11")  # from the summary: the address
    back = said(await send(db, app, psm, channel, kind=InboundKind.COMMAND, command="bantuan"))
    assert f"Perbaikan laporan <b>{named}</b> masih berjalan" in back, back
