"""A NIK or KK typed in a free text with no NIK question of its own (a /siaran message, a
send-back note) is refused with words that fit there, and the whole text is given back with
the number masked, to copy, never in full. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.delivery import masked
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


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        pytest.param(f"{NIK}3208011506230002", "320801******0002", id="a-nik-and-a-kk-together"),
        pytest.param(f"{NIK}123", "320801******3123", id="digits-after-a-nik"),
        pytest.param(f"0{NIK}", "032080******0003", id="a-leading-0"),
    ],
)
async def test_a_nik_glued_to_more_digits_is_refused_and_never_shown(
    world, channel: str, typed: str, masked: str
) -> None:
    """Review 15: a NIK typed with no space before a KK, after a 0 or before more digits was
    taken as no NIK, kept and shown in full (the summary, the coordinators)."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    message = f"Mohon cek data Slamet NIK/KK {typed} besok"
    refused = await send(db, app, sari, channel, text=message)
    assert REFUSED in said(refused)
    assert NIK not in said(refused)
    assert f"<i>Mohon cek data Slamet NIK/KK {masked} besok</i>" in said(refused)
    async with db.reading() as repos:
        session = await repos.forms.active(sari.id)
    assert session is not None and session.state["answers"] == {}  # nothing of it was kept


@pytest.mark.parametrize("channel", CHANNELS)
async def test_amounts_dates_and_times_in_a_broadcast_are_kept_as_typed(world, channel) -> None:
    """Review 15: amounts, dates and time spans side by side are no NIK: the broadcast is
    taken, and its preview shows them as delivered, unmasked."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    message = (
        "Kasus #1234 2024-05-12 2024-06-01: pencairan bantuan 1.500.000, 2.000.000 "
        "jam 08.30-10.00, 13.00-15.00 di aula dinsos."
    )
    taken = await send(db, app, sari, channel, text=message)
    assert REFUSED not in said(taken)
    shown = "\n".join(masked(reply).text or "" for reply in taken.replies)
    assert message in shown
