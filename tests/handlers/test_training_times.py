"""A training's times are taken as people write them ("jam 8 pagi" was refused as "too long
(10 huruf)", and "8" as not a time): /bimtek_baru's and the reschedule's time questions
are of type time; a reschedule draft begun on version 1 keeps version 1's rule. Since version
3 an end time at or before the start is asked again at its question (version 2 found it only
at the summary), and the day's example is a date a week from today."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.forms.loading import load_form, load_forms
from handlers.forms.runner import resume_form, step_form
from handlers.forms.state import new_state
from handlers.trainings import reschedule  # noqa: F401  (registers both forms' hooks)
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, person, texts, turn
from tests.storage.seed_cases import open_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
RESCHEDULE_V1 = load_form(FIXTURES / "training_reschedule_v1.yaml")
V2 = {name: load_form(FIXTURES / f"{name}_v2.yaml") for name in ("training", "training_reschedule")}
DAY = {"day_date": "2026-12-08"}


async def _answer_start_time(
    tmp_path,
    form_id: str,
    version: int,
    typed: str,
    zone: str = "Asia/Jakarta",
    *,
    start: str | None = None,
):
    """The start time's answer (None if refused) and what the bot said; with `start` given,
    the day already has that start and `typed` answers its end time (returned instead)."""
    app = dataclasses.replace(app_context(tmp_path / "media"), timezone=ZoneInfo(zone))
    db = await open_database(tmp_path / "psm.db")  # stores the current versions
    try:
        async with db.transaction() as repos:
            for earlier in (RESCHEDULE_V1, *V2.values()):
                await repos.forms.save_definition(
                    earlier.id, earlier.version, earlier.model_dump(mode="json")
                )
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            day = dict(DAY) if start is None else {**DAY, "start_time": start}
            answers = {"days": [day]}
            if form_id == "training":
                answers = {
                    "title": "Pendataan PPKS",
                    "venue_name": "Aula",
                    "venue_address": "Jl. Siliwangi 88",
                    "venue_location": None,
                    **answers,
                }
            session = await repos.forms.start(
                user_id=sari.id,
                form_id=form_id,
                form_version=version,
                state={**new_state(), "answers": answers},
                now=at(1, 9),
            )
            asked = await turn(app, repos, sari, at(1, 9), text="x")
            await resume_form(asked, session)
            question = "Mulai pukul berapa" if start is None else "Selesai pukul berapa"
            assert question in texts(asked)[-1]
            if version > 1:  # the zone the times are in, as the deployment's
                assert f"({app.zone_name})" in texts(asked)[-1]
            typed_turn = await turn(app, repos, sari, at(1, 9), text=typed)
            await step_form(typed_turn, await repos.forms.get(session.id))
            state = (await repos.forms.get(session.id)).state
        asked_for = "start_time" if start is None else "end_time"
        return state["answers"]["days"][0].get(asked_for), "\n".join(texts(typed_turn))
    finally:
        await db.close()


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("jam 8 pagi", "08:00"), ("8", "08:00"), ("13.30", "13:30"), ("jam 2 siang", "14:00")],
)
async def test_times_as_people_write_them(tmp_path, form_id: str, typed: str, stored: str):
    version = load_forms()[form_id].version
    answer, said = await _answer_start_time(tmp_path, form_id, version, typed)
    assert answer == stored
    assert f"Mulai: {stored.replace(':', '.')}" in said


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
async def test_an_impossible_time_is_asked_again(tmp_path, form_id: str):
    version = load_forms()[form_id].version
    answer, said = await _answer_start_time(tmp_path, form_id, version, "jam 25")
    assert answer is None
    assert "Jam itu tidak ada" in said and "Mulai pukul berapa" in said


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
async def test_the_times_are_asked_in_the_deployments_zone(tmp_path, form_id: str):
    """A district in WITA was asked for times "(WIB)"."""
    version = load_forms()[form_id].version
    answer, said = await _answer_start_time(tmp_path, form_id, version, "8", "Asia/Makassar")
    assert answer == "08:00" and "Selesai pukul berapa (WITA)?" in said


async def test_a_version_1_reschedule_draft_keeps_its_rule(tmp_path):
    assert load_forms()["training_reschedule"].version > RESCHEDULE_V1.version
    answer, said = await _answer_start_time(
        tmp_path, "training_reschedule", RESCHEDULE_V1.version, "jam 8 pagi"
    )
    assert answer is None and "Mulai pukul berapa" in said


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
@pytest.mark.parametrize("typed", ["07.00", "jam 8 pagi", "6"])
async def test_an_end_at_or_before_the_start_is_asked_again_at_once(
    tmp_path, form_id: str, typed: str
):
    version = load_forms()[form_id].version
    answer, said = await _answer_start_time(tmp_path, form_id, version, typed, start="08:00")
    assert answer is None
    assert "Jam selesai harus sesudah jam mulai" in said and "Selesai pukul berapa" in said
    later, said = await _answer_start_time(tmp_path, form_id, version, "12", start="08:00")
    assert later == "12:00" and "Selesai: 12.00" in said


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
async def test_a_version_2_draft_leaves_the_end_to_its_summary(tmp_path, form_id: str):
    answer, said = await _answer_start_time(tmp_path, form_id, 2, "07.00", start="08:00")
    assert answer == "07:00" and "Jam selesai harus" not in said


@pytest.mark.parametrize("form_id", ["training", "training_reschedule"])
async def test_the_day_example_is_a_week_ahead(tmp_path, form_id: str):
    """Asked on 1 Dec 2026 (`at(1, 9)`), the day's example is 8 Dec, a date it takes."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            answers = {"days": [{}]}
            if form_id == "training":
                answers = {"title": "Pendataan PPKS", "venue_name": "Aula", **answers}
                answers |= {"venue_address": "Jl. Siliwangi 88", "venue_location": None}
            session = await repos.forms.start(
                user_id=sari.id,
                form_id=form_id,
                form_version=load_forms()[form_id].version,
                state={**new_state(), "answers": answers},
                now=at(1, 9),
            )
            asked = await turn(app, repos, sari, at(1, 9), text="x")
            await resume_form(asked, session)
            assert "Tanggal pelaksanaan? (contoh: 8-12-2026)" in texts(asked)[-1]
            taken = await turn(app, repos, sari, at(1, 9), text="8-12-2026")
            await step_form(taken, await repos.forms.get(session.id))
            assert "Mulai pukul berapa" in texts(taken)[-1]
    finally:
        await db.close()


