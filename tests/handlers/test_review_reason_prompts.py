"""Sending back and rejecting ask their own question under a message saying what the action
does (the PSM gets the case back to correct / the case is closed for good), each with a Batal
that leaves the case untouched and says so; the reason reaches the case and the reporter. A
reason being typed on review_note version 1 (one question for every action) still finishes.
On both channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from handlers.events import InboundKind
from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import (
    active_forms,
    buttons,
    case_version,
    review_world,
    said,
    say,
    send,
    tap,
)
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
NUMBER = "KNG-2026-000001"
V1 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "review_note_v1.yaml")
V2 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "review_note_v2.yaml")


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    async with database.transaction() as repos:
        for published in (V1, V2):
            await repos.forms.save_definition(
                published.id, published.version, published.model_dump(mode="json")
            )
    yield database
    await database.close()


async def last_event(db: Database, case_id: int) -> tuple[str, str | None]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT to_state, reason FROM case_events WHERE case_id = ? ORDER BY id DESC",
            (case_id,),
        ) as cursor,
    ):
        row = await cursor.fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_send_back_and_reject_say_what_they_do_and_ask_their_own_question(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    case_id = world.case_id

    back = await tap(db, app, world.tksk, channel, f"ca:b:{case_id}:1")
    (question,) = [reply for reply in back.replies if reply.type == "text"]
    assert "akan dikembalikan ke pelapor <b>untuk diperbaiki</b>" in question.text
    assert "Pelapor menerima laporannya kembali" in question.text
    assert "Apa yang perlu diperbaiki pelapor?" in question.text
    assert [[b.label for b in row] for row in question.buttons] == [["✖️ Batal"]]
    assert question.buttons[0][0].data == f"cn:{case_id}"
    assert "ditolak" not in said(back)

    reject = await tap(db, app, world.coordinator, channel, f"ca:x:{case_id}:1")
    text = said(reject)
    assert "akan ditolak <b>dan ditutup untuk seterusnya</b>" in text
    assert "Pelapor diberi tahu alasannya" in text
    assert "Mengapa laporan ini ditolak?" in text
    assert "diperbaiki pelapor?" not in text
    assert f"cn:{case_id}" in buttons(reject)

    # The TKSK's reason is what the PSM is asked to correct.
    await say(db, app, world.tksk, channel, "Nomor KK salah ketik")
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert await last_event(db, case_id) == ("needs_revision", "Nomor KK salah ketik")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_leaves_the_case_untouched_and_says_so(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    coordinator, case_id = world.coordinator, world.case_id
    await tap(db, app, coordinator, channel, f"ca:x:{case_id}:1")
    assert await active_forms(db, coordinator.id) == ["review_note"]

    cancelled = await tap(db, app, coordinator, channel, f"cn:{case_id}")
    text = said(cancelled)
    assert text.startswith(f"Dibatalkan. Laporan {NUMBER} tidak diubah: tetap <b>Diajukan</b>.")
    assert "Riwayat" in text and f"ca:x:{case_id}:1" in buttons(cancelled)  # its page
    assert await active_forms(db, coordinator.id) == []
    assert await case_version(db, case_id) == ("submitted", 1)

    # Pressed again, once nothing is being asked: an old button, the case still untouched.
    again = await tap(db, app, coordinator, channel, f"cn:{case_id}")
    assert said(again) == "Tombol itu sudah tidak berlaku."
    assert await case_version(db, case_id) == ("submitted", 1)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_reason_typed_on_version_1_still_rejects(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["review_note"].version == 3
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    coordinator, case_id = world.coordinator, world.case_id
    context = {"case_id": case_id, "action": "reject", "version": 1, "reported_on": "2026-11-28"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=coordinator.id,
            form_id="review_note",
            form_version=1,
            state={**new_state(), "context": context},
            now=NOW,
        )
    done = await say(db, app, coordinator, channel, "Data ganda dengan laporan lain")
    assert "Ditolak" in said(done)
    assert await case_version(db, case_id) == ("rejected", 2)
    assert await last_event(db, case_id) == ("rejected", "Data ganda dengan laporan lain")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_batal_is_under_the_question_every_time_it_is_asked(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = world.tksk, world.case_id
    first = await tap(db, app, tksk, channel, f"ca:b:{case_id}:1")
    assert buttons(first) == [f"cn:{case_id}"]

    # A reason too short, or with no letters: said, and the question again, its Batal under it.
    for typed in ("ok", "..."):
        short = await say(db, app, tksk, channel, typed)
        (question,) = [reply for reply in short.replies if reply.type == "text"]
        assert "Mohon tulis minimal 3 huruf." in question.text, typed
    assert "Apa yang perlu diperbaiki pelapor?" in question.text
    assert [[(b.label, b.data) for b in row] for row in question.buttons] == [
        [("✖️ Batal", f"cn:{case_id}")]
    ]
    # Asked again after a side trip (/menu) too.
    back = await send(db, app, tksk, channel, kind=InboundKind.COMMAND, command="menu")
    assert "Apa yang perlu diperbaiki pelapor?" in said(back)
    assert f"cn:{case_id}" in buttons(back)

    cancelled = await tap(db, app, tksk, channel, f"cn:{case_id}")
    assert said(cancelled).startswith(f"Dibatalkan. Laporan {NUMBER} tidak diubah")
    assert await case_version(db, case_id) == ("submitted", 1)
    assert await active_forms(db, tksk.id) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_note_typed_on_version_2_keeps_its_three_characters(
    db: Database, tmp_path: Path, channel: str
) -> None:
    """Version 3 wants 3 letters; a note begun on version 2 finishes on its own rule."""
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    coordinator, case_id = world.coordinator, world.case_id
    context = {"case_id": case_id, "action": "reject", "version": 1, "reported_on": "2026-11-28"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=coordinator.id,
            form_id="review_note",
            form_version=2,
            state={**new_state(), "context": {**context, "review_action": "reject"}},
            now=NOW,
        )
    done = await say(db, app, coordinator, channel, "123")
    assert "Ditolak" in said(done), said(done)
    assert await last_event(db, case_id) == ("rejected", "123")
