"""A correction is one session: "Perbaiki laporan" tapped again brings back the correction
already begun (open, left as a draft, or waiting behind the question about an unchanged
report) instead of starting a second, and a correction taken up from /draf opens with the same
heading and reviewer's note as the "Perbaiki" screen. On both channels."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.context import AppContext
from storage.db import Database
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import ReviewWorld, buttons, review_world, said
from tests.handlers.routed_turns import CHANNELS, send
from tests.storage.seed_cases import NOW

NUMBER = "KNG-2026-000001"
NOTE = "Alamat belum lengkap, mohon cek lagi"
HEADING = f"Perbaikan laporan <b>{NUMBER}</b>. Ubah jawaban yang perlu, lalu tekan Kirim."
ADDRESS = "Alamat rumahnya: dusun/kampung, RT/RW?"
NOTE_LINE = f"↩️ Catatan dari TKSK (29-11-2026): {NOTE}"


async def _sent_back(db: Database, app: AppContext, channel: str) -> ReviewWorld:
    """A whole report of the PSM's (the current form), sent back by its TKSK with `NOTE`."""
    world = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    await send(db, app, world.tksk, channel, data=f"ca:b:{world.case_id}:1")
    await send(db, app, world.tksk, channel, text=NOTE)
    return world


async def _sessions(db: Database, user_id: int) -> list[tuple[int, str, str, int | None]]:
    """The person's unfinished sessions: (id, form, status, the case it corrects)."""
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT id, form_id, status, state FROM form_sessions WHERE user_id = ?"
            " AND status IN ('active', 'paused') ORDER BY id",
            (user_id,),
        ) as cursor,
    ):
        rows = await cursor.fetchall()
    return [
        (row[0], row[1], row[2], (json.loads(row[3]).get("context") or {}).get("revising"))
        for row in rows
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_perbaiki_again_brings_back_the_open_correction(world, channel) -> None:
    db, app = world
    people = await _sent_back(db, app, channel)
    psm, case_id = people.psm, people.case_id
    await send(db, app, psm, channel, data=f"rv:{case_id}")
    ((first, _, _, _),) = await _sessions(db, psm.id)
    asked = await send(db, app, psm, channel, text="11")  # from the summary: the address
    assert ADDRESS in said(asked)

    again = await send(db, app, psm, channel, data=f"rv:{case_id}")
    text = said(again)
    assert text.startswith(HEADING) and NOTE_LINE in text
    assert ADDRESS in text and "Periksa kembali" not in text  # where it was: the address
    assert await _sessions(db, psm.id) == [(first, "case_report", "active", case_id)]
    done = await send(db, app, psm, channel, text="Dusun Manis RT 02 RW 05 No. 3")
    assert "Periksa kembali jawaban Bapak/Ibu" in said(done)  # the same correction goes on


@pytest.mark.parametrize("channel", CHANNELS)
async def test_perbaiki_brings_back_a_correction_left_as_a_draft(world, channel) -> None:
    db, app = world
    people = await _sent_back(db, app, channel)
    psm, case_id = people.psm, people.case_id
    await send(db, app, psm, channel, data=f"rv:{case_id}")
    ((first, _, _, _),) = await _sessions(db, psm.id)
    # Another report started meanwhile: the correction waits as a draft.
    await send(db, app, psm, channel, command="lapor")
    await send(db, app, psm, channel, data="dr:new")
    await send(db, app, psm, channel, text="Keluarga Pak Darto")
    assert (first, "case_report", "paused", case_id) in await _sessions(db, psm.id)

    again = await send(db, app, psm, channel, data=f"rv:{case_id}")
    assert said(again).startswith(HEADING)
    sessions = await _sessions(db, psm.id)
    assert [s for s in sessions if s[3] == case_id] == [(first, "case_report", "active", case_id)]
    assert len(sessions) == 2  # the other report, a draft now


@pytest.mark.parametrize("channel", CHANNELS)
async def test_perbaiki_at_the_unchanged_question_goes_back_to_the_report(world, channel) -> None:
    db, app = world
    people = await _sent_back(db, app, channel)
    psm, case_id = people.psm, people.case_id
    opened = await send(db, app, psm, channel, data=f"rv:{case_id}")
    send_data = next(data for data in buttons(opened) if data.endswith(":ok"))
    asked = await send(db, app, psm, channel, data=send_data)  # nothing changed
    assert "Apa yang ingin Bapak/Ibu lakukan?" in said(asked)

    again = await send(db, app, psm, channel, data=f"rv:{case_id}")
    text = said(again)
    assert text.startswith(HEADING) and "Periksa kembali jawaban Bapak/Ibu" in text
    # The question beside it is dropped: only the correction is left, open.
    ((_, form, status, revising),) = await _sessions(db, psm.id)
    assert (form, status, revising) == ("case_report", "active", case_id)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_taken_up_from_draf_shows_the_reviewers_note(world, channel) -> None:
    db, app = world
    people = await _sent_back(db, app, channel)
    psm, case_id = people.psm, people.case_id
    await send(db, app, psm, channel, data=f"rv:{case_id}")
    ((first, _, _, _),) = await _sessions(db, psm.id)
    await send(db, app, psm, channel, command="lapor")
    await send(db, app, psm, channel, data="dr:new")
    await send(db, app, psm, channel, text="Keluarga Pak Darto")

    listed = await send(db, app, psm, channel, command="draf")
    assert f"dr:{first}" in buttons(listed)
    resumed = await send(db, app, psm, channel, data=f"dr:{first}")
    text = said(resumed)
    assert text.startswith(HEADING) and NOTE_LINE in text
    assert "Melanjutkan laporan" not in text
    assert "Periksa kembali jawaban Bapak/Ibu" in text  # at its summary, as it was left

    # Any other draft still opens as before.
    (other,) = [s[0] for s in await _sessions(db, psm.id) if s[0] != first]
    plain = said(await send(db, app, psm, channel, data=f"dr:{other}"))
    assert plain.startswith("Melanjutkan laporan.") and "Catatan dari" not in plain
