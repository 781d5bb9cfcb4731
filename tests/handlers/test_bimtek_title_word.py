"""A title that begins with "Bimtek" is not said as "bimtek Bimtek ...": every text naming a
training with the word before it takes `training_names`, which leaves the word off for such a
title (in each language, its own word)."""

from __future__ import annotations

import re

import pytest

from handlers.trainings import common
from handlers.trainings.common import schedule_stamp
from handlers.trainings.page import page_button
from handlers.trainings.rsvp import answer
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, new_training, person, plain, texts, turn
from tests.storage.seed_cases import open_database

DOUBLED = re.compile(r"\b(bimtek|training)\W+\1\b", re.IGNORECASE)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("title", ["Bimtek Pendataan Stunting", "Training: PPKS data"])
def test_no_text_doubles_the_word(tmp_path, language, title):
    app = app_context(tmp_path / "media")
    keys = [
        key
        for key, text in app.catalog.texts[language].items()
        if "{training}" in text or "{Training}" in text
    ]
    assert len(keys) >= 20  # the texts that name a training with its word
    for key in keys:
        fields = {
            name: "1"
            for name in re.findall(r"\{(\w+)\}", app.catalog.texts[language][key])
            if name not in ("training", "Training")
        }
        text = plain(
            app.catalog.text(language, key, **fields, **common.training_names(app, language, title))
        )
        assert not DOUBLED.search(text), (key, text)
        assert title in text, (key, text)


def test_a_title_without_the_word_gets_it(tmp_path):
    app = app_context(tmp_path / "media")
    names = common.training_names(app, "id", "Pendataan PPKS & DTKS")
    assert names["training"] == "bimtek Pendataan PPKS &amp; DTKS"
    assert names["Training"] == "Bimtek Pendataan PPKS &amp; DTKS"
    assert common.training_names(app, "id", "BIMTEK: Pendataan")["training"] == "BIMTEK: Pendataan"


async def test_the_notices_of_a_bimtek_titled_training(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            training_id = await new_training(
                repos, sari, [(at(8, 8), at(8, 12))], title="Bimtek Pendataan Stunting"
            )
            await repos.trainings.invite(training_id, [ani.id], at(1, 9))
        async with db.transaction() as repos:
            days = await repos.trainings.days(training_id)
            data = f"tr:{training_id}:a:{schedule_stamp(days)}"
            yes = await turn(app, repos, ani, at(2, 9), data=data)
            await answer(yes, data)
            cancel = await turn(app, repos, sari, at(2, 10), data=f"tp:{training_id}:kk")
            await page_button(cancel, f"tp:{training_id}:kk")
            rows = await repos.outbox.for_user(ani.id)
        said = texts(yes) + texts(cancel) + [plain(row.message.get("text")) for row in rows]
        assert "akan hadir di Bimtek Pendataan Stunting" in said[0]
        assert any("Bimtek Pendataan Stunting (Selasa" in text for text in said)
        assert not any(DOUBLED.search(text) for text in said), said
    finally:
        await db.close()
