"""A correction that moves a case to another kecamatan, on Telegram and WhatsApp alike: the
old kecamatan's TKSK (who sent it back, or verified it) hears it left and where to, with no
button to a case he can no longer open and no NIK/KK; the new kecamatan's TKSK hears of it
as a new report waiting for his verification; a coordinator who sent it back still hears of
the correction; the case's history shows the move. Another desa of the same kecamatan is no
move."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import (
    ReviewWorld,
    case_version,
    review_world,
    said,
    say,
    tap,
    verify,
)
from tests.handlers.routed_turns import CHANNELS, queued
from tests.storage.seed_cases import CINIRU, CINIRU_DESA, NOW, make_user

NUMBER = "KNG-2026-000001"
NOTE = "Keluarga ini tinggal di Ciniru"
MOVED_OUT = f"📦 Laporan <b>{NUMBER}</b> dipindahkan pelapor ke Desa Pinara, Kec. Ciniru"
ARRIVED = f"Laporan baru di kecamatan Bapak/Ibu: <b>{NUMBER}</b>"
MOVED_IN = "↪️ Dipindahkan pelapor dari Kec. Kadugede saat diperbaiki"
CORRECTED = f"Laporan <b>{NUMBER}</b> sudah diperbaiki pelapor dan diajukan ulang."
BACK_TO_SENDER = f"Laporan <b>{NUMBER}</b> yang Bapak/Ibu kembalikan sudah diperbaiki pelapor"


async def _world(db: Database, app: AppContext, channel: str) -> tuple[ReviewWorld, User]:
    """A whole report of the PSM's in Babatan (Kadugede, TKSK Pak Tono), and Ciniru's TKSK."""
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    async with db.transaction() as repos:
        budi = await make_user(repos, "Pak Budi", Role.TKSK, kecamatan=CINIRU)
        await repos.users.add_identity(
            user_id=budi.id,
            channel=channel,
            external_id=str(budi.id),
            chat_id=str(budi.id),
            now=NOW,
        )
    return people, budi


async def _act(db: Database, app: AppContext, people: ReviewWorld, channel: str, who, code: str):
    _, version = await case_version(db, people.case_id)
    if code == "v":  # verifying asks for the check in the field
        await verify(db, app, who, channel, f"ca:v:{people.case_id}:{version}")
        return
    await tap(db, app, who, channel, f"ca:{code}:{people.case_id}:{version}")
    if code == "b":
        await say(db, app, who, channel, NOTE)


async def _correct_desa(
    db: Database, app: AppContext, people: ReviewWorld, channel: str, desa: str
) -> None:
    """The PSM opens the correction, gives another desa from the summary and sends it."""
    await tap(db, app, people.psm, channel, f"rv:{people.case_id}")
    await say(db, app, people.psm, channel, "12")  # from the summary: the desa
    await say(db, app, people.psm, channel, desa)
    await say(db, app, people.psm, channel, "kirim")
    assert (await case_version(db, people.case_id))[0] == "resubmitted"


async def _move_psm_to_ciniru(db: Database, people: ReviewWorld) -> None:
    """Bu Ani now serves Ciniru: its desa are the ones her correction offers."""
    async with db.transaction() as repos:
        await repos.users.update(
            people.psm.id, now=NOW, kecamatan_code=CINIRU, desa_code=CINIRU_DESA
        )


async def _with(db: Database, user: User, part: str) -> list:
    return [m for m in await queued(db, user) if part in (m.text or "")]


async def _case_region(db: Database, case_id: int) -> tuple[str, str]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT kecamatan_code, desa_code FROM cases WHERE id = ?", (case_id,)
        ) as cursor,
    ):
        row = await cursor.fetchone()
    return row[0], row[1]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_old_tksk_hears_it_left_and_the_new_one_of_a_new_report(
    world, channel: str
) -> None:
    db, app = world
    people, budi = await _world(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "b")
    await _move_psm_to_ciniru(db, people)
    await _correct_desa(db, app, people, channel, "Pinara")
    assert await _case_region(db, people.case_id) == (CINIRU, CINIRU_DESA)

    # Pak Tono, who sent it back, can no longer open it: told where it went, no button.
    (left,) = await _with(db, people.tksk, MOVED_OUT)
    assert "tidak lagi di Kec. Kadugede" in left.text
    assert "tidak perlu menindaklanjutinya lagi" in left.text
    assert not left.buttons
    assert not re.search(r"\d{16}", left.text)  # no NIK or KK
    assert not await _with(db, people.tksk, CORRECTED)

    # Pak Budi hears of it as a report new to his kecamatan, waiting for him, with its button.
    (arrived,) = await _with(db, budi, ARRIVED)
    assert MOVED_IN in arrived.text and "Desa Pinara, Kecamatan Ciniru" in arrived.text
    assert [b.data for row in arrived.buttons for b in row] == [f"cs:{people.case_id}"]
    assert not await _with(db, budi, CORRECTED)  # not a correction of a case he never saw

    # The coordinator's page of the case shows the move in its history.
    page = said(await tap(db, app, people.coordinator, channel, f"cs:{people.case_id}"))
    history = page.split("Riwayat")[1]
    assert "Diajukan ulang (Bu Ani)\n  ↪️ pindah dari Desa Babatan, Kec. Kadugede" in history
    # And Pak Budi, who may verify it now, opens it.
    opened = said(await tap(db, app, budi, channel, f"cs:{people.case_id}"))
    assert NUMBER in opened and "pindah dari Desa Babatan" in opened


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_verifier_hears_it_left_and_the_coordinator_who_sent_it_back_of_the_correction(
    world, channel: str
) -> None:
    db, app = world
    people, budi = await _world(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "v")
    await _act(db, app, people, channel, people.coordinator, "b")
    await _move_psm_to_ciniru(db, people)
    await _correct_desa(db, app, people, channel, "Pinara")

    assert len(await _with(db, people.tksk, MOVED_OUT)) == 1  # verified it in Kadugede
    (back,) = await _with(db, people.coordinator, BACK_TO_SENDER)  # still sees it
    assert "Sekarang menunggu verifikasi TKSK." in back.text
    assert not await _with(db, people.coordinator, MOVED_OUT)
    assert len(await _with(db, budi, ARRIVED)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_another_desa_of_the_same_kecamatan_is_no_move(world, channel: str) -> None:
    db, app = world
    people, budi = await _world(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "b")
    await _correct_desa(db, app, people, channel, "Sindangjawa")

    (corrected,) = await _with(db, people.tksk, CORRECTED)
    assert "Sindangjawa" in corrected.text  # what changed
    assert not await _with(db, people.tksk, "dipindahkan")
    assert not await queued(db, budi)
    page = said(await tap(db, app, people.tksk, channel, f"cs:{people.case_id}"))
    assert "pindah dari" not in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_darurat_case_moved_alerts_the_new_tksk_once(world, channel: str) -> None:
    """As a new darurat report would: its alert, not a second notice beside it."""
    db, app = world
    people, budi = await _world(db, app, channel)
    darurat = {"name": "darurat", "label": "Darurat"}
    async with db.transaction() as repos:
        await repos.conn.execute(
            "UPDATE cases SET urgency = 'darurat', answers = json_set(answers, '$.urgency',"
            " json(?)) WHERE id = ?",
            (json.dumps(darurat), people.case_id),
        )
    await _act(db, app, people, channel, people.tksk, "b")
    await _move_psm_to_ciniru(db, people)
    await _correct_desa(db, app, people, channel, "Pinara")

    told = [m.text or "" for m in await queued(db, budi)]
    assert len(told) == 1 and "LAPORAN DARURAT" in told[0] and NUMBER in told[0]
    assert len(await _with(db, people.tksk, MOVED_OUT)) == 1
