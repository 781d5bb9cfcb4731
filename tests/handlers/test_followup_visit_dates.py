"""A follow-up visit is not before its case was reported (local date), and the visit form's
examples are answers its questions take (worked out from today: followup_visit version 3);
a draft of version 2 finishes on version 2's rules. On both channels."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import buttons, case_version, review_world, said, say, tap
from tests.storage.seed_cases import NOW, open_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V2 = load_form(FIXTURES / "followup_visit_v2.yaml")
TODAY = date(2026, 11, 29)  # NOW's local date (10.00 WIB)
EXAMPLE = re.compile(r"contoh: (\d{2}-\d{2}-\d{4})")
BEFORE_REPORT = "Kunjungan tidak mungkin sebelum laporannya diterima"
CHANNELS = ["telegram", "whatsapp"]


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")  # stores the current version
    async with database.transaction() as repos:
        await repos.forms.save_definition(V2.id, V2.version, V2.model_dump(mode="json"))
    yield database
    await database.close()


async def visits(db: Database, case_id: int) -> list[tuple[str, str | None]]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT visited_on, next_visit_on FROM case_visits WHERE case_id = ?", (case_id,)
        ) as cursor,
    ):
        return [(row[0], row[1]) for row in await cursor.fetchall()]


def example_of(text: str) -> str:
    found = EXAMPLE.search(text)
    assert found, text
    return found[1]


async def send_summary(db, app, user, channel, summary) -> None:
    [submit] = [data for data in buttons(summary) if data.endswith(":ok")]
    done = await tap(db, app, user, channel, submit)
    assert "Kunjungan" in said(done) or "tindak lanjut" in said(done).lower()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_visit_before_the_report_is_asked_again_and_the_examples_are_taken(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    reported = NOW - timedelta(days=9)  # 20-11-2026
    world = await review_world(db, channel, reported_at=reported, state="approved")
    tksk, case_id = world.tksk, world.case_id
    _, version = await case_version(db, case_id)

    asked = await tap(db, app, tksk, channel, f"ca:f:{case_id}:{version}")
    assert "Kapan kunjungannya?" in said(asked)
    question = said(await say(db, app, tksk, channel, "Tanggal lain"))
    assert "Dari 20-11-2026 (tanggal laporan) sampai hari ini" in question
    example = example_of(question)
    assert date(2026, 11, 20) <= date.fromisoformat("-".join(example.split("-")[::-1])) <= TODAY

    for before in ("1-1-2020", "19-11-2026"):
        refused = said(await say(db, app, tksk, channel, before))
        assert refused.startswith("⚠️ " + BEFORE_REPORT + " (20-11-2026)"), refused
        assert "Tanggal kunjungan?" in refused  # the question again
    taken = said(await say(db, app, tksk, channel, example))
    assert "Apa yang dilakukan saat kunjungan?" in taken

    next_question = said(await say(db, app, tksk, channel, "Rujukan ke puskesmas"))
    next_example = example_of(next_question)
    summary = await say(db, app, tksk, channel, next_example)
    assert "Periksa kembali" in said(summary)
    await send_summary(db, app, tksk, channel, summary)

    def iso(typed: str) -> str:
        return "-".join(typed.split("-")[::-1])

    assert await visits(db, case_id) == [(iso(example), iso(next_example))]
    assert await case_version(db, case_id) == ("in_follow_up", version + 1)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_reported_today_was_not_visited_yesterday(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(hours=1), state="approved")
    tksk, case_id = world.tksk, world.case_id
    _, version = await case_version(db, case_id)

    await tap(db, app, tksk, channel, f"ca:f:{case_id}:{version}")
    refused = said(await say(db, app, tksk, channel, "Kemarin"))
    assert refused.startswith("⚠️ Laporan ini baru diterima tanggal 29-11-2026"), refused
    assert "Kapan kunjungannya?" in refused
    question = said(await say(db, app, tksk, channel, "Tanggal lain"))
    assert example_of(question) == "29-11-2026"  # the only day it may have been
    assert BEFORE_REPORT in said(await say(db, app, tksk, channel, "28-11-2026"))
    assert "Apa yang dilakukan" in said(await say(db, app, tksk, channel, "29-11-2026"))
    await say(db, app, tksk, channel, "Rujukan ke puskesmas")
    summary = await say(db, app, tksk, channel, "Lewati")
    await send_summary(db, app, tksk, channel, summary)
    assert await visits(db, case_id) == [("2026-11-29", None)]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_version_2_visit_draft_finishes_on_version_2(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["followup_visit"].version > V2.version
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=9), state="approved")
    tksk, case_id = world.tksk, world.case_id
    _, version = await case_version(db, case_id)
    # Started before the upgrade: its context has no report date, it waits at the date.
    state = {
        **new_state(),
        "answers": {"visit_day": {"name": "other", "label": "Tanggal lain"}},
        "context": {"case_id": case_id, "action": "follow_up", "version": version},
    }
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=tksk.id, form_id=V2.id, form_version=V2.version, state=state, now=NOW
        )

    assert "Apa yang dilakukan" in said(await say(db, app, tksk, channel, "1-1-2020"))
    await say(db, app, tksk, channel, "Rujukan ke puskesmas")
    summary = await say(db, app, tksk, channel, "Lewati")
    await send_summary(db, app, tksk, channel, summary)
    assert await visits(db, case_id) == [("2020-01-01", None)]
