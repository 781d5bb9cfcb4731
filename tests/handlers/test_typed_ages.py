"""Ages and birth dates as people type them at the report's age question (QA walk 15), on
both channels: a two-digit year ("12/3/15"), words before the age ("umur 5 thn"), an age in
words ("lima tahun"), a baby in months ("0 th 3 bln" shown "3 bulan"); a text that is no
date is refused with the age question's examples, never "17-08-1990" alone."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, active_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

AGE_QUESTION = "Tanggal lahir atau umurnya?"


async def _at_the_age(db, app, channel):
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    for answer in ("Slamet Riyadi", "3208011210190005", "Ayu Lestari", "tidak tahu", "belum"):
        await send(db, app, ani, channel, text=answer)
    asked = said(await send(db, app, ani, channel, text="Perempuan"))
    assert AGE_QUESTION in asked
    return ani


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("typed", "shown", "months"),
    [
        ("12/3/15", "12-03-2015 (", None),
        ("12 maret 15", "12-03-2015 (", None),
        ("umur 5 thn", "5 th 0 bln", 60),
        ("lima tahun", "5 th 0 bln", 60),
        ("kira2 60", "60 th 0 bln", 720),
        ("0 th 3 bln", "3 bulan", 3),
    ],
)
async def test_an_age_as_typed_is_taken(world, channel, typed, shown, months) -> None:
    db, app = world
    ani = await _at_the_age(db, app, channel)
    taken = said(await send(db, app, ani, channel, text=typed))
    assert f"✓ Lahir/umur: {shown}" in taken, taken
    session = await active_session(db, ani)
    assert session is not None
    age = session.state["answers"]["members"][0]["member_age"]
    if months is None:
        assert age["birth_date"] == "2015-03-12"
    else:
        assert age == {"birth_date": None, "months": months}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_date_is_refused_with_the_age_questions_examples(world, channel) -> None:
    db, app = world
    ani = await _at_the_age(db, app, channel)
    refused = said(await send(db, app, ani, channel, text="lahir maret 2015"))
    assert "atau umur, misalnya 5 tahun" in refused and "17-08-1990" not in refused
    assert AGE_QUESTION in refused
