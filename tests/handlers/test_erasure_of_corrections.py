"""Erasing a person (`psm-bot subject erase`) ends the unfinished correction of their case
(code review 14): a correction left half-done keeps the case's answers (the description),
and a photo sent there is on disk only for it; erased, the session goes and the photo with
it, and the correction is no longer offered. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import Database
from tests.handlers.routed_turns import CHANNELS, said, send
from tests.handlers.test_correction_photos import _sent_back_with_a_photo, _stored
from tests.handlers.test_erasure_of_checks import AYU_NIK
from tests.storage.seed_cases import BABATAN, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _unfinished(db: Database, user_id: int) -> list[int]:
    async with db.reading() as repos:
        return [s.id for s in await repos.forms.of_user(user_id, ("active", "paused"))]


async def test_a_correction_left_goes_with_its_photo(world, channel) -> None:
    db, app = world
    first, second = await _stored(app.media_dir, 1), await _stored(app.media_dir, 2)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    await send(db, app, psm, channel, text="Foto")
    assert "Sudah ada 2 foto" in said(await send(db, app, psm, channel, photo=second))
    await send(db, app, psm, channel, command="batal")  # left paused, holding `second`
    assert len(await _unfinished(db, psm.id)) == 1

    async with db.transaction() as repos:
        report = await repos.erasure.erase(AYU_NIK)

    assert await _unfinished(db, psm.id) == []
    assert second in report.photos_removed and first in report.photos_removed
    assert report.sessions_deleted >= 1
    listed = said(await send(db, app, psm, channel, command="draf"))
    assert "Perbaikan yang belum dikirim" not in listed


async def test_another_case_keeps_its_correction(world, channel) -> None:
    """A correction of a case about somebody else stays, with its photo."""
    db, app = world
    first, second = await _stored(app.media_dir, 1), await _stored(app.media_dir, 2)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    await send(db, app, psm, channel, text="Foto")
    await send(db, app, psm, channel, photo=second)
    async with db.transaction() as repos:
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000002", people=(("Budi Santoso", "3208011204150002"),),
        )  # fmt: skip
        report = await repos.erasure.erase("3208011204150002")

    assert len(await _unfinished(db, psm.id)) == 1
    assert second not in report.photos_removed and first not in report.photos_removed
