"""Registration's name (registration 2) is letters of any script, at least three, with spaces,
dots, apostrophes or hyphens (and, since registration 3, commas: a degree after the name as
KTP and KK write it): digits, emoji and other signs are refused and the name asked again; a
draft of an earlier version finishes on its version. On both channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.models import UserStatus
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import NOW, open_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V1 = load_form(FIXTURES / "registration_v1.yaml")
V2 = load_form(FIXTURES / "registration_v2.yaml")
NAME_QUESTION = "Siapa nama lengkap Bapak/Ibu"
REFUSED = "Nama berisi huruf (minimal 3)"
PHONE_QUESTION = "Berapa nomor HP Bapak/Ibu?"


@pytest.fixture
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")  # stores the current version
    async with db.transaction() as repos:
        for earlier in (V1, V2):
            await repos.forms.save_definition(
                earlier.id, earlier.version, earlier.model_dump(mode="json")
            )
    try:
        yield db, app_context(tmp_path / "media")
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "typed", ["Dedi 😀", "😀😀😀", "Dedi S2", "Dedi_Sumarna", "Dedi @ Kuningan", "Al", "..."]
)
async def test_a_name_with_emoji_digits_or_signs_is_asked_again(
    world, channel: str, typed: str
) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    asked = await send(db, app, dedi, channel, command="start")
    assert NAME_QUESTION in said(asked)
    again = await send(db, app, dedi, channel, text=typed)
    assert REFUSED in said(again) and NAME_QUESTION in said(again)
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and "full_name" not in session.state["answers"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "typed",
    [
        "Hj. Siti Nur'aini",
        "Ni Luh Putu",
        "Abdul-Rahman",
        "Ahmad",
        "Siti Aminah, S.Pd.",
        "Dr. Budi Santoso, M.Kes.",
    ],
)
async def test_names_of_letters_with_dots_commas_apostrophes_and_hyphens_are_taken(
    world, channel: str, typed: str
) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    taken = await send(db, app, dedi, channel, text=typed)
    assert REFUSED not in said(taken) and PHONE_QUESTION in said(taken)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_draft_of_version_1_goes_on_with_version_1(world, channel: str) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=dedi.id, form_id="registration", form_version=1, state=new_state(), now=NOW
        )
    resumed = await send(db, app, dedi, channel, command="start")
    assert NAME_QUESTION in said(resumed)
    taken = await send(db, app, dedi, channel, text="Dedi 😀")  # what version 1 took
    assert PHONE_QUESTION in said(taken)
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and session.form_version == 1
    assert session.state["answers"]["full_name"] == "Dedi 😀"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_draft_of_version_2_goes_on_with_version_2(world, channel: str) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=dedi.id, form_id="registration", form_version=2, state=new_state(), now=NOW
        )
    await send(db, app, dedi, channel, command="start")
    refused = await send(db, app, dedi, channel, text="Siti Aminah, S.Pd.")  # no comma in 2
    assert REFUSED in said(refused) and "koma" not in said(refused)
    taken = await send(db, app, dedi, channel, text="Siti Aminah S.Pd.")
    assert PHONE_QUESTION in said(taken)
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and session.form_version == 2
