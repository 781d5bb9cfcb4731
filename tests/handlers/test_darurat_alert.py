"""A darurat report alerts its TKSK and the coordinators at once, with a "Buka laporan" button
that opens the case's page (on WhatsApp nobody has to type a command to find it). On both
channels."""

from __future__ import annotations

import pytest

from handlers.forms.state import prefilled_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, labels, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

DARURAT = {**BEFORE_SIZE, **REST, "urgency": {"name": "darurat", "label": "Darurat"}}


async def _report_at_summary(db: Database, app, psm: User) -> None:
    """A whole darurat report of the PSM's, waiting at its summary."""
    form = app.forms["case_report"]
    answers = {k: v for k, v in DARURAT.items() if k != "kecamatan"}  # the PSM's own
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=psm.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, answers),
            now=NOW,
        )


async def _case_id(db: Database) -> int:
    async with (
        db.reading() as reader,
        reader.conn.execute("SELECT id, urgency FROM cases") as cursor,
    ):
        ((case_id, urgency),) = await cursor.fetchall()
    assert urgency == "darurat"
    return case_id


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_darurat_alert_carries_a_button_to_open_the_case(world, channel) -> None:
    db, app = world
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await _report_at_summary(db, app, psm)

    summary = await send(db, app, psm, channel, command="start")
    sent = await send(db, app, psm, channel, data=button(summary, "Kirim"))
    assert "Nomor kasus" in said(sent)
    told = "🚨 Karena darurat, TKSK kecamatan dan koordinator Dinas Sosial sudah diberi tahu"
    assert told in said(sent)
    case_id = await _case_id(db)

    for reviewer in (tksk, coordinator):
        (alert,) = [m for m in await queued(db, reviewer) if "LAPORAN DARURAT" in (m.text or "")]
        assert [[(b.label, b.data) for b in row] for row in alert.buttons] == [
            [("Buka laporan", f"cs:{case_id}")]
        ]
    page = await send(db, app, tksk, channel, data=f"cs:{case_id}")
    assert said(page).startswith("<b>KNG-2026-000001</b> · Diajukan · DARURAT")
    assert "✅ Verifikasi" in labels(page)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("roles", "told"),
    [
        ((Role.TKSK,), "Karena darurat, TKSK kecamatan sudah diberi tahu"),
        ((Role.COORDINATOR,), "Karena darurat, koordinator Dinas Sosial sudah diberi tahu"),
        ((), "belum bisa diteruskan kepada siapa pun"),
    ],
)
async def test_the_reporter_hears_who_was_alerted(world, channel, roles, told) -> None:
    """The PSM's confirmation said nothing of the alert: who was told at once, or, with
    nobody to tell in the area, to contact the office directly."""
    db, app = world
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    for role in roles:
        await person(db, f"Staf {role.value}", role, channel, kecamatan=KADUGEDE)
    await _report_at_summary(db, app, psm)

    summary = await send(db, app, psm, channel, command="start")
    sent = said(await send(db, app, psm, channel, data=button(summary, "Kirim")))
    assert "Nomor kasus" in sent and told in sent
    assert sent.count("🚨") == 1
