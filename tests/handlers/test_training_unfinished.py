"""/bimtek_baru with a training described and its invitations not sent (left at "Kirim
sekarang?"): before, "Bimtek baru." began a second one beside it, and the first came back
after the new one was sent, its old "📨 Kirim undangan" inviting to the OLD training as well.
Now, as /siaran (handlers/forms/one_unsent.py), it says one waits and asks "Lanjutkan yang
tadi" or "Buang dan buat baru"; a button of the one dropped never invites. On both channels."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import (
    CHANNELS,
    active_session,
    button,
    labels,
    person,
    queued,
    said,
    send,
)
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
OLD, NEW = "Bimtek LAMA salah tanggal", "Bimtek BARU tanggal benar"
WAITS = "Masih ada bimtek yang undangannya belum dikirim"
KEEP, DROP = "Lanjutkan yang tadi", "Buang dan buat baru"
SEND = "📨 Kirim undangan"
# After the title: venue, address, no location, the day, its hours, no more days, the
# answers' deadline, minutes open and late, then the summary's Kirim.
REST = ["Aula Dinsos", "Jl. Siliwangi 88", "Lewati", "lusa", "08.00", "12.00", "tidak", "besok"]
REST += ["30", "15", "kirim"]


async def _tono_and_ani(db: Database, channel: str) -> tuple[User, User]:
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    return tono, ani


async def _described(db: Database, app: AppContext, tono: User, channel: str, title: str) -> Turn:
    """The training's questions answered from its title on, to "Kirim sekarang?"."""
    preview = await send(db, app, tono, channel, text=title)
    for text in REST:
        preview = await send(db, app, tono, channel, text=text)
    assert "Kirim sekarang?" in said(preview) and title in said(preview), said(preview)
    return preview


async def _to_final_go(db: Database, app: AppContext, tono: User, channel: str) -> Turn:
    asked = await send(db, app, tono, channel, command="bimtek_baru")
    assert "Apa judul bimteknya?" in said(asked), said(asked)
    return await _described(db, app, tono, channel, OLD)


async def _trainings(db: Database) -> list[str]:
    async with db.reading() as repos:
        cursor = await repos.conn.execute("SELECT title FROM trainings ORDER BY id")
        return [row[0] for row in await cursor.fetchall()]


async def _texts(db: Database, ani: User) -> list[str]:
    return [message.text or "" for message in await queued(db, ani)]


async def test_bimtek_baru_again_says_one_waits_and_a_dropped_one_never_invites(world, channel):
    db, app = world
    tono, ani = await _tono_and_ani(db, channel)
    old = await _to_final_go(db, app, tono, channel)
    asked = await send(db, app, tono, channel, command="bimtek_baru")
    text = said(asked)
    assert WAITS in text and OLD in text and "Bimtek baru." not in text
    assert labels(asked) == [KEEP, DROP]

    dropped = said(await send(db, app, tono, channel, data=button(asked, DROP)))
    assert app.catalog.text("id", "training.unfinished_dropped") in dropped
    assert "Apa judul bimteknya?" in dropped
    preview = await _described(db, app, tono, channel, NEW)
    sent = said(await send(db, app, tono, channel, data=button(preview, SEND)))
    assert app.catalog.text("id", "training.created", count=1) in sent
    assert OLD not in sent and WAITS not in sent  # the old one does not come back

    # The old final go's buttons and the old choice are spent: nothing more is created.
    old_button = app.catalog.text("id", "errors.old_button")
    for tapped in (button(old, SEND), button(old, "Ubah dulu"), button(asked, KEEP)):
        assert old_button in said(await send(db, app, tono, channel, data=tapped))
    assert await _trainings(db) == [NEW]
    texts = await _texts(db, ani)
    assert len(texts) == 1 and NEW in texts[0] and OLD not in texts[0]
    assert await active_session(db, tono) is None


async def test_going_on_with_the_one_left_shows_its_summary_and_invites_once(world, channel):
    db, app = world
    tono, ani = await _tono_and_ani(db, channel)
    old = await _to_final_go(db, app, tono, channel)
    held = await active_session(db, tono)
    asked = await send(db, app, tono, channel, command="bimtek_baru")
    # Typed words at the choice answer nothing (not taken for the title): the choice again.
    again = said(await send(db, app, tono, channel, text="yang tadi saja"))
    assert app.catalog.text("id", "one_unsent.pick") in again and WAITS in again
    kept = await send(db, app, tono, channel, data=button(asked, KEEP))
    assert app.catalog.text("id", "training.unfinished_kept") in said(kept)
    assert OLD in said(kept) and "Periksa kembali" in said(kept)
    session = await active_session(db, tono)
    assert session is not None and held is not None and session.id == held.id
    assert session.state["answers"]["title"] == OLD and "held" not in session.state
    # Its old "Kirim sekarang?" is spent: the summary's Kirim asks again, then it goes once.
    old_button = app.catalog.text("id", "errors.old_button")
    assert old_button in said(await send(db, app, tono, channel, data=button(old, SEND)))
    preview = await send(db, app, tono, channel, data=button(kept, "Kirim"))
    await send(db, app, tono, channel, data=button(preview, SEND))
    assert await _trainings(db) == [OLD]
    texts = await _texts(db, ani)
    assert len(texts) == 1 and OLD in texts[0]


async def test_a_training_with_nothing_written_is_not_asked_about(world, channel):
    """/bimtek_baru, then again before any answer: simply a new one (nothing to keep)."""
    db, app = world
    tono, _ = await _tono_and_ani(db, channel)
    await send(db, app, tono, channel, command="bimtek_baru")
    again = said(await send(db, app, tono, channel, command="bimtek_baru"))
    assert "Bimtek baru." in again and WAITS not in again
