"""/antrian's rows say their state, as /cari's do, and mark those waiting for the viewer's
own decision; on WhatsApp every row has one shape: the number as title, the rest below."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.whatsapp.outbound import list_row
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, CINIRU_DESA, KADUGEDE, NOW, seed_case


async def _kuningan(db, channel: str):
    """A TKSK in Kadugede (none in Ciniru), a coordinator, and four cases of Ani's."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        for number, desa, state, head in (
            ("KNG-2026-000001", BABATAN, "verified", "Slamet Riyadi"),
            ("KNG-2026-000002", BABATAN, "submitted", "Budi Santoso"),  # Tono's turn
            ("KNG-2026-000003", CINIRU_DESA, "submitted", "Darto"),  # no TKSK: Sari verifies
            ("KNG-2026-000004", BABATAN, "approved", "Ujang"),
        ):
            at = NOW - timedelta(days=10 - int(number[-1]))
            await seed_case(
                repos, reporter=ani, desa=desa, at=at, number=number, state=state, head=head
            )
    assert CINIRU != KADUGEDE
    return tono, sari


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_coordinators_queue_marks_what_waits_for_them(world, channel: str) -> None:
    db, app = world
    _, sari = await _kuningan(db, channel)
    queue = await send(db, app, sari, channel, command="antrian")
    assert labels(queue) == [
        "👉 KNG-2026-000001 · Slamet Riyadi · Babatan · Diverifikasi",
        # Both submitted, the older first: only the one without a TKSK waits for Sari.
        "KNG-2026-000002 · Budi Santoso · Babatan · Diajukan",
        "👉 KNG-2026-000003 · Darto · Pinara · Diajukan",
        "KNG-2026-000004 · Ujang · Babatan · Disetujui",
    ]
    assert "👉 = menunggu tindakan Bapak/Ibu" in said(queue)
    assert "tidak ada laporan yang menunggu" not in said(queue)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_tksks_queue_marks_what_waits_for_them(world, channel: str) -> None:
    db, app = world
    tono, _ = await _kuningan(db, channel)
    queue = await send(db, app, tono, channel, command="antrian")
    assert labels(queue) == [
        "👉 KNG-2026-000002 · Budi Santoso · Babatan · Diajukan",
        "KNG-2026-000004 · Ujang · Babatan · Disetujui",
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_page_with_nothing_for_the_viewer_says_so(world, channel: str) -> None:
    db, app = world
    tono, _ = await _kuningan(db, channel)
    async with db.transaction() as repos:
        await repos.conn.execute("UPDATE cases SET state = 'verified' WHERE number LIKE '%2'")
    queue = await send(db, app, tono, channel, command="antrian")
    assert labels(queue) == ["KNG-2026-000004 · Ujang · Babatan · Disetujui"]
    assert "Di halaman ini tidak ada laporan yang menunggu tindakan Bapak/Ibu" in said(queue)


async def test_on_whatsapp_every_queue_row_has_one_shape(world) -> None:
    """The number (with its marks) as the row's title, head, desa and state below it: never
    a row that fits its title whole next to rows split in two."""
    db, app = world
    _, sari = await _kuningan(db, "whatsapp")
    queue = await send(db, app, sari, "whatsapp", command="antrian")
    rows = [list_row(label) for label in labels(queue)]
    assert [title for title, _ in rows] == [
        "👉 KNG-2026-000001",
        "KNG-2026-000002",
        "👉 KNG-2026-000003",
        "KNG-2026-000004",
    ]
    assert [description.split(" · ")[-1] for _, description in rows] == [
        "Diverifikasi",
        "Diajukan",
        "Diajukan",
        "Disetujui",
    ]
