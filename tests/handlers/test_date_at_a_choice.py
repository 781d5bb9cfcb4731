"""A date (or any digits with something between them) typed at a list question is no list
number: QA walk 7 typed "7-12-2026" at "Siapa yang diundang?" and was told "⚠️ Nomor
7122026 tidak ada di daftar", the digits run together. Now it is an answer not in the list;
a number typed alone still counts the options shown. On Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, active_session, person, said, send

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
AUDIENCE_QUESTION = "Untuk siapa?"
NOT_LISTED = "⚠️ Jawaban itu tidak ada di daftar"


async def _at_the_audience(db, app, channel: str):
    """A coordinator's broadcast written, its audience asked."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, text="siaran")
    asked = await send(db, app, sari, channel, text="Rapat PSM hari Senin di kecamatan.")
    assert AUDIENCE_QUESTION in said(asked), said(asked)
    return sari


@pytest.mark.parametrize("typed", ["7-12-2026", "7.12.2026", "1-2"])
async def test_digits_with_something_between_are_no_list_number(world, channel, typed):
    db, app = world
    sari = await _at_the_audience(db, app, channel)
    reply = said(await send(db, app, sari, channel, text=typed))
    assert reply.startswith(NOT_LISTED), reply
    assert "Nomor" not in reply and AUDIENCE_QUESTION in reply
    session = await active_session(db, sari)
    assert session is not None and "audience" not in session.state["answers"]


async def test_a_number_typed_alone_still_counts_the_options_shown(world, channel):
    """On Telegram the audience's buttons are in sight: "2." is the second. On WhatsApp they
    are a list behind "Pilih", unnumbered: refused, nothing stored (QA walk 10)."""
    db, app = world
    sari = await _at_the_audience(db, app, channel)
    reply = said(await send(db, app, sari, channel, text="2."))
    if channel == "whatsapp":
        assert reply.startswith("⚠️ Pilihan di sini tidak bernomor"), reply
        session = await active_session(db, sari)
        assert session is not None and "audience" not in session.state["answers"]
        return
    assert "✓ Penerima: Semua PSM" in reply, reply
