"""A greeting typed alone at a question whose answer is a person's name is no name (QA walk
15: "assalamualaikum" at the registration's name was "✓ Nama: assalamualaikum", seen by the
coordinator; resuming a draft the next day, it became the family's head). It is greeted back
(a salam with "Waalaikumsalam") and the question asked again, nothing stored; the greetings
are data (typed_words.yaml `greetings`). On both channels."""

from __future__ import annotations

import pytest

from handlers.forms.typed_words import greeting
from storage.models import Role, UserStatus
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

NAME_QUESTION = "Siapa nama lengkap Bapak/Ibu"
HEAD_QUESTION = "Siapa nama kepala keluarga"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("assalamualaikum", "salam"),
        ("Assalamualaikum, bu", "salam"),
        ("assalamu'alaikum wr wb", "salam"),
        ("Salam", "salam"),
        ("halo", "other"),
        ("Hallo pak", "other"),
        ("hai", "other"),
        ("Selamat pagi", "other"),
        ("selamat malam bu", "other"),
        ("met pagi", "other"),
        ("P", "other"),
        ("permisi", "other"),
        ("Dedi Sumarna", None),
        ("Salam Riyadi", None),  # a name may begin with a greeting's word
        ("Bu Halimah", None),
    ],
)
def test_a_greeting_alone_is_read_as_one(typed: str, kind: str | None) -> None:
    assert greeting(typed) == kind


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("typed", "reply"),
    [("assalamualaikum", "Waalaikumsalam"), ("Selamat pagi bu", "Halo juga"), ("p", "Halo juga")],
)
async def test_registration_greets_back_and_asks_the_name_again(world, channel, typed, reply):
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    again = said(await send(db, app, dedi, channel, text=typed))
    assert reply in again and NAME_QUESTION in again
    assert "✓ Nama" not in again
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and "full_name" not in session.state["answers"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", ["Assalamualaikum", "halo"])
async def test_a_greeting_is_never_the_family_head(world, channel, typed) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    again = said(await send(db, app, ani, channel, text=typed))
    assert HEAD_QUESTION in again and "✓ Kepala keluarga" not in again
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and "head_name" not in session.state["answers"]
