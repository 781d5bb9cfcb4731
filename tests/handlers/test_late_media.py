"""A photo or a location sent after its question went by is said not kept (QA walk 13: a GPS
fix arriving at the verification's summary read "Ketik kirim untuk mengirim…", an album's
photo after "Selesai foto" "Mohon pilih salah satu pilihan di bawah", a location after the
form was sent "not understood" with 20 lines of help): at the summary with the line to type
to replace it, at another question in one line before the question again, with no form open
in one line with the case just sent. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.events import InboundKind
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import AT_PHOTOS
from tests.handlers.review_turns import review_world
from tests.handlers.review_turns import send as send_event
from tests.handlers.routed_turns import CHANNELS, open_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

URGENCY_QUESTION = "Seberapa mendesak?"
HELP_POINTER = "Ketik /bantuan untuk melihat daftar perintah."


async def _location(db: Database, app, user: User, channel: str) -> str:
    turn = await send_event(
        db, app, user, channel, kind=InboundKind.LOCATION, latitude=-6.95, longitude=108.45
    )
    return said(turn)


async def _report_at_photos(db: Database, channel: str) -> User:
    """A PSM whose report waits at its photo question."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id="case_report",
            form_version=load_forms()["case_report"].version,
            state={**new_state(), "answers": dict(AT_PHOTOS), "closed": ["members"]},
            now=NOW,
        )
    return ani


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_album_after_selesai_foto_and_a_late_fix_are_said_not_kept(world, channel):
    db, app = world
    ani = await _report_at_photos(db, channel)
    await send(db, app, ani, channel, photo="AgAC-1")
    asked = await send(db, app, ani, channel, text="selesai")
    assert URGENCY_QUESTION in said(asked)

    # An album that was still on its way: its photos after "Selesai foto", at another question.
    assert said(await send(db, app, ani, channel, photo="AgAC-2", more=True)) == ""
    late = said(await send(db, app, ani, channel, photo="AgAC-3"))
    told = "⚠️ 2 foto ini tidak disimpan: pertanyaan foto sudah lewat."
    assert late.startswith(told), late
    assert "Bila perlu, gantilah nanti dari ringkasan." in late and URGENCY_QUESTION in late
    assert "Mohon pilih salah satu" not in late
    assert [p["ref"] for p in (await open_session(db, ani)).state["answers"]["photos"]] == [
        "AgAC-1"
    ]

    # At the summary: the line to type to replace it.
    summary = said(await send(db, app, ani, channel, text="Biasa"))
    assert "Periksa kembali" in summary
    # The summary's line numbers by label ("7. Lokasi: ..." -> {"Lokasi": "7"}).
    lines = {
        line.split(". ", 1)[1].split(":")[0]: line.split(".")[0]
        for line in summary.splitlines()
        if line[:1].isdigit()
    }
    photo = said(await send(db, app, ani, channel, photo="AgAC-4"))
    assert photo.startswith(
        "⚠️ Foto ini tidak disimpan: pertanyaan foto sudah lewat. Untuk menggantinya, ketik"
        f" <b>{lines['Foto']}</b> (baris Foto di ringkasan), lalu kirim lagi."
    ), photo
    fix = await _location(db, app, ani, channel)
    assert fix.startswith(
        "⚠️ Lokasi ini tidak disimpan: pertanyaan lokasi sudah lewat. Untuk menggantinya, ketik"
        f" <b>{lines['Lokasi']}</b> (baris Lokasi di ringkasan), lalu kirim lagi."
    ), fix
    assert "Periksa kembali" in fix and "Ketik <b>kirim</b>" not in fix
    gps = (await open_session(db, ani)).state["answers"]["gps"]
    assert gps == AT_PHOTOS["gps"]  # not replaced


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_fix_at_the_verification_summary_and_after_it_was_sent(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk = people.tksk
    await send(db, app, tksk, channel, data=f"ca:v:{people.case_id}:1")
    for answer in ("Dikunjungi langsung", "Sesuai laporan", "Lewati"):
        await send(db, app, tksk, channel, text=answer)
    summary = await send_event(
        db, app, tksk, channel, kind=InboundKind.LOCATION, latitude=-6.98, longitude=108.48
    )
    assert "4. Lokasi" in said(summary)

    again = await _location(db, app, tksk, channel)
    assert again.startswith(
        "⚠️ Lokasi ini tidak disimpan: pertanyaan lokasi sudah lewat. Untuk menggantinya, ketik"
        " <b>4</b> (baris Lokasi di ringkasan)"
    ), again
    assert "sekarang: Diverifikasi" in said(await send(db, app, tksk, channel, text="kirim"))

    after = await _location(db, app, tksk, channel)
    assert after.startswith(
        "Lokasi ini tidak disimpan: tidak ada isian yang sedang meminta lokasi."
        " Laporan KNG-2026-000001 sudah Bapak/Ibu verifikasi (29-11-2026 10.00)"
    ), after
    assert after.endswith(HELP_POINTER) and "belum mengerti" not in after
    assert len(after.splitlines()) == 2  # not the whole help
