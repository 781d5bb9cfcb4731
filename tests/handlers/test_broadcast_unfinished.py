"""/siaran with a broadcast written and not sent (left at "Kirim sekarang?"): before, "Siaran
baru." began a second one beside it, said nothing of the first, and the first came back after
the new one was sent (or cancelled): its old "📣 Kirim" sent the OLD text after the corrected
one (QA walk 12). Now /siaran says one waits and asks "Lanjutkan yang tadi" or "Buang dan buat
baru"; a button of the one dropped never sends. On both channels."""

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
OLD, NEW = "Pesan LAMA salah tanggal", "Pesan BARU tanggal 9"
WAITS = "Masih ada siaran yang belum dikirim"
KEEP, DROP = "Lanjutkan yang tadi", "Buang dan buat baru"


async def _sari_and_ani(db: Database, channel: str) -> tuple[User, User]:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    return sari, ani


async def _to_final_go(db: Database, app: AppContext, sari: User, channel: str, text: str) -> Turn:
    """/siaran, the message, "Semua PSM & TKSK", Kirim: stopped at "Kirim sekarang?"."""
    asked = await send(db, app, sari, channel, command="siaran")
    assert "Tulis pesan siaran" in said(asked), said(asked)
    audience = await send(db, app, sari, channel, text=text)
    summary = await send(db, app, sari, channel, data=button(audience, "Semua PSM & TKSK"))
    preview = await send(db, app, sari, channel, data=button(summary, "Kirim"))
    assert "Kirim sekarang?" in said(preview) and text in said(preview)
    return preview


async def _texts(db: Database, ani: User) -> list[str]:
    return [message.text or "" for message in await queued(db, ani)]


async def test_siaran_again_says_one_waits_and_a_dropped_one_never_sends(world, channel):
    db, app = world
    sari, ani = await _sari_and_ani(db, channel)
    old = await _to_final_go(db, app, sari, channel, OLD)
    # A side trip: the old one is noted as kept, with "▶️ Lanjutkan isian".
    kept = await send(db, app, sari, channel, command="saya")
    assert "▶️ Lanjutkan isian" in labels(kept)
    asked = await send(db, app, sari, channel, command="siaran")
    text = said(asked)
    assert WAITS in text and OLD in text and "Siaran baru" not in text
    assert labels(asked) == [KEEP, DROP]
    assert "Lanjutkan isian" not in text  # no "kept at its summary" note below the choice

    dropped = said(await send(db, app, sari, channel, data=button(asked, DROP)))
    assert app.catalog.text("id", "broadcast.unfinished_dropped") in dropped
    assert "Siaran baru" in dropped and "Tulis pesan siaran" in dropped
    audience = await send(db, app, sari, channel, text=NEW)
    summary = await send(db, app, sari, channel, data=button(audience, "Semua PSM & TKSK"))
    preview = await send(db, app, sari, channel, data=button(summary, "Kirim"))
    sent = said(await send(db, app, sari, channel, data=button(preview, "📣 Kirim")))
    assert app.catalog.text("id", "broadcast.queued", count=1) in sent
    assert OLD not in sent and WAITS not in sent  # the old one does not come back

    # The old final go's buttons and the old choice are spent: nothing more is sent.
    old_button = app.catalog.text("id", "errors.old_button")
    for tapped in (
        button(old, "📣 Kirim"),
        button(old, "Ubah dulu"),
        button(kept, "Lanjutkan isian"),
        button(asked, KEEP),
    ):
        assert old_button in said(await send(db, app, sari, channel, data=tapped))
    texts = await _texts(db, ani)
    assert len(texts) == 1 and NEW in texts[0] and OLD not in texts[0]
    assert await active_session(db, sari) is None


async def test_the_new_one_cancelled_brings_no_old_one_back(world, channel):
    db, app = world
    sari, ani = await _sari_and_ani(db, channel)
    old = await _to_final_go(db, app, sari, channel, OLD)
    asked = await send(db, app, sari, channel, command="siaran")
    await send(db, app, sari, channel, data=button(asked, DROP))
    await send(db, app, sari, channel, text=NEW)
    ask_cancel = await send(db, app, sari, channel, command="batal")
    cancelled = said(await send(db, app, sari, channel, data=button(ask_cancel, "Ya")))
    assert OLD not in cancelled and "Kirim sekarang?" not in cancelled
    assert await active_session(db, sari) is None
    assert app.catalog.text("id", "errors.old_button") in said(
        await send(db, app, sari, channel, data=button(old, "📣 Kirim"))
    )
    assert await queued(db, ani) == []


async def test_going_on_with_the_one_left_shows_its_summary_and_sends_it_once(world, channel):
    db, app = world
    sari, ani = await _sari_and_ani(db, channel)
    old = await _to_final_go(db, app, sari, channel, OLD)
    held = await active_session(db, sari)
    asked = await send(db, app, sari, channel, command="siaran")
    # Typed words at the choice answer nothing: the choice again.
    again = said(await send(db, app, sari, channel, text="yang tadi saja"))
    assert app.catalog.text("id", "one_unsent.pick") in again and WAITS in again
    kept = await send(db, app, sari, channel, data=button(asked, KEEP))
    assert app.catalog.text("id", "broadcast.unfinished_kept") in said(kept)
    assert OLD in said(kept) and "Periksa kembali" in said(kept)
    session = await active_session(db, sari)
    assert session is not None and held is not None and session.id == held.id
    assert session.state["answers"]["message"] == OLD and "held" not in session.state
    # Its old "Kirim sekarang?" is spent: the summary's Kirim asks again, then it goes once.
    old_button = app.catalog.text("id", "errors.old_button")
    assert old_button in said(await send(db, app, sari, channel, data=button(old, "📣 Kirim")))
    preview = await send(db, app, sari, channel, data=button(kept, "Kirim"))
    await send(db, app, sari, channel, data=button(preview, "📣 Kirim"))
    texts = await _texts(db, ani)
    assert len(texts) == 1 and OLD in texts[0]


async def test_a_broadcast_with_nothing_written_is_not_asked_about(world, channel):
    """/siaran, then /siaran again before writing anything: simply a new one (the first had
    nothing to keep)."""
    db, app = world
    sari, _ = await _sari_and_ani(db, channel)
    await send(db, app, sari, channel, command="siaran")
    again = said(await send(db, app, sari, channel, command="siaran"))
    assert "Siaran baru" in again and WAITS not in again
