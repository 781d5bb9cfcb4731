"""The final go of /bimtek_baru and /siaran ("... akan dikirim ke N orang. Kirim sekarang?"):
its second button was "Batal", which dropped the whole training or broadcast with one tap
and no way back. Now "✏️ Ubah dulu" goes back to the summary, the answers kept, and says
/batal drops it; a training whose first day became today meanwhile goes back to the summary
with the problem when Kirim is pressed, instead of being dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    labels,
    open_session,
    person,
    queued,
    said,
    send,
)
from tests.handlers.test_side_trips import broadcast_at_its_final_go, training_at_its_final_go
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
SUMMARY = "Periksa kembali jawaban"
# The form's walk to its final go, its send button and what sending says.
FINAL_GOS = {
    "bimtek baru": (training_at_its_final_go, "📨 Kirim undangan", "training.created"),
    "siaran": (broadcast_at_its_final_go, "📣 Kirim", "broadcast.queued"),
}


async def _tksk_and_psm(db: Database, channel: str) -> tuple[User, User]:
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    return tono, ani


@pytest.mark.parametrize("word", list(FINAL_GOS))
async def test_change_first_goes_back_to_the_summary_and_sends_later(world, channel, word):
    db, app = world
    tono, ani = await _tksk_and_psm(db, channel)
    walk, go, sent_key = FINAL_GOS[word]
    preview = await walk(db, app, tono, channel)
    assert labels(preview)[-2:] == [go, "✏️ Ubah dulu"]
    held = await open_session(db, tono)
    back = await send(db, app, tono, channel, data=button(preview, "Ubah dulu"))
    form = "training" if word == "bimtek baru" else "broadcast"
    assert app.catalog.text("id", f"{form}.kept_for_edit") in said(back)
    assert SUMMARY in said(back) and "/batal" in said(back)
    summary = await open_session(db, tono)
    assert summary.id == held.id and summary.state["phase"] == "summary"
    assert summary.state["answers"] == held.state["answers"] and "final" not in summary.state
    assert await queued(db, ani) == []  # nothing sent
    # The old final go is spent; the summary's Kirim asks again, and sends.
    old = said(await send(db, app, tono, channel, data=button(preview, go)))
    assert app.catalog.text("id", "errors.old_button") in old
    again = await send(db, app, tono, channel, data=button(back, "Kirim"))
    assert "Kirim sekarang?" in said(again)
    sent = said(await send(db, app, tono, channel, data=button(again, go)))
    assert app.catalog.text("id", sent_key, count=1) in sent
    assert len(await queued(db, ani)) == 1


async def test_a_training_whose_first_day_came_goes_back_to_the_summary(world, channel):
    """Asked the day before yesterday for "lusa", sent today: the first day is today, which
    no invitation can fit; the summary comes back with the problem, nothing dropped."""
    db, app = world
    tono, ani = await _tksk_and_psm(db, channel)
    preview = await training_at_its_final_go(db, app, tono, channel)
    held = await open_session(db, tono)
    later = NOW + timedelta(days=2)
    tapped = button(preview, "Kirim undangan")
    reply = said(await send(db, app, tono, channel, data=tapped, now=later))
    assert app.catalog.text("id", "training_extra.problem_too_soon") in reply
    assert SUMMARY in reply and app.catalog.text("id", "training.not_sent") not in reply
    summary = await open_session(db, tono)
    assert summary.id == held.id and summary.state["phase"] == "summary"
    assert summary.state["answers"] == held.state["answers"]
    assert await queued(db, ani) == []


@pytest.mark.parametrize("word", list(FINAL_GOS))
async def test_the_cancel_of_a_message_sent_before_still_cancels(world, channel, word):
    """A final go sent before this change carries "Batal" (`:n:`): it does what it says."""
    db, app = world
    tono, ani = await _tksk_and_psm(db, channel)
    walk, go, _ = FINAL_GOS[word]
    preview = await walk(db, app, tono, channel)
    old_cancel = button(preview, go).replace(":y:", ":n:")
    reply = said(await send(db, app, tono, channel, data=old_cancel))
    dropped = "training.not_sent" if word == "bimtek baru" else "broadcast.cancelled"
    assert app.catalog.text("id", dropped) in reply
    async with db.reading() as repos:
        assert await repos.forms.active(tono.id) is None
    assert await queued(db, ani) == []