async def _reschedule_deadline(tmp_path, version: int, typed: str) -> tuple[object, str, list]:
    """A reschedule (form `version`) with one new day on Tuesday 8 December, at its answer
    deadline: the stored deadline after `typed` (None if refused), what was said, and the
    buttons under the question as first asked."""
    db = await open_database(tmp_path / "psm.db")
    try:
        app = app_context(tmp_path / "media")
        async with db.transaction() as repos:
            v3 = load_form(FIXTURES / "training_reschedule_v3.yaml")
            await repos.forms.save_definition(v3.id, v3.version, v3.model_dump(mode="json"))
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            day = {**DAY, "start_time": "08:00", "end_time": "12:00"}
            session = await repos.forms.start(
                user_id=sari.id,
                form_id="training_reschedule",
                form_version=version,
                state={**new_state(), "answers": {"days": [day]}},
                now=at(1, 9),
            )
            another = await turn(app, repos, sari, at(1, 9), text="x")
            await resume_form(another, session)
            assert "Tambah hari lain?" in texts(another)[-1], texts(another)
            asked = await turn(app, repos, sari, at(1, 9), text="tidak")
            await step_form(asked, await repos.forms.get(session.id))
            assert "Sampai tanggal berapa" in texts(asked)[-1], texts(asked)
            offered = [b.label for reply in asked.replies for row in reply.buttons for b in row]
            typed_turn = await turn(app, repos, sari, at(1, 9), text=typed)
            await step_form(typed_turn, await repos.forms.get(session.id))
            state = (await repos.forms.get(session.id)).state
        return state["answers"].get("rsvp_deadline"), "\n".join(texts(typed_turn)), offered
    finally:
        await db.close()


async def test_the_reschedule_deadline_is_suggested_and_a_late_one_refused_at_once(tmp_path):
    """Version 4: the day before the first new day is offered, and a deadline on that day is
    asked again at once (version 3 found it only at the summary)."""
    assert load_forms()["training_reschedule"].version == 4
    stored, said, offered = await _reschedule_deadline(tmp_path, 4, "8-12-2026")
    assert stored is None and "paling lambat Senin, 07-12-2026" in said
    assert "✓ Senin, 07-12-2026" in offered


async def test_a_version_3_reschedule_draft_keeps_its_deadline_question(tmp_path):
    stored, _, offered = await _reschedule_deadline(tmp_path, 3, "8-12-2026")
    assert stored == "2026-12-08"  # left to the summary, as it was
    assert not [label for label in offered if label.startswith("✓")]
