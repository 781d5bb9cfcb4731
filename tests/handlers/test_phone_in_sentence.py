"""A phone number typed in a sentence at the phone question ("ini no sy 0812-3450-0001") is
that number (QA walk 15: "Nomor HP itu tidak dikenali"); two different numbers are not
guessed between. Through the router, on both channels, at the registration's question."""

from __future__ import annotations

import pytest

from storage.models import UserStatus
from tests.handlers.routed_turns import CHANNELS, person, said, send

PHONE_QUESTION = "Berapa nomor HP Bapak/Ibu?"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_one_number_of_a_sentence_is_taken(world, channel) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    await send(db, app, dedi, channel, text="Dedi Sumarna")
    two = said(await send(db, app, dedi, channel, text="081234500001 atau 081234500002"))
    assert "Nomor HP itu tidak dikenali" in two and PHONE_QUESTION in two
    taken = said(await send(db, app, dedi, channel, text="ini no sy 0812-3450-0001"))
    assert "✓ Nomor HP: +6281234500001" in taken
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None
    assert session.state["answers"]["phone"]["e164"] == "+6281234500001"
