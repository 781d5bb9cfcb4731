"""Everyday words outside a form (QA walk 15): "P", "terima kasih bu", "status laporan saya",
"perbaiki" got "Maaf, kami belum mengerti pesan itu." and the whole 14-line help. Thanks and
greetings are answered in a line with one pointer to the menu, the report words open
/laporan_saya, "perbaiki" the case sent back (several: one button each). Telegram and
WhatsApp."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from tests.handlers.review_turns import review_world
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NOT_UNDERSTOOD = "belum mengerti"
WHOLE_HELP = "Yang bisa Bapak/Ibu lakukan"


@pytest.mark.parametrize(
    ("typed", "first_line"),
    [
        ("terima kasih bu", "Sama-sama, Bapak/Ibu. 🙏"),
        ("Makasih", "Sama-sama, Bapak/Ibu. 🙏"),
        ("tq", "Sama-sama, Bapak/Ibu. 🙏"),
        ("P", "Halo. Selamat datang kembali, Bu Ani."),
        ("Selamat pagi bu", "Halo. Selamat datang kembali, Bu Ani."),
        ("Assalamualaikum", "Wa'alaikumsalam. Selamat datang kembali, Bu Ani."),
    ],
)
async def test_thanks_and_greetings_get_a_line_and_a_menu_pointer(
    world, channel, typed, first_line
):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert NOT_UNDERSTOOD not in answered and WHOLE_HELP not in answered, answered
    lines = answered.splitlines()
    assert lines[0] == first_line and len(lines) == 2, answered
    assert "menu" in lines[1], answered


@pytest.mark.parametrize("typed", ["status laporan saya", "cek laporan", "Cek laporan saya"])
async def test_asking_for_one_s_reports_opens_laporan_saya(world, channel, typed):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    shown = said(await send(db, app, people.psm, channel, text=typed))
    assert NOT_UNDERSTOOD not in shown and "KNG-2026-000001" in shown, shown


async def test_perbaiki_opens_the_only_case_sent_back(world, channel):
    db, app = world
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), state="needs_revision"
    )
    opened = await send(db, app, people.psm, channel, text="perbaiki")
    assert NOT_UNDERSTOOD not in said(opened) and "KNG-2026-000001" in said(opened), said(opened)
    async with db.reading() as repos:
        session = await repos.forms.active(people.psm.id)
    assert session is not None and session.form_id == "case_report", session


async def test_perbaiki_with_several_sent_back_lists_them(world, channel):
    db, app = world
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), state="needs_revision"
    )
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=people.psm,
            desa=BABATAN,
            at=NOW - timedelta(days=2),
            number="KNG-2026-000002",
            state="needs_revision",
        )
    listed = await send(db, app, people.psm, channel, text="perbaiki")
    assert "Ada 2 laporan Bapak/Ibu yang perlu diperbaiki" in said(listed), said(listed)
    assert sorted(labels(listed)) == ["Perbaiki KNG-2026-000001", "Perbaiki KNG-2026-000002"]
    async with db.reading() as repos:
        assert await repos.forms.active(people.psm.id) is None


async def test_perbaiki_with_nothing_sent_back_says_so(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    told = said(await send(db, app, ani, channel, text="perbaiki"))
    assert told.startswith("Tidak ada laporan Bapak/Ibu yang perlu diperbaiki"), told
