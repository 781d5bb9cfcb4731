"""Every region question (registration's, a report's, a training's area) takes the region's
name typed as people write it: any case and spacing, after its level word ("Kec. Kadugede",
"Kecamatan Kadugede", "Desa Babatan", "Kel. Babatan", "Kab. Kuningan"), and a close spelling
offered to confirm. Before, a level word made the name a near miss to confirm ("Kec.") or
not found at all ("Kecamatan Kadugede"). The cases are data; then both channels."""

from __future__ import annotations

import copy

import pytest

from handlers.forms.choices import match_choice
from handlers.forms.option_model import ChoicesFrom
from handlers.forms.state import prefilled_state
from handlers.regions import RegionChoices
from storage.models import Role, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import KADUGEDE, NOW

REGIONS = ChoicesFrom(source="regions")
# (typed, the region's parent, the option taken at once, the options offered to confirm)
CASES = [
    ("Kadugede", "32.08", "Kadugede", []),
    ("  KADU gede ", "32.08", "Kadugede", []),
    ("Kec. Kadugede", "32.08", "Kadugede", []),
    ("kec kadugede", "32.08", "Kadugede", []),
    ("KEC.KADUGEDE", "32.08", "Kadugede", []),
    ("Kecamatan Kadugede", "32.08", "Kadugede", []),
    ("Kecamatan Kadugde", "32.08", None, ["Kadugede"]),
    ("kadugde", "32.08", None, ["Kadugede"]),
    ("Kecamatan", "32.08", None, []),
    ("Desa Babatan", KADUGEDE, "Babatan", []),
    ("Ds. Babatan", KADUGEDE, "Babatan", []),
    ("Kel. Babatan", KADUGEDE, "Babatan", []),
    ("Kelurahan Babatn", KADUGEDE, None, ["Babatan"]),
    ("Kec. Babatan", KADUGEDE, None, ["Babatan"]),  # not a desa's word: only to confirm
    # The kecamatan the desa are in, named after the desa, is read without it.
    ("desa babatan kec. kadugede", KADUGEDE, "Babatan", []),
    ("Babatan, Kecamatan Kadugede", KADUGEDE, "Babatan", []),
    ("Kel. Babatn kec Kadugede", KADUGEDE, None, ["Babatan"]),
    ("Kadugede, Kab. Kuningan", "32.08", "Kadugede", []),
    ("Babatan Kec. Ciniru", KADUGEDE, None, []),  # another kecamatan's name stays in the name
]


@pytest.mark.parametrize(("typed", "parent", "taken", "offered"), CASES)
async def test_a_typed_region_name(world, typed, parent, taken, offered):
    db, _ = world
    async with db.reading() as repos:
        options = await RegionChoices(repos, []).options(REGIONS, parent, "id")
    found = match_choice(typed, options, multiple=False)
    assert [option.label for option in found.exact] == ([taken] if taken else [])
    if not taken:
        assert [option.label for option in found.suggestions] == offered


