"""A NIK or KK typed in a free text with no NIK question of its own (a /siaran message, a
send-back note) is refused with words that fit there, and the whole text is given back with
the number masked, to copy, never in full. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from tests.handlers import review_turns
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import NOW

NIK = "3208012505800003"
MASKED = "320801******0003"
BROADCAST = (
    "Assalamualaikum bapak ibu PSM, besok rapat koordinasi jam 09.00 di aula dinsos. "
    f"Kasus a.n. Slamet NIK {NIK} tolong dibawa berkasnya & fotokopinya."
)
REFUSED = "tidak boleh memuat NIK atau nomor KK"


def _refusal_gives_back(text: str, typed: str) -> None:
    """The refusal fits any free text, and holds the typed text masked, escaped, not in full."""
    assert REFUSED in text
    assert "pertanyaannya sendiri" not in text  # there is no NIK question here
    assert NIK not in text
    given_back = typed.replace(NIK, MASKED).replace("&", "&amp;")
    assert f"<i>{given_back}</i>" in text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_broadcast_with_a_nik_comes_back_masked_to_copy(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    refused = await send(db, app, sari, channel, text=BROADCAST)
    _refusal_gives_back(said(refused), BROADCAST)
    assert said(refused).endswith("<b>Tulis pesan siaran (tanpa data pribadi warga).</b>")
    async with db.reading() as repos:
        session = await repos.forms.active(sari.id)
    assert session is not None and session.form_id == "broadcast"
    assert session.state["answers"] == {}  # nothing of it was kept


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_send_back_note_with_a_nik_comes_back_masked_to_copy(world, channel: str) -> None:
    db, app = world
    review = await review_turns.review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = review.tksk, review.case_id
    asked = await review_turns.tap(db, app, tksk, channel, f"ca:b:{case_id}:1")
    assert "akan dikembalikan ke pelapor" in review_turns.said(asked)
    note = f"NIK kepala keluarga {NIK} salah ketik, mohon dicek lagi & difoto ulang KK-nya"
    refused = await review_turns.say(db, app, tksk, channel, note)
    _refusal_gives_back(review_turns.said(refused), note)
    assert await review_turns.case_version(db, case_id) == ("submitted", 1)  # not sent back
