"""A desa of another kecamatan typed where only the PSM's own kecamatan is offered. In a new
report: a family there is reported by a PSM/TKSK there. In the correction of a case sent back
(QA walk 6) that could not be followed (the family moved, the case exists): it says a
correction cannot take the case there and to tell the TKSK or coordinator, who decide. Editing
the desa from the summary no longer says "change the Kecamatan first" where the form has no
kecamatan to change (a PSM's own)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from handlers.forms.state import prefilled_state
from storage.models import Role
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import case_version, review_world, said, say, tap
from tests.handlers.routed_turns import CHANNELS, person, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
ELSEWHERE = "<b>Pinara</b> ada di Kec. Ciniru, bukan di Kec. Kadugede."
MOVED = "Bila keluarga ini sudah pindah ke sana, laporannya tidak bisa dipindahkan lewat perbaikan"
TELL = "Mohon beri tahu TKSK atau koordinator Dinas Sosial bahwa keluarga ini pindah"
REPORT_THERE = "mohon dilaporkan oleh PSM/TKSK di sana"
CHANGE_KECAMATAN = "ubah Kecamatan dulu"
DESA_QUESTION = "Di desa/kelurahan mana"
WITHOUT_KECAMATAN = {k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}


def _told_moved(text: str) -> None:
    assert ELSEWHERE in text and MOVED in text and TELL in text, text
    assert REPORT_THERE not in text and CHANGE_KECAMATAN not in text
    assert DESA_QUESTION in text


async def test_a_correction_edited_from_its_summary_says_who_to_tell(world, channel) -> None:
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**WITHOUT_KECAMATAN, **REST},
        form_version=app.forms["case_report"].version,
    )
    _, version = await case_version(db, people.case_id)
    await tap(db, app, people.tksk, channel, f"ca:b:{people.case_id}:{version}")
    await say(db, app, people.tksk, channel, "Keluarga ini pindah ke Ciniru")
    await tap(db, app, people.psm, channel, f"rv:{people.case_id}")
    assert DESA_QUESTION in said(await say(db, app, people.psm, channel, "12"))
    _told_moved(said(await say(db, app, people.psm, channel, "Pinara")))
    assert (await case_version(db, people.case_id))[0] == "needs_revision"


async def test_a_correction_asking_the_desa_says_who_to_tell(world, channel) -> None:
    """The correction asks a desa its case lacks (QA: it went on to the missing answers)."""
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in WITHOUT_KECAMATAN.items() if k != "desa"}, **REST},
        form_version=app.forms["case_report"].version,
    )
    _, version = await case_version(db, people.case_id)
    await tap(db, app, people.tksk, channel, f"ca:b:{people.case_id}:{version}")
    await say(db, app, people.tksk, channel, "Desanya belum diisi")
    opened = said(await tap(db, app, people.psm, channel, f"rv:{people.case_id}"))
    assert DESA_QUESTION in opened, opened
    _told_moved(said(await say(db, app, people.psm, channel, "Pinara")))


async def test_a_new_report_edited_from_its_summary_names_the_own_kecamatan(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    state = prefilled_state(form, copy.deepcopy({**WITHOUT_KECAMATAN, **REST}))
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    await send(db, app, ani, channel, command="start")
    assert DESA_QUESTION in said(await send(db, app, ani, channel, text="12"))
    text = said(await send(db, app, ani, channel, text="Pinara"))
    assert ELSEWHERE in text and REPORT_THERE in text, text
    assert CHANGE_KECAMATAN not in text and MOVED not in text
