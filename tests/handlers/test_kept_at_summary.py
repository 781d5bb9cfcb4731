"""A form left open at its summary is not asked again under every side answer: QA walk 7's
coordinator, her broadcast at its summary, typed "bimtek" and searched a name; each answer
was followed by the whole summary with "✅ Kirim" again, so the next tap meant for the
training's list sent the broadcast. Now one line says the form is kept, with "Lanjutkan
isian" (never Kirim), and what is typed next brings the summary back, nothing sent. On
Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from handlers.i18n import Markup
from storage.models import Role
from tests.handlers.routed_turns import (
    CHANNELS,
    active_session,
    button,
    labels,
    person,
    said,
    send,
)
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
SUMMARY = "Periksa kembali jawaban"
TRAINING = "Bimtek Dasar PSM"


def _kept(app) -> str:
    return app.catalog.text("id", "form.kept_at_summary", what=Markup("isian <b>Siaran</b>"))


async def _broadcast_at_its_summary(db, app, channel: str):
    """A coordinator with a training to list and a PSM to reach, her broadcast written up to
    its summary."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await new_training(repos, sari, [(at(8, 8), at(8, 12))], title=TRAINING)
    await send(db, app, sari, channel, text="siaran")
    await send(db, app, sari, channel, text="Rapat PSM hari Senin di kecamatan.")
    summary = await send(db, app, sari, channel, text="Semua PSM")
    assert SUMMARY in said(summary), said(summary)
    return sari


def _noted_without_kirim(app, turn) -> None:
    """The side trip's answer, then the note with its one button: no summary, no Kirim."""
    reply = said(turn)
    assert _kept(app) in reply and SUMMARY not in reply, reply
    assert not any("Kirim" in label for label in labels(turn)), labels(turn)
    assert turn.replies[-1].text == _kept(app)
    assert [b.label for row in turn.replies[-1].buttons for b in row] == ["▶️ Lanjutkan isian"]


async def test_a_side_trip_at_the_summary_notes_the_form_kept(world, channel):
    db, app = world
    sari = await _broadcast_at_its_summary(db, app, channel)
    listed = await send(db, app, sari, channel, text="bimtek")
    # The training's list first, its row a tap away; the note after it.
    assert any("Bimtek Dasar" in label for label in labels(listed)[:-1]), labels(listed)
    _noted_without_kirim(app, listed)
    held = await active_session(db, sari)
    assert held is not None and held.form_id == "broadcast" and held.state["held"] == "st"
    # "kirim" typed below the note is no send: the summary comes back, nothing sent.
    again = await send(db, app, sari, channel, text="kirim")
    assert SUMMARY in said(again) and "Kirim sekarang?" not in said(again)
    session = await active_session(db, sari)
    assert session is not None and session.id == held.id and "held" not in session.state
    # Sent from the summary: the final go; a side trip there is noted the same way.
    preview = await send(db, app, sari, channel, data=button(again, "Kirim"))
    assert "Kirim sekarang?" in said(preview)
    listed = await send(db, app, sari, channel, text="bimtek")
    _noted_without_kirim(app, listed)
    back = await send(db, app, sari, channel, data=button(listed, "Lanjutkan isian"))
    assert SUMMARY in said(back) and any("Kirim" in label for label in labels(back))
    kept = await active_session(db, sari)
    assert kept is not None and kept.id == held.id
    assert kept.state["answers"]["message"] == "Rapat PSM hari Senin di kecamatan."


async def test_a_side_form_sent_at_the_summary_notes_the_form_kept(world, channel):
    """ "kontak" asks a question of its own, the broadcast paused; once the contact is saved
    the broadcast comes back as the note, not its summary under the contact's answer."""
    db, app = world
    sari = await _broadcast_at_its_summary(db, app, channel)
    await send(db, app, sari, channel, text="kontak")
    contact = await send(db, app, sari, channel, text="Dinsos Kuningan, Bu Rina 0812-3456-7890")
    assert SUMMARY in said(contact)
    saved = await send(db, app, sari, channel, data=button(contact, "Kirim"))
    _noted_without_kirim(app, saved)
    back = await send(db, app, sari, channel, text="lanjut")
    assert SUMMARY in said(back) and any("Kirim" in label for label in labels(back))
    assert "Rapat PSM hari Senin" in said(back)


async def test_a_side_form_cancelled_brings_the_summary_back(world, channel):
    """ "nomor" cancelled: nothing else is on screen, so the broadcast's summary itself."""
    db, app = world
    sari = await _broadcast_at_its_summary(db, app, channel)
    assert "Nomor HP baru" in said(await send(db, app, sari, channel, text="nomor"))
    dropped = await send(db, app, sari, channel, text="batal")
    assert SUMMARY in said(dropped) and _kept(app) not in said(dropped)
