"""/bimtek_baru's audience options follow /siaran's order (version 2 of the training form), so
"1" typed on WhatsApp or the first button means the same audience in both; a draft begun on
version 1 keeps version 1's options, and its first option is still the one it showed."""

from __future__ import annotations

from pathlib import Path

from handlers.forms.loading import load_form, load_forms
from handlers.forms.runner import resume_form, step_form
from handlers.forms.state import new_state
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, button_data, labels, person, turn
from tests.storage.seed_cases import open_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V1 = load_form(FIXTURES / "training_v1.yaml")
# A coordinator's answers up to the audience question.
BEFORE_AUDIENCE = {
    "title": "Pendataan PPKS",
    "venue_name": "Aula",
    "venue_address": "Jl. Siliwangi 88",
    "venue_location": None,
    "days": [{"day_date": "2026-12-08", "start_time": "08.00", "end_time": "12.00"}],
}


def _choices(form_id: str) -> list[str]:
    form = load_forms()[form_id]
    return [choice.name for choice in form.question("audience").choices]


def test_the_audiences_come_in_the_order_of_siaran():
    broadcast = _choices("broadcast")
    training = _choices("training")
    assert [name for name in training if name in broadcast] == [
        name for name in broadcast if name in training
    ]
    assert training[0] == "all"


async def test_a_version_1_draft_keeps_its_own_order(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")  # stores the current version
    try:
        async with db.transaction() as repos:
            await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
        current = load_forms()["training"].version
        assert current > V1.version
        firsts = ((V1.version, "Semua PSM", "psm"), (current, "Semua PSM & TKSK", "all"))
        for version, label, name in firsts:
            async with db.transaction() as repos:
                state = {**new_state(), "answers": dict(BEFORE_AUDIENCE), "closed": ["days"]}
                session = await repos.forms.start(
                    user_id=sari.id,
                    form_id="training",
                    form_version=version,
                    state=state,
                    now=at(1, 9),
                )
                shown = await turn(app, repos, sari, at(1, 9), text="x")
                await resume_form(shown, session)
                first = button_data(shown)[0]
                tapped = await turn(app, repos, sari, at(1, 9), data=first)
                await step_form(tapped, await repos.forms.get(session.id))
                answered = (await repos.forms.get(session.id)).state["answers"]["audience"]
            assert labels(shown)[0] == label, version
            assert answered["name"] == name, version
    finally:
        await db.close()
