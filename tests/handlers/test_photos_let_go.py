"""A photo no case and no unfinished form shows goes from disk (UU PDP: pictures of families
and children; review 6, finding 1): the photos of a report dropped (/batal) or expired go
with it, unless a case or another draft shows the same file (files are named by content)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.media import store_photo
from handlers.draft_expiry import expire_drafts
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.e2e.reports import photo_with_exif
from tests.handlers.forms.report_answers import AT_PHOTOS, AT_PHOTOS_STATE
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _stored(media_dir: Path, seed: int) -> str:
    """A photo as the inbox stores it (cleaned, named by content); its path."""
    return await store_photo(photo_with_exif(seed), media_dir)


async def _report_with_photos(db: Database, app: Any, channel: str, *photos: str) -> User:
    """Bu Ani's report at its photo question, sent these stored photos."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id="case_report",
            form_version=load_forms()["case_report"].version,
            state={**new_state(), **AT_PHOTOS_STATE},
            now=NOW,
        )
    for path in photos:
        received = said(await send(db, app, ani, channel, photo=path))
        assert "Foto diterima" in received, received
    return ani


async def test_a_cancelled_report_takes_its_photos_off_the_disk(world, channel) -> None:
    db, app = world
    own, shown = await _stored(app.media_dir, 1), await _stored(app.media_dir, 2)
    joko = await person(db, "Pak Joko", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:  # the second picture is a case's too
        await seed_case(
            repos, reporter=joko, desa=BABATAN, at=NOW, number="KNG-2026-000001", photos=(shown,)
        )
    ani = await _report_with_photos(db, app, channel, own, shown)
    asked = await send(db, app, ani, channel, command="batal")
    assert (app.media_dir / own).is_file()  # only asked so far

    await send(db, app, ani, channel, data=button(asked, "Ya"))

    assert not (app.media_dir / own).exists()
    assert (app.media_dir / shown).is_file()  # the case still shows it


async def test_a_photo_another_draft_holds_stays_when_one_is_cancelled(world, channel) -> None:
    db, app = world
    both = await _stored(app.media_dir, 3)
    joko = await person(db, "Pak Joko", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=joko.id,
            form_id="case_report",
            form_version=load_forms()["case_report"].version,
            state={**new_state(), "answers": {**AT_PHOTOS, "photos": [{"ref": both}]}},
            now=NOW,
        )
    ani = await _report_with_photos(db, app, channel, both)
    asked = await send(db, app, ani, channel, command="batal")
    await send(db, app, ani, channel, data=button(asked, "Ya"))
    assert (app.media_dir / both).is_file()


async def test_an_expired_draft_takes_its_photos_off_the_disk(world, channel) -> None:
    db, app = world
    app = replace(app, draft_ttl_days=14)
    photo = await _stored(app.media_dir, 4)
    await _report_with_photos(db, app, channel, photo)
    for days in (12, 14):  # the reminder, then the end
        async with db.transaction() as repos:
            await expire_drafts(repos, app, NOW + timedelta(days=days, hours=1))
    async with db.reading() as repos:
        left = await repos.conn.execute_fetchall("SELECT status FROM form_sessions")
    assert [row[0] for row in left] == ["cancelled"]
    assert not (app.media_dir / photo).exists()


async def test_an_expired_drafts_photo_waits_for_an_update_bringing_it(world, channel) -> None:
    """Review 8, finding 1: every removal asks the same question as a turn's own, so a
    draft expiring (the scheduler, not the inbox) leaves a photo an update not handled yet
    brings (stored, its turn still to come); once that update is handled, it goes."""
    db, app = world
    app = replace(app, draft_ttl_days=14)
    photo = await _stored(app.media_dir, 5)
    await _report_with_photos(db, app, channel, photo)
    in_flight = app.photos_in_flight
    in_flight.fetched(901, photo)  # the same picture, fetched for someone's next update
    for days in (12, 14):
        async with db.transaction() as repos:
            await expire_drafts(repos, app, NOW + timedelta(days=days, hours=1))
    assert (app.media_dir / photo).is_file()

    async with db.transaction() as repos:  # the inbox worker's commit that handles it
        in_flight.handled_once_committed(repos, [901])

    assert not (app.media_dir / photo).exists()


async def test_a_photo_let_go_while_another_is_stored_goes_at_the_next_commit(
    world, channel
) -> None:
    """A photo being written for an update might be this very picture (nobody knows until
    it is stored): a cancelled report's photo waits for it, then goes at the inbox worker's
    next commit once that photo turned out to be another."""
    db, app = world
    photo = await _stored(app.media_dir, 6)
    ani = await _report_with_photos(db, app, channel, photo)
    in_flight = app.photos_in_flight
    in_flight.storing(902)  # someone's photo, downloaded, being written now
    asked = await send(db, app, ani, channel, command="batal")
    await send(db, app, ani, channel, data=button(asked, "Ya"))
    assert (app.media_dir / photo).is_file()

    in_flight.fetched(902, "photos/00/" + "0" * 64 + ".jpg")  # another picture
    async with db.transaction() as repos:  # the inbox worker's commit that handles it
        in_flight.handled_once_committed(repos, [902])

    assert not (app.media_dir / photo).exists()
