"""A correction of a case whose stored answers miss some (a case from an older form version,
imported or seeded, answers blanked since) asks the missing ones first, saying why: the
question shown is the one the form is at, so its buttons and a typed answer answer it (QA saw
"Tombol itu sudah tidak berlaku" for every tap, and "Ketik kirim…" for "Anak" typed, while
the engine sat at a summary it had not shown). On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.handlers.review_turns import ReviewWorld, review_world
from tests.handlers.routed_turns import CHANNELS, active_session, button, said, send
from tests.storage.seed_cases import NOW

NUMBER = "KNG-2026-000001"
RELATION = "Apa hubungannya dengan kepala keluarga?"
MISSING = "ℹ️ Ada jawaban yang belum terisi. Mohon lengkapi dulu"
STALE = "Tombol itu sudah tidak berlaku"


async def _opened(world, channel: str) -> tuple[ReviewWorld, str]:
    """A case whose answers lack the member's relation (and more: `seed_case` keeps only a
    few), sent back by its TKSK, opened for correction by the PSM: the screen's text."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    await send(db, app, people.tksk, channel, data=f"ca:b:{people.case_id}:1")
    await send(db, app, people.tksk, channel, text="Foto belum ada, mohon tambah foto rumah")
    opened = await send(db, app, people.psm, channel, data=f"rv:{people.case_id}")
    return people, opened


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_missing_answer_is_asked_with_why_and_its_buttons_answer_it(
    world, channel: str
) -> None:
    db, app = world
    people, opened = await _opened(world, channel)
    text = said(opened)
    assert f"Perbaikan laporan <b>{NUMBER}</b>" in text
    # Under the heading and the note: why a question comes instead of the summary.
    assert text.index("Catatan dari TKSK") < text.index(MISSING) < text.index(RELATION)
    session = await active_session(db, people.psm)
    assert session is not None and session.state["phase"] == "ask"

    tapped = await send(db, app, people.psm, channel, data=button(opened, "Anak"))
    answered = said(tapped)
    assert STALE not in answered and "✓ Hubungan" in answered and ": Anak" in answered
    assert RELATION not in answered  # on to the next missing question
    session = await active_session(db, people.psm)
    assert session is not None
    assert session.state["answers"]["members"][0]["member_relation"]["name"] == "anak"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_missing_answer_typed_is_taken(world, channel: str) -> None:
    db, app = world
    people, _ = await _opened(world, channel)
    typed = said(await send(db, app, people.psm, channel, text="Anak"))
    assert "Ketik <b>kirim</b>" not in typed and "✓ Hubungan" in typed
    session = await active_session(db, people.psm)
    assert session is not None
    assert session.state["answers"]["members"][0]["member_relation"]["name"] == "anak"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_saved_at_its_summary_before_the_fix_answers_the_question_shown(
    world, channel: str
) -> None:
    """A correction opened by the earlier code kept "summary" as its phase while it showed
    the missing question: taken up so, the question's buttons answer it."""
    db, app = world
    people, opened = await _opened(world, channel)
    session = await active_session(db, people.psm)
    assert session is not None
    async with db.transaction() as repos:
        await repos.forms.note(session.id, state={**session.state, "phase": "summary"}, now=NOW)
    tapped = said(await send(db, app, people.psm, channel, data=button(opened, "Anak")))
    assert STALE not in tapped and "✓ Hubungan" in tapped
