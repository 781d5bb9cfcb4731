"""A name typed in a sentence at a question whose answer is a person's name ("nama saya Dedi
Sumarna", "Nama: Dedi", "nama kepala keluarga: Dedi", "saya Ibu Sari") is the name alone: the
words before it are dropped (`person_name`, typed_words.yaml `name_lead_ins`), in what is
stored, acknowledged and shown at the summary; lead-in words alone are refused with the
question again. On both channels; drafts of the versions before keep their reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.forms.loading import load_form
from handlers.forms.state import new_state, prefilled_state
from handlers.forms.typed_words import without_name_lead_in
from storage.models import Role, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
NAME_QUESTION = "Siapa nama lengkap Bapak/Ibu"
PHONE_QUESTION = "Berapa nomor HP Bapak/Ibu?"
HEAD_QUESTION = "Siapa nama kepala keluarga"
KK_QUESTION = "Berapa nomor Kartu Keluarga"
NAME_MISSING = "Namanya belum tertulis"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("nama saya Dedi Sumarna", "Dedi Sumarna"),
        ("Nama saya: Dedi Sumarna", "Dedi Sumarna"),
        ("namanya Dedi", "Dedi"),
        ("Nama: Dedi", "Dedi"),
        ("Nama:Dedi", "Dedi"),
        ("nama kepala keluarga: Slamet Riyadi", "Slamet Riyadi"),
        ("Nama kepala keluarganya Slamet", "Slamet"),
        ("nama lengkap saya adalah Siti Aminah, S.Pd.", "Siti Aminah, S.Pd."),
        ("saya Ibu Sari", "Ibu Sari"),  # the honorific is how she is named
        ("nama anaknya Ayu Lestari", "Ayu Lestari"),
        ("a.n. Dedi", "Dedi"),
        ("Dedi Sumarna", "Dedi Sumarna"),
        ("Sayuti", "Sayuti"),  # a name that only starts like "saya"
        ("Namara Putri", "Namara Putri"),
        ("Anak Agung Gede", "Anak Agung Gede"),  # "anak" is a lead-in only after "nama"
        ("Hj. Siti Nur'aini", "Hj. Siti Nur'aini"),
        ("Sy. Fatimah", "Sy. Fatimah"),  # Syarifah, not "saya"
        ("nama sy Fatimah", "Fatimah"),
        ("nama saya", ""),
        ("Nama:", ""),
    ],
)
def test_the_words_before_a_name_are_dropped(typed: str, name: str) -> None:
    assert without_name_lead_in(typed) == name


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("nama saya Dedi Sumarna", "Dedi Sumarna"),
        ("Nama: Dedi Sumarna", "Dedi Sumarna"),
        ("saya Ibu Sari", "Ibu Sari"),
    ],
)
async def test_registration_keeps_the_name_of_a_sentence(world, channel, typed, name) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    taken = said(await send(db, app, dedi, channel, text=typed))
    assert f"✓ Nama: {name}\n" in taken + "\n" and PHONE_QUESTION in taken
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and session.state["answers"]["full_name"] == name


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", ["nama saya", "Nama:", "nama lengkap saya adalah"])
async def test_lead_in_words_alone_ask_the_name_again(world, channel, typed) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    again = said(await send(db, app, dedi, channel, text=typed))
    assert NAME_MISSING in again and NAME_QUESTION in again
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and "full_name" not in session.state["answers"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_what_is_left_must_still_be_a_name(world, channel) -> None:
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    again = said(await send(db, app, dedi, channel, text="nama saya 081234"))
    assert "Nama berisi huruf (minimal 3)" in again and NAME_QUESTION in again


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_keeps_the_head_and_member_names_of_sentences(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    head = said(await send(db, app, ani, channel, text="nama kepala keluarga: Slamet Riyadi"))
    assert "✓ Kepala keluarga: Slamet Riyadi\n" in head and KK_QUESTION in head
    await send(db, app, ani, channel, text="3208011210190005")
    member = said(await send(db, app, ani, channel, text="namanya Ayu Lestari"))
    assert "✓ Nama: Ayu Lestari\n" in member
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None
    answers = session.state["answers"]
    assert answers["head_name"] == "Slamet Riyadi"
    assert answers["members"][0]["member_name"] == "Ayu Lestari"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_head_name_edited_from_the_summary_is_sent_without_its_lead_in(
    world, channel
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    answers: dict[str, Any] = {**BEFORE_SIZE, **REST}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, answers),
            now=NOW,
        )
    summary = await send(db, app, ani, channel, command="start")
    menu = await send(db, app, ani, channel, data=button(summary, "Ubah jawaban"))
    asked = await send(db, app, ani, channel, data=button(menu, "Kepala keluarga"))
    assert HEAD_QUESTION in said(asked)
    edited = await send(db, app, ani, channel, text="Nama kepala keluarganya Dedi Sumarna")
    assert "Kepala keluarga: Dedi Sumarna" in said(edited) and "Nama kepala" not in said(edited)
    await send(db, app, ani, channel, data=button(edited, "Kirim"))
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT h.head_name FROM cases c JOIN households h ON h.id = c.household_id"
            " WHERE c.reporter_id = ?",
            (ani.id,),
        ) as cursor,
    ):
        assert [row[0] for row in await cursor.fetchall()] == ["Dedi Sumarna"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_registration_draft_of_version_3_keeps_its_reading(world, channel) -> None:
    db, app = world
    v3 = load_form(FIXTURES / "registration_v3.yaml")
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    async with db.transaction() as repos:
        await repos.forms.save_definition(v3.id, v3.version, v3.model_dump(mode="json"))
        await repos.forms.start(
            user_id=dedi.id, form_id=v3.id, form_version=v3.version, state=new_state(), now=NOW
        )
    await send(db, app, dedi, channel, command="start")
    taken = said(await send(db, app, dedi, channel, text="nama saya Dedi Sumarna"))
    assert PHONE_QUESTION in taken
    async with db.reading() as repos:
        session = await repos.forms.active(dedi.id)
    assert session is not None and session.form_version == 3
    assert session.state["answers"]["full_name"] == "nama saya Dedi Sumarna"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_draft_of_version_9_goes_on_with_version_9(world, channel) -> None:
    db, app = world
    v9 = load_form(FIXTURES / "case_report_v9.yaml")
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.save_definition(v9.id, v9.version, v9.model_dump(mode="json"))
        await repos.forms.start(
            user_id=ani.id, form_id=v9.id, form_version=v9.version, state=new_state(), now=NOW
        )
    # Its session is active, at the head's name.
    taken = said(await send(db, app, ani, channel, text="nama kepala keluarga Slamet"))
    assert KK_QUESTION in taken
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.form_version == 9
    assert session.state["answers"]["head_name"] == "nama kepala keluarga Slamet"
