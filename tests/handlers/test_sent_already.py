"""A form's "✅ Kirim" tapped again on a slow network, or "kirim" typed again just after, says
the case it sent, with what was done and when (as a stale review button says it), not "that
button is no longer valid" with the whole help, nor "not understood" (QA walk 13); an old
"Perbaiki" of a case corrected already names it and its state now. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.forms.state import prefilled_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import review_world
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

OLD_BUTTON = "Tombol itu dari pesan lama, jadi tidak dijalankan."
NOT_UNDERSTOOD = "Maaf, kami belum mengerti pesan itu."
INVALID = "Tombol itu sudah tidak berlaku."


async def _report_at_summary(db: Database, app, psm: User) -> None:
    """A whole report of the PSM's, waiting at its summary."""
    form = app.forms["case_report"]
    answers = {k: v for k, v in {**BEFORE_SIZE, **REST}.items() if k != "kecamatan"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=psm.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, answers),
            now=NOW,
        )


async def _number(db: Database) -> str:
    async with db.reading() as reader, reader.conn.execute("SELECT number FROM cases") as cursor:
        ((number,),) = await cursor.fetchall()
    return number


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_sent_twice_is_said_sent_with_its_number(world, channel) -> None:
    db, app = world
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await _report_at_summary(db, app, psm)
    summary = await send(db, app, psm, channel, text="kembali")
    submit = button(summary, "Kirim")
    sent = await send(db, app, psm, channel, data=submit)
    number = await _number(db)
    assert number in said(sent)

    later = NOW + timedelta(minutes=2)
    again = said(await send(db, app, psm, channel, data=submit, now=later))
    told = f"Laporan {number} sudah Bapak/Ibu ajukan (29-11-2026 10.00)"
    assert again.startswith(f"{OLD_BUTTON} {told}; sekarang berstatus <b>Diajukan</b>"), again
    assert INVALID not in again and "/bantuan" not in again  # not the whole help
    typed = said(await send(db, app, psm, channel, text="kirim", now=later))
    assert typed.startswith(told) and NOT_UNDERSTOOD not in typed, typed
    assert await _number(db) == number  # nothing sent twice

    # An hour on, "kirim" is about nothing sent just now.
    hour_on = said(await send(db, app, psm, channel, text="kirim", now=NOW + timedelta(hours=1)))
    assert hour_on.startswith(NOT_UNDERSTOOD) and number not in hour_on


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_verification_sent_twice_is_said_verified(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk = people.tksk
    await send(db, app, tksk, channel, data=f"ca:v:{people.case_id}:1")
    for answer in ("Telepon/perangkat", "Sesuai laporan"):
        await send(db, app, tksk, channel, text=answer)
    summary = await send(db, app, tksk, channel, text="Lewati")
    submit = button(summary, "Kirim")
    assert "sekarang: Diverifikasi" in said(await send(db, app, tksk, channel, data=submit))

    again = said(await send(db, app, tksk, channel, data=submit))
    told = "Laporan KNG-2026-000001 sudah Bapak/Ibu verifikasi (29-11-2026 10.00)"
    assert again.startswith(f"{OLD_BUTTON} {told}"), again
    assert INVALID not in again
    typed = said(await send(db, app, tksk, channel, text="kirim"))
    assert typed.startswith(told) and NOT_UNDERSTOOD not in typed, typed


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_sent_twice_and_its_old_perbaiki_name_the_case(world, channel) -> None:
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    psm, case_id = people.psm, people.case_id
    await send(db, app, people.tksk, channel, data=f"ca:b:{case_id}:1")
    await send(db, app, people.tksk, channel, text="Alamat belum lengkap, mohon cek lagi")
    await send(db, app, psm, channel, data=f"rv:{case_id}")
    await send(db, app, psm, channel, text="11")  # the address, from the summary
    summary = await send(db, app, psm, channel, text="Dusun Manis RT 03 RW 05")
    submit = button(summary, "Kirim")
    assert "Perbaikan laporan" in said(await send(db, app, psm, channel, data=submit))

    told = "Laporan KNG-2026-000001 sudah Bapak/Ibu ajukan ulang (29-11-2026 10.00)"
    again = said(await send(db, app, psm, channel, data=submit))
    assert again.startswith(f"{OLD_BUTTON} {told}; sekarang berstatus <b>Diajukan ulang</b>")
    perbaiki = said(await send(db, app, psm, channel, data=f"rv:{case_id}"))
    assert perbaiki.startswith(f"{OLD_BUTTON} {told}"), perbaiki
    assert "tidak sedang menunggu perbaikan" not in perbaiki
