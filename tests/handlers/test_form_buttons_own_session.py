"""A form's buttons belong to their session. Every session's revision starts at 1, and a
button carried only `f<rev>:<action>`: a button in the message of a finished verification
(of KNG-2026-000001) whose revision equalled the open verification's (of KNG-2026-000002)
answered the open one, the wrong family's check. Now it is refused as any stale button is,
the open question asked again; the open form's own buttons still answer it. On both
channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import Database
from tests.handlers.review_turns import (
    CHECK_QUESTIONS,
    QUICK_CHECK,
    buttons,
    case_version,
    review_world,
    said,
    say,
    tap,
)
from tests.handlers.routed_turns import CHANNELS, button, open_session
from tests.storage.seed_cases import BABATAN, NOW, seed_case

STALE = "Tombol itu sudah tidak berlaku. Ini pertanyaan yang sedang berjalan."


async def _second_case(db: Database, world) -> int:
    """Another case of Bu Ani's in Babatan, waiting for its check as the first one."""
    async with db.transaction() as repos:
        return await seed_case(
            repos,
            reporter=world.psm,
            desa=BABATAN,
            at=NOW - timedelta(hours=20),
            number="KNG-2026-000002",
            people=(("Rudi Hartono", "3208011503180002"),),
        )


async def _open_check(db: Database, app, world, channel: str, case_id: int):
    """Pak Tono taps Verifikasi on a case: its first question, with its buttons."""
    _, version = await case_version(db, case_id)
    asked = await tap(db, app, world.tksk, channel, f"ca:v:{case_id}:{version}")
    assert CHECK_QUESTIONS[0] in said(asked)
    return asked


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_button_of_a_finished_verification_does_not_answer_the_open_one(
    world, channel
) -> None:
    db, app = world
    checks = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    second = await _second_case(db, checks)
    first_asked = await _open_check(db, app, checks, channel, checks.case_id)
    visited_first = button(first_asked, "Dikunjungi langsung")
    for answer in QUICK_CHECK:  # the first case checked and sent, by typing
        await say(db, app, checks.tksk, channel, answer)
    assert (await case_version(db, checks.case_id))[0] == "verified"

    second_asked = await _open_check(db, app, checks, channel, second)
    open_check = await open_session(db, checks.tksk)
    assert open_check.form_id == "verification"
    assert open_check.state["context"]["case_id"] == second

    old = await tap(db, app, checks.tksk, channel, visited_first)  # in the first case's message
    assert said(old).startswith(STALE)
    assert CHECK_QUESTIONS[0] in said(old), "the open question is asked again"
    after = await open_session(db, checks.tksk)
    assert after.id == open_check.id
    assert "method" not in after.state["answers"], "the first case's button answered nothing"

    # The open check's own buttons, those asked again and those of its first message, answer.
    own = button(second_asked, "Telepon/perangkat")
    assert own not in buttons(first_asked)
    assert button(old, "Telepon/perangkat") != own, "asked again: a newer revision"
    answered = await tap(db, app, checks.tksk, channel, button(old, "Telepon/perangkat"))
    assert "Apa hasilnya?" in said(answered)
    assert (await open_session(db, checks.tksk)).state["answers"]["method"]["name"] == "remote"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_button_of_a_deleted_verification_does_not_answer_the_next_one(
    world, channel
) -> None:
    """The first check sent and the retention deleting it (the newest session there): the
    next session gets another id (migration 0031), so the deleted one's buttons, still in the
    chat, are refused though their revision is the open one's."""
    db, app = world
    checks = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    second = await _second_case(db, checks)
    first_asked = await _open_check(db, app, checks, channel, checks.case_id)
    first = await open_session(db, checks.tksk)
    for answer in QUICK_CHECK:
        await say(db, app, checks.tksk, channel, answer)
    async with db.transaction() as repos:
        assert await repos.retention.delete_finished_sessions(NOW + timedelta(days=1)) == 1
        assert await repos.forms.get(first.id) is None

    await _open_check(db, app, checks, channel, second)
    open_check = await open_session(db, checks.tksk)
    assert open_check.id > first.id and open_check.rev == first.rev  # asked at the same rev

    old = await tap(db, app, checks.tksk, channel, button(first_asked, "Dikunjungi langsung"))
    assert said(old).startswith(STALE)
    assert "method" not in (await open_session(db, checks.tksk)).state["answers"]
