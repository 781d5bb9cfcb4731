"""QA walk 6: a TKSK double-tapped "↩️ Minta perbaikan"; once his note had sent the case back,
"Isian Bapak/Ibu masih berjalan: Catatan" asked the note again, about a case already sent
back. Once a person's action on a case is done, the other forms they had open on it for the
same action (the button tapped twice, also once the first was put aside by a search) are
closed: no question about the case comes back, and a form one of them had interrupted (a
report) is asked again instead. Every action with a form (reason, visit), on both
channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from handlers.events import InboundKind
from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import (
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
STILL_GOING = "Isian Bapak/Ibu masih berjalan"
NOTE = "Nama kepala keluarga salah"


@dataclass(frozen=True)
class Action:
    code: str  # the button's (handlers/review/workflow.py CODES)
    by: str  # who may: "tksk" or "coordinator"
    state: str  # the case's state before
    moved_to: str
    answers: tuple[str, ...]  # typed to finish its form (a visit: day, what was done, next)


ACTIONS = [
    Action("v", "tksk", "submitted", "verified", ("Telepon/perangkat", "Sesuai laporan", "Lewati")),
    Action("b", "tksk", "submitted", "needs_revision", (NOTE,)),
    Action("x", "coordinator", "submitted", "rejected", ("Data ganda dengan laporan lain",)),
    Action("r", "coordinator", "approved", "resolved", ("Bantuan sudah diterima keluarga",)),
    Action("o", "coordinator", "resolved", "in_follow_up", ("Balita kurus lagi",)),
    Action("f", "tksk", "approved", "in_follow_up", ("Hari ini", "Rujukan ke puskesmas", "Lewati")),
]


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def open_forms(db: Database, user_id: int) -> list[tuple[str, str]]:
    """The forms a person has open or put aside: (form id, status)."""
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT form_id, status FROM form_sessions"
            " WHERE user_id = ? AND status IN ('active', 'paused') ORDER BY id",
            (user_id,),
        ) as cursor,
    ):
        return [(row[0], row[1]) for row in await cursor.fetchall()]


async def finish(db, app, user, channel: str, answers: tuple[str, ...]) -> str:
    """Type the answers; a form with a summary (the visit) is sent with its button. What the
    last turn said."""
    for typed in answers:
        turn = await say(db, app, user, channel, typed)
    sends = [data for data in buttons(turn) if data.endswith(":ok")]
    if sends:
        turn = await tap(db, app, user, channel, sends[0])
    return said(turn)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("action", ACTIONS, ids=[action.code for action in ACTIONS])
async def test_a_double_tap_asks_nothing_more_once_the_action_is_done(
    db: Database, tmp_path: Path, channel: str, action: Action
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=2), state=action.state)
    person, case_id = getattr(world, action.by), world.case_id
    _, version = await case_version(db, case_id)
    button = f"ca:{action.code}:{case_id}:{version}"
    await tap(db, app, person, channel, button)
    await tap(db, app, person, channel, button)  # a slow phone: tapped again

    done = await finish(db, app, person, channel, action.answers)
    assert await case_version(db, case_id) == (action.moved_to, version + 1)
    assert STILL_GOING not in done, done
    assert await open_forms(db, person.id) == []
    # What he types next is not taken for an answer: "antrian" is the queue.
    queue = said(await say(db, app, person, channel, "antrian"))
    assert "atau itu jawabannya" not in queue and STILL_GOING not in queue, queue


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("action", ACTIONS, ids=[action.code for action in ACTIONS])
async def test_a_form_put_aside_by_a_search_is_closed_once_the_action_is_done(
    db: Database, tmp_path: Path, channel: str, action: Action
) -> None:
    """The first form paused (a search over it), the button tapped again: once the second is
    sent, the first is closed and the search comes back, for every action with a form."""
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=2), state=action.state)
    person, case_id = getattr(world, action.by), world.case_id
    _, version = await case_version(db, case_id)
    button = f"ca:{action.code}:{case_id}:{version}"
    await tap(db, app, person, channel, button)
    await send(db, app, person, channel, kind=InboundKind.COMMAND, command="cari")  # put aside
    await tap(db, app, person, channel, button)

    done = await finish(db, app, person, channel, action.answers)
    assert await case_version(db, case_id) == (action.moved_to, version + 1)
    assert "Ketik nomor laporan" in done, done  # the search, asked again
    assert await open_forms(db, person.id) == [("case_search", "active")]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_report_they_interrupted_comes_back_instead(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    sari, case_id = world.coordinator, world.case_id
    head_asked = "Siapa nama kepala keluarga"
    assert head_asked in said(await say(db, app, sari, channel, "lapor"))
    await tap(db, app, sari, channel, f"ca:b:{case_id}:1")  # amid her own report
    await tap(db, app, sari, channel, f"ca:b:{case_id}:1")

    done = said(await say(db, app, sari, channel, NOTE))
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert done.index("sekarang: Perlu perbaikan") < done.index(STILL_GOING), done
    assert head_asked in done and "Apa yang perlu diperbaiki" not in done, done
    assert await open_forms(db, sari.id) == [("case_report", "active")]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_one_put_aside_by_a_search_does_not_come_back_after_it(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    tono, case_id = world.tksk, world.case_id
    note_asked = "Apa yang perlu diperbaiki pelapor?"
    assert note_asked in said(await tap(db, app, tono, channel, f"ca:b:{case_id}:1"))
    await send(db, app, tono, channel, kind=InboundKind.COMMAND, command="cari")  # put aside
    assert note_asked in said(await tap(db, app, tono, channel, f"ca:b:{case_id}:1"))

    done = said(await say(db, app, tono, channel, NOTE))
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert note_asked not in done, done
    found = await say(db, app, tono, channel, "Slamet")  # the search, answered
    assert f"cs:{case_id}" in buttons(found) and note_asked not in said(found), said(found)
    assert await open_forms(db, tono.id) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_search_over_a_closed_form_comes_back_then_the_report(
    db: Database, tmp_path: Path, channel: str
) -> None:
    """Review 9: report -> "b" -> /cari -> "b" -> the note. The search had been put aside over
    the first note form; once that one was closed the report came back and the search never
    did (it was to return to the closed form)."""
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    sari, case_id = world.coordinator, world.case_id
    head_asked = "Siapa nama kepala keluarga"
    assert head_asked in said(await say(db, app, sari, channel, "lapor"))
    await tap(db, app, sari, channel, f"ca:b:{case_id}:1")  # amid her own report
    await send(db, app, sari, channel, kind=InboundKind.COMMAND, command="cari")  # put aside
    await tap(db, app, sari, channel, f"ca:b:{case_id}:1")

    done = said(await say(db, app, sari, channel, NOTE))
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert head_asked not in done and "Apa yang perlu diperbaiki" not in done, done
    assert "Ketik nomor laporan" in done, done  # the search, asked again
    assert await open_forms(db, sari.id) == [("case_report", "paused"), ("case_search", "active")]
    found = await say(db, app, sari, channel, "Slamet")  # the search, answered
    assert f"cs:{case_id}" in buttons(found), said(found)
    assert await open_forms(db, sari.id) == [("case_report", "active")]
    assert head_asked in said(found), said(found)