async def test_the_districts_take_their_level_word_too(world):
    db, _ = world
    districts = [type("District", (), {"code": "32.08"})()]
    async with db.reading() as repos:
        options = await RegionChoices(repos, districts).options(
            ChoicesFrom(source="districts"), None, "id"
        )
    assert [o.label for o in match_choice("Kab. Kuningan", options, multiple=False).exact] == [
        "Kuningan"
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_takes_kecamatan_and_desa_typed_with_their_level(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    form = app.forms["case_report"]
    asked = ("kecamatan", "desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask"}  # at the kecamatan question
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=sari.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Di kecamatan mana" in said(await send(db, app, sari, channel, command="start"))
    reply = said(await send(db, app, sari, channel, text="Kecamatan Kadugede"))
    assert "✓ Kecamatan: Kadugede" in reply, reply
    reply = said(await send(db, app, sari, channel, text="Kel. Babatan"))
    assert "✓ Desa/Kelurahan: Babatan" in reply, reply
    async with db.reading() as repos:
        session = await repos.forms.active(sari.id)
    assert session is not None
    assert session.state["answers"]["desa"]["name"] == "32.08.01.2006"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_registration_takes_them_too(world, channel):
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    typed = ["Dedi Kurniawan", "081234567890", "PSM", "Kab. Kuningan", "Kec. Kadugede"]
    for text in typed:
        await send(db, app, newcomer, channel, text=text)
    summary = said(await send(db, app, newcomer, channel, text="desa babatan"))
    assert "Kecamatan: Kadugede" in summary and "Desa/Kelurahan: Babatan" in summary, summary


async def _coordinator_at_the_kecamatan(db, app, channel):
    """Ibu Sari, a coordinator, reporting: her report waits at its kecamatan question."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    form = app.forms["case_report"]
    asked = ("kecamatan", "desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=sari.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    await send(db, app, sari, channel, command="start")
    return sari


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", ["Cigugur", "Kel. Cigugur"])
async def test_a_desa_of_another_kecamatan_is_told_where_it_is(world, channel, typed):
    db, app = world
    sari = await _coordinator_at_the_kecamatan(db, app, channel)
    await send(db, app, sari, channel, text="Kadugede")
    told = await send(db, app, sari, channel, text=typed)
    text = said(told)
    assert "<b>Cigugur</b> ada di Kec. Cigugur, bukan di Kec. Kadugede" in text, text
    assert "tidak ada di daftar" not in text and "Di desa/kelurahan mana" in text
    again = await send(db, app, sari, channel, data=button(told, "Ganti kecamatan"))
    assert "Di kecamatan mana" in said(again), said(again)
    await send(db, app, sari, channel, text="Cigugur")
    reply = said(await send(db, app, sari, channel, text=typed))
    assert "✓ Desa/Kelurahan: Cigugur" in reply, reply
    async with db.reading() as repos:
        session = await repos.forms.active(sari.id)
    assert session is not None
    assert session.state["answers"]["kecamatan"]["name"] == "32.08.18"
    assert session.state["answers"]["desa"]["name"] == "32.08.18.1001"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_exact_desa_elsewhere_wins_over_a_close_spelling_here(world, channel):
    """QA walk 10: at Kec. Ciniru's desa, "babatan" (a desa of Kec. Kadugede, and close to
    Ciniru's Rambatan) is told where it is, not offered as "Maksud Bapak/Ibu: Rambatan?";
    "rambatn", a near miss of no desa elsewhere, is still offered to confirm."""
    db, app = world
    sari = await _coordinator_at_the_kecamatan(db, app, channel)
    assert "Di desa/kelurahan mana" in said(await send(db, app, sari, channel, text="Ciniru"))
    told = said(await send(db, app, sari, channel, text="babatan"))
    assert "<b>Babatan</b> ada di Kec. Kadugede, bukan di Kec. Ciniru" in told, told
    assert "Rambatan" not in told.split("Di desa/kelurahan mana")[0], told
    offered = said(await send(db, app, sari, channel, text="rambatn"))
    assert offered.startswith("Maksud Bapak/Ibu: <b>Rambatan</b>?"), offered


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_psm_is_told_the_desa_is_outside_their_kecamatan(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=None)
    form = app.forms["case_report"]
    asked = ("kecamatan", "desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Di desa/kelurahan mana" in said(await send(db, app, ani, channel, command="start"))
    told = await send(db, app, ani, channel, text="Cigugur")
    text = said(told)
    assert "ada di Kec. Cigugur, bukan di Kec. Kadugede" in text, text
    assert "kecamatan Bapak/Ibu" in text and "Ganti kecamatan" not in labels(told)


async def _coordinator_editing_the_desa(db, app, channel):
    """Ibu Sari, a coordinator, at her report's summary (Kec. Kadugede, Desa Babatan), the
    desa chosen to change."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    form = app.forms["case_report"]
    answers = copy.deepcopy({**BEFORE_SIZE, **REST})
    state = {**prefilled_state(form, answers), "phase": "summary", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=sari.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Periksa kembali" in said(await send(db, app, sari, channel, command="start"))
    assert "Di desa/kelurahan mana" in said(await send(db, app, sari, channel, text="desa"))
    return sari


async def _place(db, sari) -> tuple[str, str]:
    async with db.reading() as repos:
        session = await repos.forms.active(sari.id)
    assert session is not None
    answers = session.state["answers"]
    return answers["kecamatan"]["label"], (answers.get("desa") or {}).get("label", "")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("way", ["button", "kembali", "‹ Ke ringkasan"])
async def test_a_desa_elsewhere_while_editing_offers_the_way_back(world, channel, way):
    """QA walk 8: the desa edited from the summary, a desa of two other kecamatan typed: told
    where it is ("Kec. Ciniru dan Kec. Jalaksana"), with the way back to the summary as a
    button and as words; "kembali" was "not listed", a wrong desa the only way out."""
    db, app = world
    sari = await _coordinator_editing_the_desa(db, app, channel)
    told = await send(db, app, sari, channel, text="ciniru")
    text = said(told)
    assert "<b>Ciniru</b> ada di Kec. Ciniru dan Kec. Jalaksana, bukan di Kec. Kadugede" in text
    assert {"Ganti kecamatan", "‹ Ke ringkasan"} <= set(labels(told)), labels(told)
    if way == "button":
        back = await send(db, app, sari, channel, data=button(told, "‹ Ke ringkasan"))
    else:
        back = await send(db, app, sari, channel, text=way)
    summary = said(back)
    assert "Periksa kembali" in summary and "Desa/Kelurahan: Babatan" in summary, summary
    assert "tidak ada di daftar" not in summary
    assert await _place(db, sari) == ("Kadugede", "Babatan")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("way", ["button", "ganti kecamatan"])
async def test_a_desa_elsewhere_while_editing_changes_the_kecamatan(world, channel, way):
    """ "Ganti kecamatan" from the desa being edited: the kecamatan asked, then that
    kecamatan's desa, then the summary again."""
    db, app = world
    sari = await _coordinator_editing_the_desa(db, app, channel)
    told = await send(db, app, sari, channel, text="ciniru")
    if way == "button":
        asked = await send(db, app, sari, channel, data=button(told, "Ganti kecamatan"))
    else:
        asked = await send(db, app, sari, channel, text=way)
    assert "Di kecamatan mana" in said(asked), said(asked)
    desa = said(await send(db, app, sari, channel, text="Ciniru"))
    assert "✓ Kecamatan: Ciniru" in desa and "Di desa/kelurahan mana" in desa, desa
    summary = said(await send(db, app, sari, channel, text="Ciniru"))
    assert "Periksa kembali" in summary and "Desa/Kelurahan: Ciniru" in summary, summary
    assert await _place(db, sari) == ("Ciniru", "Ciniru")
