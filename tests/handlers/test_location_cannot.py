"""At the report's location question, "gk bisa", "tdk bisa", "tidak ada sinyal" are its skip
(QA walk 15: "Mohon kirim lokasi dengan tombol" again and again, only "lewati" worked): the
location is skipped and the reason question follows. Other text is still refused. Through
the router, on both channels."""

from __future__ import annotations

import pytest

from tests.handlers.review_turns import said, say
from tests.handlers.routed_turns import CHANNELS, active_session
from tests.handlers.test_report_reasons import AT_LOCATION, _report_at

REASON_QUESTION = "Mengapa lokasi tidak dikirim?"


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "typed", ["gk bisa", "tdk bisa", "tidak ada sinyal", "maaf bu, gk bisa kirim lokasi"]
)
async def test_cannot_send_the_location_skips_it(world, channel, typed) -> None:
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION)
    skipped = said(await say(db, app, psm, channel, typed))
    assert "✓ Lokasi: (dilewati)" in skipped and REASON_QUESTION in skipped, skipped
    session = await active_session(db, psm)
    assert session is not None and session.state["answers"].get("gps") is None
    taken = said(await say(db, app, psm, channel, "sinyal GPS lemah"))
    assert "✓ Alasan tanpa lokasi: sinyal GPS lemah" in taken


@pytest.mark.parametrize("channel", CHANNELS)
async def test_other_text_at_the_location_is_still_refused(world, channel) -> None:
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION)
    refused = said(await say(db, app, psm, channel, "Dusun Manis"))
    assert "Lokasi: (dilewati)" not in refused and REASON_QUESTION not in refused
    session = await active_session(db, psm)
    assert session is not None and "gps" not in session.state["answers"]
