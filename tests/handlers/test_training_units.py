"""/bimtek_baru's numbers carry their unit (version 4 of the training form): the summary says
"Absen dibuka: 30 menit", not a bare 30, and "30 menit" typed is 30. A draft begun on
version 3 goes on as it was, its numbers bare (a published version never changes). On both
channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
V3 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "training_v3.yaml")
# Up to the question "Absen dibuka berapa menit sebelum mulai?" (no venue location).
TO_THE_MINUTES = ["Bimtek Dasar PSM", "Aula Dinsos", "Jl. Siliwangi 88", "Lewati"]
TO_THE_MINUTES += ["lusa", "08.00", "12.00", "tidak", "besok"]


async def test_the_summary_shows_the_minutes_with_their_unit(world, channel):
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, command="bimtek_baru")
    for text in TO_THE_MINUTES:
        asked = await send(db, app, tono, channel, text=text)
    assert "Absen dibuka berapa menit" in said(asked)
    acknowledged = said(await send(db, app, tono, channel, text="30 menit"))
    assert "Absen dibuka: 30 menit" in acknowledged
    summary = said(await send(db, app, tono, channel, text="15"))
    assert "Absen dibuka: 30 menit" in summary and "Batas terlambat: 15 menit" in summary


async def test_a_version_3_draft_goes_on_without_units(world, channel):
    db, app = world
    assert app.forms["training"].version > V3.version
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, command="bimtek_baru")
    for text in TO_THE_MINUTES:
        await send(db, app, tono, channel, text=text)
    async with db.transaction() as repos:  # the same answers, on a draft of version 3
        await repos.forms.save_definition(V3.id, V3.version, V3.model_dump(mode="json"))
        current = await repos.forms.active(tono.id)
        assert current is not None
        await repos.forms.start(
            user_id=tono.id,
            form_id="training",
            form_version=3,
            state=current.state,
            now=current.updated_at,
        )
    await send(db, app, tono, channel, text="30")
    summary = said(await send(db, app, tono, channel, text="15"))
    assert "Absen dibuka: 30" in summary and "30 menit" not in summary
    assert "Batas terlambat: 15" in summary and "15 menit" not in summary
