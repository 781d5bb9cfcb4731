"""A voice note (or another recording) where the bot needs typed words: it says it cannot
listen, asks the same question again and stores nothing, on both channels."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send

SPOKEN = ("voice", "audio", "video_note")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("other_type", SPOKEN)
async def test_a_recording_at_a_question_is_refused_and_the_question_asked_again(
    world, channel: str, other_type: str
) -> None:
    db, app = world
    psm = await person(db, "Siti", Role.PSM, channel, kecamatan="32.08.01", desa="32.08.01.2001")
    first = await send(db, app, psm, channel, command="lapor")
    question = said(first).split("\n")[-1]
    assert "kepala keluarga" in question  # the report's first question

    voice = await send(db, app, psm, channel, other_type=other_type)

    text = said(voice)
    assert "pesan suara" in text and "ketik" in text
    assert question in text  # the same question again
    async with db.transaction() as repos:
        session = await repos.forms.active(psm.id)
    assert session is not None and session.state.get("answers", {}) == {}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_sticker_still_asks_for_typed_text(world, channel: str) -> None:
    db, app = world
    psm = await person(db, "Siti", Role.PSM, channel, kecamatan="32.08.01", desa="32.08.01.2001")
    await send(db, app, psm, channel, command="lapor")
    sticker = await send(db, app, psm, channel, other_type="sticker")
    assert "mengetik teks" in said(sticker) and "pesan suara" not in said(sticker)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_voice_note_outside_a_form_says_so_with_the_commands(world, channel: str) -> None:
    db, app = world
    psm = await person(db, "Siti", Role.PSM, channel, kecamatan="32.08.01", desa="32.08.01.2001")
    voice = await send(db, app, psm, channel, other_type="voice")
    text = said(voice)
    assert "pesan suara" in text and "belum mengerti" not in text
    assert "lapor" in text  # the commands follow
