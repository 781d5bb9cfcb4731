"""A correction keeps the case's photos (QA walk 13, data loss): the photo question opened from
the summary shows the photos there, new ones are added up to the limit, "Lewati" keeps them,
and deleting them is asked first; the TKSK reads "foto ditambah", never "foto diganti" for
photos only added. On both channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.media import store_photo
from handlers.context import AppContext
from storage.db import Database
from tests.e2e.reports import photo_with_exif
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import ReviewWorld, review_world
from tests.handlers.routed_turns import CHANNELS, button, queued, said, send
from tests.storage.seed_cases import NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)

NUMBER = "KNG-2026-000001"


async def _stored(media_dir: Path, seed: int) -> str:
    """A photo as the inbox stores it (cleaned, named by content); its path."""
    return await store_photo(photo_with_exif(seed), media_dir)


async def _sent_back_with_a_photo(
    db: Database, app: AppContext, channel: str, photo: str
) -> ReviewWorld:
    """A whole report of the PSM's with one photo, sent back by its TKSK for another."""
    answers = {k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}
    world = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**answers, **REST, "photos": [{"ref": photo}]},
        photos=(photo,),
        form_version=app.forms["case_report"].version,
    )
    await send(db, app, world.tksk, channel, data=f"ca:b:{world.case_id}:1")
    await send(db, app, world.tksk, channel, text="Mohon tambah foto rumah")
    return world


async def _case_photos(db: Database, case_id: int) -> list[str]:
    """The photos the case shows now."""
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT path FROM case_photos WHERE case_id = ? ORDER BY id", (case_id,)
        ) as cursor,
    ):
        return [row[0] for row in await cursor.fetchall()]


async def test_a_photo_added_in_a_correction_keeps_the_first(world, channel) -> None:
    db, app = world
    first, second = await _stored(app.media_dir, 1), await _stored(app.media_dir, 2)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    asked = await send(db, app, psm, channel, text="Foto")
    assert "Sudah ada 1 foto" in said(asked)
    received = await send(db, app, psm, channel, photo=second)
    assert "Sudah ada 2 foto" in said(received)
    summary = await send(db, app, psm, channel, data=button(received, "Selesai foto"))
    assert "✓ Foto: 2 foto" in said(summary)
    sent = await send(db, app, psm, channel, data=button(summary, "Kirim"))
    assert NUMBER in said(sent)

    assert await _case_photos(db, people.case_id) == [first, second]
    assert (app.media_dir / first).is_file()  # nothing let go
    notices = "\n".join(m.text or "" for m in await queued(db, people.tksk))
    assert "Foto: foto ditambah (1 → 2 foto)" in notices
    assert "foto diganti" not in notices


async def test_lewati_at_the_photos_of_a_correction_keeps_them(world, channel) -> None:
    db, app = world
    first = await _stored(app.media_dir, 1)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    await send(db, app, psm, channel, text="Foto")
    skipped = await send(db, app, psm, channel, text="Lewati")
    text = said(skipped)
    assert "✓ Foto: 1 foto" in text and "dilewati" not in text
    async with db.reading() as repos:
        session = await repos.forms.active(psm.id)
    assert session is not None
    assert session.state["answers"]["photos"] == [{"ref": first}]


async def test_deleting_the_photos_of_a_correction_is_asked_first(world, channel) -> None:
    db, app = world
    first = await _stored(app.media_dir, 1)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    asked = await send(db, app, psm, channel, text="Foto")
    confirm = await send(db, app, psm, channel, data=button(asked, "Hapus semua foto"))
    assert "Hapus semua foto (1 foto)?" in said(confirm)
    removed = await send(db, app, psm, channel, data=button(confirm, "Ya, hapus semua"))
    assert "Semua foto sudah dihapus" in said(removed)
    summary = await send(db, app, psm, channel, data=button(removed, "Lewati"))
    assert "✓ Foto: (dilewati)" in said(summary)
    await send(db, app, psm, channel, data=button(summary, "Kirim"))

    assert await _case_photos(db, people.case_id) == []
    notices = "\n".join(m.text or "" for m in await queued(db, people.tksk))
    assert "Foto: foto dihapus (1 → 0 foto)" in notices


async def test_deleting_the_photos_can_be_typed(world, channel) -> None:
    """Its words typed, the button's number, "ya": as the buttons (WhatsApp users type)."""
    db, app = world
    first = await _stored(app.media_dir, 1)
    people = await _sent_back_with_a_photo(db, app, channel, first)
    psm = people.psm
    await send(db, app, psm, channel, data=f"rv:{people.case_id}")
    await send(db, app, psm, channel, text="Foto")
    asked = await send(db, app, psm, channel, text="hapus semua foto")
    assert "Hapus semua foto (1 foto)?" in said(asked)
    kept = await send(db, app, psm, channel, text="2")  # "Tidak, simpan foto"
    assert said(kept).startswith("Baik, 1 foto tetap disimpan.")
    assert "Sudah ada 1 foto" in said(kept)
    await send(db, app, psm, channel, text="hapus semua foto")
    removed = await send(db, app, psm, channel, text="ya")
    assert said(removed).startswith("🗑 Semua foto sudah dihapus.")
    assert "Sudah ada" not in said(removed)
