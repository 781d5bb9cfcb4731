"""A case category has one name wherever it is read: the case report's option label, the one
the reporter picked. The reviewer's case page, the reporter's own page and /statistik said
"Sulit akses kesehatan" and "ODGJ" (a catalogue of their own) while the form, the change list
and the notices said "Sulit akses berobat" and "ODGJ (gangguan jiwa)"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.events import InboundKind
from handlers.forms.option_labels import categories_named, category_names
from handlers.i18n import Catalog
from tests.handlers.chat_turns import app_context, run_background
from tests.handlers.review_turns import review_world, said, send, tap
from tests.handlers.routed_turns import CHANNELS
from tests.storage.seed_cases import NOW

PICKED = ("sulit_akses_kesehatan", "odgj")
NAMES = "Sulit akses berobat, ODGJ (gangguan jiwa)"  # the form's labels, as picked
OTHER_NAMES = ("Sulit akses kesehatan", "Rumah tidak layak huni")


def test_the_form_is_the_only_source_of_category_names(tmp_path) -> None:
    app = app_context(tmp_path / "media")
    labels = {
        choice.name: choice.label["id"]
        for question in app.forms["case_report"].questions()
        if question.name == "categories"
        for choice in question.choices
    }
    assert category_names(app.forms, "id") == labels
    assert categories_named(app.forms, "id", PICKED) == NAMES
    assert categories_named(app.forms, "en", PICKED) == "No health access, Mental illness"
    catalog = Catalog.load()
    assert not any(key.startswith("categories.") for key in catalog.texts["id"])


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_pages_and_statistics_name_categories_as_the_form(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1), categories=PICKED)
    reviewer_page = said(await tap(db, app, people.tksk, channel, f"cs:{people.case_id}"))
    reporter_page = said(await tap(db, app, people.psm, channel, f"mc:{people.case_id}"))
    for page in (reviewer_page, reporter_page):
        assert "Kategori: ODGJ (gangguan jiwa), Sulit akses berobat" in page, page
        assert not any(name in page for name in OTHER_NAMES)
    turn = await send(
        db, app, people.coordinator, channel, kind=InboundKind.COMMAND, command="statistik"
    )
    statistics = "\n".join(reply.text or "" for reply in await run_background(db, turn))
    assert "Sulit akses berobat" in statistics and "Sulit akses kesehatan" not in statistics
