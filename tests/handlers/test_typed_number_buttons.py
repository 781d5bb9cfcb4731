"""A bare number typed at a question no number answers (a text, a location, photos) counts
that question's buttons on screen, as at a choice question: "1" under "Ada catatan untuk
koordinator? [Lewati]" is Lewati. Before, the TKSK's "1" was stored as the note ("✓ Catatan:
1", then in the coordinator's notice) and "1" at the location question was refused as no
location. A number beyond the buttons stays an answer (which the question's own check may
refuse). On both channels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.media import store_photo
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from storage.models import Role
from tests.e2e.reports import photo_with_exif
from tests.handlers.forms.report_answers import AT_PHOTOS_STATE
from tests.handlers.review_turns import review_world, said, say, tap
from tests.handlers.routed_turns import CHANNELS, active_session, person, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _at_the_note(db, app, channel):
    """The TKSK verifying the case after a visit that found it as reported: the note."""
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    await tap(db, app, people.tksk, channel, f"ca:v:{people.case_id}:1")
    await say(db, app, people.tksk, channel, "Dikunjungi langsung")
    asked = await say(db, app, people.tksk, channel, "Sesuai laporan")
    assert "Ada catatan untuk koordinator?" in said(asked), said(asked)
    return people.tksk


async def test_one_at_a_note_and_at_the_location_is_lewati(world, channel):
    db, app = world
    tksk = await _at_the_note(db, app, channel)
    where = said(await say(db, app, tksk, channel, "1"))
    # (the note's short label: "Catatan", "Catatan pemeriksaan" from verification version 2 on)
    assert re.search(r"✓ Catatan[^:\n]*: \(dilewati\)", where), where
    assert not re.search(r"Catatan[^:\n]*: 1", where) and "Kirim lokasi rumahnya" in where
    summary = said(await say(db, app, tksk, channel, "1"))
    assert "✓ Lokasi: (dilewati)" in summary, summary
    assert re.search(r"3\. Catatan[^:\n]*: \(dilewati\)", summary), summary
    assert "4. Lokasi: (dilewati)" in summary, summary
    session = await active_session(db, tksk)
    assert session is not None
    assert session.state["answers"]["note"] is None
    assert session.state["answers"]["location"] is None


async def test_a_number_beyond_the_buttons_is_read_by_the_question(world, channel):
    """Only Lewati is on screen: "2" is no button, so the location question reads it (and
    refuses it: no location), never a skip; a note with a number in it is a note."""
    db, app = world
    tksk = await _at_the_note(db, app, channel)
    where = said(await say(db, app, tksk, channel, "Rumah no 12"))
    assert re.search(r"✓ Catatan[^:\n]*: Rumah no 12", where), where
    refused = said(await say(db, app, tksk, channel, "2"))  # one button: no second one
    assert "(dilewati)" not in refused and "Kirim lokasi rumahnya" in refused, refused
    session = await active_session(db, tksk)
    assert session is not None and "location" not in session.state["answers"]


async def test_at_the_photos_one_is_lewati_then_selesai(world, channel):
    """The report's photos: "1" is Lewati before a photo, "Selesai" once one was sent (the
    only button then)."""
    db, app = world
    skipping = await _at_the_photos(db, app, channel)
    skipped = said(await send(db, app, skipping, channel, text="1"))
    assert "✓ Foto: (dilewati)" in skipped, skipped

    photo = await store_photo(photo_with_exif(7), app.media_dir)
    sending = await _at_the_photos(db, app, channel, "Pak Joko")
    assert "Foto diterima" in said(await send(db, app, sending, channel, photo=photo))
    done = said(await send(db, app, sending, channel, text="1"))
    assert "✓ Foto: 1 foto" in done, done


async def _at_the_photos(db, app, channel, name="Bu Ani"):
    """A PSM's report at its photo question."""
    psm = await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=psm.id,
            form_id="case_report",
            form_version=load_forms()["case_report"].version,
            state={**new_state(), **AT_PHOTOS_STATE},
            now=NOW,
        )
    return psm
