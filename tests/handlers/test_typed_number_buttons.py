"""A bare number typed at a question no number answers (a text, a location, photos) counts
that question's buttons on screen, as at a choice question: "1" under "Ada catatan untuk
koordinator? [Lewati]" is Lewati. Before, the TKSK's "1" was stored as the note ("✓ Catatan:
1", then in the coordinator's notice) and "1" at the location question was refused as no
location. A number beyond the buttons stays an answer, and a question a number answers keeps
taking it. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.handlers.review_turns import review_world, said, say, tap
from tests.handlers.routed_turns import CHANNELS, active_session
from tests.storage.seed_cases import NOW

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
    assert "✓ Catatan: (dilewati)" in where and "Catatan: 1" not in where, where
    assert "Kirim lokasi rumahnya" in where
    summary = said(await say(db, app, tksk, channel, "1"))
    assert "✓ Lokasi: (dilewati)" in summary, summary
    assert "3. Catatan: (dilewati)" in summary and "4. Lokasi: (dilewati)" in summary, summary
    session = await active_session(db, tksk)
    assert session is not None
    assert session.state["answers"]["note"] is None
    assert session.state["answers"]["location"] is None


async def test_a_number_beyond_the_buttons_is_an_answer_where_text_takes_it(world, channel):
    """Only Lewati is on screen: "12" is no button, so the note reads it (the form may refuse
    it by its own check, as any short text)."""
    db, app = world
    tksk = await _at_the_note(db, app, channel)
    where = said(await say(db, app, tksk, channel, "Rumah no 12"))
    assert "✓ Catatan: Rumah no 12" in where, where
    refused = said(await say(db, app, tksk, channel, "2"))  # one button: no second one
    assert "Lokasi: (dilewati)" not in refused and "Kirim lokasi rumahnya" in refused, refused
    session = await active_session(db, tksk)
    assert session is not None and "location" not in session.state["answers"]
