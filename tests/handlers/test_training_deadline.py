"""/bimtek_baru's answer deadline (version 5 of the training form) suggests the day before the
first day as a button, "✓ Senin, 30-11-2026", and a deadline on or after the first day is
asked again at once with the latest date it may be (version 4 refused it only at the
summary). A first day of today has no deadline to suggest (the summary says the first day
must change). A draft begun on version 4 goes on as it was. On both channels. Today is
Sunday 29 November 2026."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
V4 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "training_v4.yaml")
DEADLINE_QUESTION = "Sampai tanggal berapa peserta bisa konfirmasi kehadiran?"
MINUTES_QUESTION = "Absen dibuka berapa menit"
SUGGESTED = "✓ Senin, 30-11-2026"  # the day before the first day, Tuesday 1 December
TOO_SOON = "Hari pertama paling cepat <b>besok</b>"
TOO_LATE = "⚠️ Batas konfirmasi paling lambat Senin, 30-11-2026, sehari sebelum hari pertama"


async def _at_the_deadline(db: Database, app, channel: str, first_day: str = "lusa") -> User:
    """Pak Tono (TKSK, so no audience question) has given one day, `first_day`."""
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, command="bimtek_baru")
    for text in ["Bimtek Dasar PSM", "Aula Dinsos", "Jl. Siliwangi 88", "Lewati", first_day]:
        await send(db, app, tono, channel, text=text)
    await send(db, app, tono, channel, text="08.00")
    await send(db, app, tono, channel, text="12.00")
    asked = await send(db, app, tono, channel, text="tidak")
    assert DEADLINE_QUESTION in said(asked), said(asked)
    return tono


async def test_the_day_before_the_first_day_is_suggested(world, channel):
    db, app = world
    tono = await _at_the_deadline(db, app, channel)
    async with db.reading() as repos:
        session = await repos.forms.active(tono.id)
    assert session is not None and session.form_version == 5
    asked = await send(db, app, tono, channel, text="8 Desember")
    assert said(asked).startswith(TOO_LATE), said(asked)
    assert DEADLINE_QUESTION in said(asked) and SUGGESTED in labels(asked)
    taken = said(await send(db, app, tono, channel, data=button(asked, SUGGESTED)))
    assert "✓ Batas konfirmasi: Senin, 30-11-2026" in taken and MINUTES_QUESTION in taken


async def test_the_first_day_itself_is_too_late(world, channel):
    db, app = world
    tono = await _at_the_deadline(db, app, channel)
    refused = said(await send(db, app, tono, channel, text="1-12-2026"))
    assert refused.startswith(TOO_LATE) and MINUTES_QUESTION not in refused, refused
    taken = said(await send(db, app, tono, channel, text="besok"))
    assert "✓ Batas konfirmasi: Senin, 30-11-2026" in taken and MINUTES_QUESTION in taken


async def test_a_first_day_of_today_suggests_nothing_and_the_summary_says_why(world, channel):
    db, app = world
    tono = await _at_the_deadline(db, app, channel, first_day="hari ini")
    asked = await send(db, app, tono, channel, text="x")  # not a date: the question again
    assert not [label for label in labels(asked) if label.startswith("✓")], labels(asked)
    taken = said(await send(db, app, tono, channel, text="besok"))
    assert MINUTES_QUESTION in taken  # not looped on the deadline
    await send(db, app, tono, channel, text="60")
    summary = await send(db, app, tono, channel, text="15")
    assert "Batas konfirmasi: Senin, 30-11-2026" in said(summary)
    sent = said(await send(db, app, tono, channel, data=button(summary, "Kirim")))
    assert TOO_SOON in sent, sent


async def test_a_version_4_draft_leaves_the_deadline_to_its_summary(world, channel):
    db, app = world
    assert app.forms["training"].version > V4.version
    tono = await _at_the_deadline(db, app, channel)
    async with db.transaction() as repos:  # the same answers, on a draft of version 4
        await repos.forms.save_definition(V4.id, V4.version, V4.model_dump(mode="json"))
        current = await repos.forms.active(tono.id)
        assert current is not None
        await repos.forms.start(
            user_id=tono.id,
            form_id="training",
            form_version=4,
            state=current.state,
            now=current.updated_at,
        )
    taken = said(await send(db, app, tono, channel, text="8 Desember"))
    assert "✓ Batas konfirmasi: Selasa, 08-12-2026" in taken and MINUTES_QUESTION in taken
