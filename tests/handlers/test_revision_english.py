"""A correction opened in English of a report made in Indonesian (QA walk 9): its summary
names the options chosen in English, as the case's page does (answers keep the label they were
picked in; the summary reads the form's label by code), and /batal names the English button
to open it again. On both channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.events import InboundKind
from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import said, say, send, tap
from tests.handlers.test_unchanged_revision import CHANNELS, NUMBER, db, sent_back
from tests.storage.seed_cases import NOW

__all__ = ["db"]  # the fixture


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_english_correction_shows_english_options(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await sent_back(db, app, channel)
    async with db.transaction() as repos:
        psm = await repos.users.update(world.psm.id, now=NOW, language="en")

    opened = said(await tap(db, app, psm, channel, f"rv:{world.case_id}"))
    assert opened.startswith(f"Correcting report <b>{NUMBER}</b>.")
    for line in (
        "6. Relation (1): Child",
        "14. Categories: Unfit housing",
        "17. Consent: Family head",
        "18. Consent method: Spoken",
        "21. Urgency: Normal",
    ):
        assert line in opened
    for indonesian in ("Anak", "Kepala keluarga", "Lisan", "Biasa", "Rumah tidak layak"):
        assert indonesian not in opened

    asked = await send(db, app, psm, channel, kind=InboundKind.COMMAND, command="batal")
    assert f"Cancel the correction of report <b>{NUMBER}</b>?" in said(asked)
    done = said(await say(db, app, psm, channel, "yes"))
    assert f"open it again from /laporan_saya, button <b>Correct {NUMBER}</b>" in done
    assert "Perbaiki" not in done
