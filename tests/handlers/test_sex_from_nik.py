"""The sex a NIK carries, shown where it was not asked (QA walk 15): members with a NIK skip
the sex question, and neither the summary nor the reporter's case page said which sex the
NIK gave, so a mistyped NIK went unnoticed. The summary says it under the NIK, "(dari NIK)",
without a number of its own (the lines keep their numbers for editing). Telegram and
WhatsApp."""

from __future__ import annotations

import copy

import pytest

from handlers.forms.state import prefilled_state
from storage.models import Role
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
SUMMARY = "Periksa kembali jawaban Bapak/Ibu"


async def test_the_summary_says_the_sex_a_typed_nik_gives(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, copy.deepcopy({**BEFORE_SIZE, **REST})),
            now=NOW,
        )
    await send(db, app, ani, channel, command="start")
    await send(db, app, ani, channel, text="ubah")
    await send(db, app, ani, channel, text="4")  # NIK (1)
    summary = said(await send(db, app, ani, channel, text="3208 0145 0623 0001"))
    assert SUMMARY in summary, summary
    lines = summary.splitlines()
    at = lines.index("4. NIK (1): 320801******0001")
    assert lines[at + 1].strip() == "Jenis kelamin: Perempuan (dari NIK)", lines[at : at + 3]
    assert lines[at + 2].startswith("5. "), lines[at : at + 3]  # numbers unchanged
    assert "3208014506230001" not in summary
    # A man's NIK (the day not raised by 40) says so.
    await send(db, app, ani, channel, text="ubah")
    await send(db, app, ani, channel, text="4")
    lines = said(await send(db, app, ani, channel, text="3208010506230002")).splitlines()
    at = lines.index("4. NIK (1): 320801******0002")
    assert lines[at + 1].strip() == "Jenis kelamin: Laki-laki (dari NIK)", lines[at : at + 3]


async def test_a_correction_s_summary_says_it_too(world, channel):
    """A summary that starts from answers already given (a draft resumed, a correction of a
    case sent back) says it from the NIK's digits as well."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, copy.deepcopy({**BEFORE_SIZE, **REST})),
            now=NOW,
        )
    lines = said(await send(db, app, ani, channel, command="start")).splitlines()
    first, second = (
        lines.index("4. NIK (1): 320801******0001"),
        lines.index("8. NIK (2): 320801******0004"),
    )
    assert lines[first + 1].strip() == "Jenis kelamin: Perempuan (dari NIK)", lines
    assert lines[second + 1].strip() == "Jenis kelamin: Laki-laki (dari NIK)", lines
