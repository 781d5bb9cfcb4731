"""An age edited from a case report's summary that makes a member's relation doubtful (a wife
of 15) is taken with the relation's warning, on both channels; the report is still sent (a
warning never blocks). Before, the warning was told only when the relation was answered."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.forms.state import prefilled_state
from storage.models import Role
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

# Member 1 is a wife of 30 with no NIK (so no NIK-and-age doubt is told beside).
WIFE = {
    "member_name": "Sri Wahyuni",
    "member_nik": {"missing": "tidak_punya"},
    "member_nik_reason": "Dokumen hilang",
    "member_sex": {"name": "P", "label": "Perempuan"},
    "member_age": {"months": 360},
    "member_relation": {"name": "istri", "label": "Istri"},
}
ANSWERS: dict[str, Any] = {
    **BEFORE_SIZE,
    "members": [WIFE, BEFORE_SIZE["members"][1]],
    **REST,
}
CHILD_WARNING = "Hubungan (1): Anggota ini masih anak (di bawah 18 tahun)"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_age_edited_under_a_wife_tells_the_relation_warning(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, ANSWERS),
            now=NOW,
        )
    summary = await send(db, app, ani, channel, command="start")
    menu = await send(db, app, ani, channel, data=button(summary, "Ubah jawaban"))
    asked = await send(db, app, ani, channel, data=button(menu, "Lahir/umur (1)"))
    assert "Tanggal lahir atau umurnya" in said(asked)
    edited = await send(db, app, ani, channel, text="15 tahun")
    assert "⚠️ " + CHILD_WARNING in said(edited)
    sent = await send(db, app, ani, channel, data=button(edited, "Kirim"))  # not blocked
    async with db.reading() as repos:
        (case,) = await repos.cases.of_reporter(ani.id)
        assert await repos.forms.active(ani.id) is None
    assert case.number in said(sent)
