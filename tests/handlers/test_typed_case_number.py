"""A case number typed or pasted outside a form ("KNG-2026-000001", forwarded from a WhatsApp
group; "tolong cek kng-2026-1") opens the case's page on both channels: staff within their
scope get the reviewer's page (as /cari's result opens it), a PSM their own report's page
(as /laporan_saya opens it); anyone else is refused as /cari or /laporan_saya refuses it,
alike for a number outside their reach and one that does not exist. Inside a form the
number opens no page: the question reads it (alone, it is no answer there:
test_case_number_amid_form.py). /cari finds a case by the number's short form too."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage.db import Database
from storage.models import Role
from tests.handlers.review_turns import review_world
from tests.handlers.routed_turns import CHANNELS, active_session, labels, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NUMBER = "KNG-2026-000001"
PAGE = f"<b>{NUMBER}</b> · Diajukan · Biasa\nDesa Babatan, Kec. Kadugede"
NONE_IN_AREA = (
    "Tidak ada laporan yang cocok di wilayah Bapak/Ibu. Yang bisa dicari: nama kepala keluarga"
    " atau anggota keluarga (boleh diikuti nama desa, contoh: /cari Slamet Babatan), NIK,"
    " nomor KK, atau nomor laporan."
)
NOT_YOURS = "Laporan itu tidak ada di antara laporan Bapak/Ibu."
NOT_UNDERSTOOD = "belum mengerti"


def _data(turn) -> list[str]:
    return [b.data for reply in turn.replies for row in reply.buttons or [] for b in row]


async def _searches(db: Database) -> list[dict]:
    async with db.reading() as repos:
        return [json.loads(row["detail"]) for row in await repos.audit.entries("case.search")]


async def test_staff_open_the_page_of_a_number_typed_alone_or_in_a_sentence(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    for who, typed in (
        (people.coordinator, NUMBER),
        (people.tksk, "tolong cek *kng-2026-1* ya"),
    ):
        page = await send(db, app, who, channel, text=typed)
        assert said(page).startswith(PAGE) and NOT_UNDERSTOOD not in said(page)
        assert f"ca:b:{people.case_id}:1" in _data(page)  # the reviewer's page, its actions
    assert await _searches(db) == [{"kind": "number", "results": 1}] * 2


async def test_staff_outside_the_scope_are_told_nothing_of_it(world, channel):
    db, app = world
    await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    budi = await person(db, "Pak Budi", Role.TKSK, channel, kecamatan=CINIRU)
    elsewhere = await send(db, app, budi, channel, text=NUMBER)
    missing = await send(db, app, budi, channel, text="KNG-2026-000999")
    assert said(elsewhere) == said(missing) == NONE_IN_AREA  # the same whether it exists
    assert not _data(elsewhere)


async def test_a_psm_opens_their_own_report_and_no_one_elses(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    page = await send(db, app, people.psm, channel, text=f"{NUMBER}.")
    assert said(page).startswith(PAGE)
    assert _data(page) == ["menu:laporan_saya"]  # the reporter's page: no review action
    # A PSM of the same desa (who sees the desa's cases elsewhere) and a number that does
    # not exist: the same refusal as a /laporan_saya button of someone else's report.
    dewi = await person(db, "Bu Dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    theirs = await send(db, app, dewi, channel, text=NUMBER)
    missing = await send(db, app, dewi, channel, text="KNG-2026-000999")
    assert said(theirs).startswith(NOT_YOURS) and said(missing) == said(theirs)
    assert "Slamet" not in said(theirs) and "Babatan" not in said(theirs)


async def test_several_numbers_are_asked_one_at_a_time(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    told = await send(db, app, people.tksk, channel, text=f"{NUMBER} dan KNG-2026-000002")
    assert "beberapa nomor laporan" in said(told) and PAGE not in said(told)


async def test_inside_a_form_the_number_is_the_question_s_to_read(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    await send(db, app, people.psm, channel, command="lapor")
    before = await active_session(db, people.psm)
    assert before is not None and before.form_id == "case_report"
    answered = await send(db, app, people.psm, channel, text=NUMBER)
    assert PAGE not in said(answered) and "menu:laporan_saya" not in _data(answered)
    after = await active_session(db, people.psm)
    assert after is not None and after.id == before.id  # the report goes on
    assert "adalah nomor laporan" in said(answered)  # no head of household's name either


async def test_cari_finds_the_short_form_of_a_number(world, channel):
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    for typed in ("kng-2026-1", "KNG-2026-0000001", "*KNG-2026-000001*"):
        found = await send(db, app, people.coordinator, channel, command="cari", command_args=typed)
        assert said(found) == "Ditemukan 1 laporan:", typed
        assert labels(found)[0].startswith(f"{NUMBER} · Slamet Riyadi · Babatan")


async def test_staff_open_their_own_report_outside_their_scope_as_its_reporter(world, channel):
    db, app = world
    await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    budi = await person(db, "Pak Budi", Role.TKSK, channel, kecamatan=CINIRU)
    async with db.transaction() as repos:  # reported in Babatan before he was Ciniru's TKSK
        await seed_case(repos, reporter=budi, desa=BABATAN, at=NOW, number="KNG-2026-000002")
    page = await send(db, app, budi, channel, text="KNG-2026-2")
    assert said(page).startswith("<b>KNG-2026-000002</b> · Diajukan")
    assert _data(page) == ["menu:laporan_saya"]  # the reporter's page, no review action
