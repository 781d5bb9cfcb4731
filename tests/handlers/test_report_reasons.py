"""The case report's reasons (no KK, no NIK, no location, not in school) take 3 letters at
least from version 13 (QA walk 10): "1" skips the location, and a second "1" at "Mengapa lokasi
tidak dikirim?" (no buttons there) reached the case as "Alasan tanpa lokasi: 1". From version
14 those are 3 LETTERS (any script), as every "minimal 3 huruf" note of the other forms: "111"
or "..." is no reason. A draft begun on version 12 or 13 keeps its own rule. On both channels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers.forms.expr import EvalContext
from handlers.forms.loading import load_form, load_forms
from handlers.forms.state import new_state
from storage.models import Role
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.review_turns import said, say
from tests.handlers.routed_turns import CHANNELS, active_session, person
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V12 = load_form(FIXTURES / "case_report_v12.yaml")
V13 = load_form(FIXTURES / "case_report_v13.yaml")
AT_LOCATION = {k: v for k, v in BEFORE_SIZE.items() if k not in ("gps", "categories")}
AT_KK = {"head_name": "Slamet Riyadi"}
REASONS = ("no_kk_reason", "member_nik_reason", "gps_reason", "ats_reason")
# (typed, taken): digits or punctuation are no reason, however many; three letters of any
# script are
TYPED = [
    ("1", False),
    ("12", False),
    ("111", False),
    ("...", False),
    ("ok!", False),
    ("a1b2", False),
    ("KK hilang", True),
    ("ibu", True),
    ("病気だ", True),
]
# Every other "minimal 3 huruf" note: (form, question)
NOTES = [
    ("review_note", "correction"),
    ("review_note", "rejection"),
    ("review_note", "note"),
    ("followup_visit", "actions"),
    ("verification", "difference"),
    ("verification", "note"),
    ("revision_unchanged", "explanation"),
    ("training_absence", "reason_text"),
]


async def _report_at(db, channel, answers, *, version=None):
    """A PSM whose case report waits at the first question after `answers`."""
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = {12: V12, 13: V13}.get(version) or load_forms()["case_report"]
    async with db.transaction() as repos:
        await repos.forms.save_definition(form.id, form.version, form.model_dump(mode="json"))
        await repos.forms.start(
            user_id=psm.id,
            form_id="case_report",
            form_version=form.version,
            state={**new_state(), "answers": dict(answers), "closed": ["members"]},
            now=NOW,
        )
    return psm


@pytest.mark.parametrize("name", REASONS)
@pytest.mark.parametrize(("typed", "taken"), TYPED)
def test_every_reason_takes_three_letters_at_least(name: str, typed: str, taken: bool):
    question = load_forms()["case_report"].question(name)
    constraint = question.parsed("constraint")
    assert constraint is not None, name
    assert constraint.truthy(EvalContext(values={}, current=typed)) is taken
    assert "minimal 3 huruf, misalnya:" in question.constraint_message["id"]
    assert "3 letters" in question.constraint_message["en"]


@pytest.mark.parametrize(("form_id", "name"), NOTES)
@pytest.mark.parametrize(("typed", "taken"), TYPED)
def test_every_note_takes_three_letters_at_least(form_id: str, name: str, typed: str, taken: bool):
    question = load_forms()[form_id].question(name)
    constraint = question.parsed("constraint")
    assert constraint is not None, name
    assert constraint.truthy(EvalContext(values={}, current=typed)) is taken
    assert "minimal 3 huruf" in question.constraint_message["id"]
    assert "3 letters" in question.constraint_message["en"], question.constraint_message


@pytest.mark.parametrize("channel", CHANNELS)
async def test_one_at_the_location_then_one_as_its_reason_is_refused(world, channel):
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION)
    skipped = said(await say(db, app, psm, channel, "1"))
    assert "✓ Lokasi: (dilewati)" in skipped and "Mengapa lokasi tidak dikirim?" in skipped
    refused = said(await say(db, app, psm, channel, "1"))
    assert "Mohon tulis alasannya minimal 3 huruf, misalnya: sinyal GPS lemah." in refused
    assert "Mengapa lokasi tidak dikirim?" in refused, refused  # asked again
    session = await active_session(db, psm)
    assert session is not None and "gps_reason" not in session.state["answers"]
    taken = said(await say(db, app, psm, channel, "sinyal lemah"))
    assert "✓ Alasan tanpa lokasi: sinyal lemah" in taken, taken
    assert "Apa masalahnya?" in taken, taken


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_digit_as_the_reason_for_no_kk_is_refused(world, channel):
    db, app = world
    psm = await _report_at(db, channel, AT_KK)
    asked = said(await say(db, app, psm, channel, "Tidak tahu"))
    assert "Mengapa nomor KK tidak bisa diisi?" in asked, asked
    refused = said(await say(db, app, psm, channel, "2"))
    assert "Mohon tulis alasannya minimal 3 huruf, misalnya: KK hilang." in refused, refused
    assert "Mengapa nomor KK tidak bisa diisi?" in refused, refused


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_begun_on_version_12_takes_a_short_reason(world, channel):
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION, version=12)
    await say(db, app, psm, channel, "1")
    taken = said(await say(db, app, psm, channel, "1"))
    assert "✓ Alasan tanpa lokasi: 1" in taken and "Apa masalahnya?" in taken, taken


@pytest.mark.parametrize("channel", CHANNELS)
async def test_three_digits_or_dots_as_a_reason_are_refused(world, channel):
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION)
    await say(db, app, psm, channel, "1")
    for typed in ("111", "..."):
        refused = said(await say(db, app, psm, channel, typed))
        assert "Mohon tulis alasannya minimal 3 huruf, misalnya: sinyal GPS lemah." in refused
        assert "Mengapa lokasi tidak dikirim?" in refused, refused  # asked again
    session = await active_session(db, psm)
    assert session is not None and "gps_reason" not in session.state["answers"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_begun_on_version_13_takes_three_digits(world, channel):
    db, app = world
    psm = await _report_at(db, channel, AT_LOCATION, version=13)
    await say(db, app, psm, channel, "1")
    taken = said(await say(db, app, psm, channel, "111"))
    assert "✓ Alasan tanpa lokasi: 111" in taken and "Apa masalahnya?" in taken, taken


def test_version_15_changes_only_the_not_in_school_reasons_english_short_label():
    """A draft on version 14 finishes on it (kept as a fixture): only the short English label
    of the reason not in school (the spreadsheet's header) differs (QA walk 12)."""
    v14 = load_form(FIXTURES / "case_report_v14.yaml")
    v15 = load_form(FIXTURES / "case_report_v15.yaml")
    assert (v14.version, v15.version) == (14, 15)
    assert v14.question("ats_reason").short == {"id": "Alasan tak sekolah", "en": "Reason"}
    assert v15.question("ats_reason").short["en"] == "Reason not in school"
    older = v14.model_dump(mode="json")
    newer = v15.model_dump(mode="json")
    assert json.dumps(older).replace('"Reason"', '"Reason not in school"') == json.dumps(
        {**newer, "version": 14}
    )
