"""/cari as people type it (QA walk 9). More than a page of cases found is counted and paged
(before: "Ditemukan 10 laporan" with ten buttons, the rest unreachable); the word typed
before what is sought is dropped ("NIK 3208…", "KK …", "no KNG-…"); a name may end with its
desa ("slamet riyadi babatan"); a NIK copied masked from a case page is said to be
unsearchable and leaves the Telegram chat; "nothing found" says what can be searched. On
both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.i18n import Catalog
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, SINDANGJAWA, seed_case
from tests.storage.statements import statements_run, touching

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
CATALOG = Catalog.load()
NIK, KK = "3208014506230001", "3208011210190005"


async def _coordinator(db, channel):
    return await person(db, "Ibu Sari", Role.COORDINATOR, channel)


async def _cases(db, channel, *cases):
    """Cases of Bu Ani's (number, head, desa, NIK, KK), one a minute."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for minute, (number, head, desa, nik, kk) in enumerate(cases):
            await seed_case(
                repos, reporter=ani, desa=desa, at=NOW - timedelta(minutes=minute), number=number,
                head=head, people=(("Ayu", nik),), no_kk=kk,
            )  # fmt: skip


async def test_many_found_are_counted_and_paged(world, channel):
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(
        db,
        channel,
        *[(f"KNG-2026-{n:06d}", f"Muhammad Test{n}", BABATAN, None, None) for n in range(1, 15)],
    )
    first = await send(db, app, sari, channel, command="cari", command_args="Muhammad")
    assert "Ditemukan 14 laporan</b> · halaman 1/2" in said(first), said(first)
    cases = [label for label in labels(first) if label.startswith("KNG-")]
    assert len(cases) == 8 and "Berikutnya ›" in labels(first)
    second = await send(db, app, sari, channel, data=button(first, "Berikutnya"))
    assert "halaman 2/2" in said(second), said(second)
    more = [label for label in labels(second) if label.startswith("KNG-")]
    assert len(more) == 6 and not set(more) & set(cases)
    assert "‹ Sebelumnya" in labels(second) and "Berikutnya ›" not in labels(second)
    back = await send(db, app, sari, channel, data=button(second, "Sebelumnya"))
    assert [label for label in labels(back) if label.startswith("KNG-")] == cases


async def test_a_psm_cannot_turn_a_search_page(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    refused = await send(db, app, ani, channel, data="cr:1:-:muhammad")
    assert said(refused) == CATALOG.text("id", "errors.not_allowed"), said(refused)
    assert not labels(refused)


@pytest.mark.parametrize(
    "typed",
    [
        f"NIK {NIK}",
        f"KK {KK}",
        "no KNG-2026-000001",
        "nomor laporan: KNG-2026-000001",
        "nama Slamet",
    ],
)
async def test_a_word_before_what_is_sought_is_dropped(world, channel, typed):
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(db, channel, ("KNG-2026-000001", "Slamet Riyadi", BABATAN, NIK, KK))
    found = await send(db, app, sari, channel, command="cari", command_args=typed)
    assert "Ditemukan 1 laporan" in said(found), said(found)
    assert labels(found) == ["KNG-2026-000001 · Slamet Riyadi · Babatan · Diajukan"]


async def test_a_name_followed_by_its_desa_finds_the_case_there(world, channel):
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(
        db,
        channel,
        ("KNG-2026-000001", "Slamet Riyadi", BABATAN, None, None),
        ("KNG-2026-000002", "Slamet Riyadi", SINDANGJAWA, None, None),
    )
    for typed in ("slamet riyadi babatan", "Slamet desa Babatan"):
        found = await send(db, app, sari, channel, command="cari", command_args=typed)
        assert labels(found) == ["KNG-2026-000001 · Slamet Riyadi · Babatan · Diajukan"], typed
    both = await send(db, app, sari, channel, command="cari", command_args="Slamet Kadugede")
    assert len(labels(both)) == 2, said(both)  # the kecamatan: both its desa


async def test_a_masked_number_is_said_unsearchable_and_leaves_the_chat(world, channel):
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(db, channel, ("KNG-2026-000001", "Slamet Riyadi", BABATAN, NIK, KK))
    told = await send(db, app, sari, channel, command="cari", command_args="320801******0001")
    assert CATALOG.text("id", "case_search.masked") in said(told), said(told)
    assert not labels(told)
    deleted = [reply for reply in told.replies if reply.type == "delete"]
    assert len(deleted) == (1 if channel == "telegram" else 0)
    if channel == "whatsapp":  # cannot delete: asked to
        assert "hapus sendiri" in said(told), said(told)
    asked = await send(db, app, sari, channel, command="cari")
    again = await send(db, app, sari, channel, text="NIK 320801******0001")
    assert CATALOG.text("id", "case_search.masked") in said(again), said(again)
    assert "Ketik nomor laporan, NIK" in said(again) and "Ketik nomor laporan" in said(asked)
    found = await send(db, app, sari, channel, text=f"NIK {NIK}")
    assert labels(found) == ["KNG-2026-000001 · Slamet Riyadi · Babatan · Diajukan"]


async def test_nothing_found_says_what_can_be_searched(world, channel):
    db, app = world
    sari = await _coordinator(db, channel)
    none = said(await send(db, app, sari, channel, command="cari", command_args="Wawan"))
    assert none.startswith("Tidak ada laporan yang cocok"), none
    assert "NIK, nomor KK, atau nomor laporan" in none and "nama desa" in none


@pytest.mark.parametrize(("typed", "count"), [("KK 3208", 4), ("no. NIK 320801450623", 12)])
async def test_digits_after_nik_or_kk_are_one_however_few(world, channel, typed, count):
    """ "KK 3208" is a KK cut short (said, with the count), not case 3208's serial."""
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(db, channel, ("KNG-2026-003208", "Slamet Riyadi", BABATAN, NIK, KK))
    wrong = CATALOG.text("id", "case_search.wrong_length", count=count)
    told = await send(db, app, sari, channel, command="cari", command_args=typed)
    assert wrong in said(told), said(told)
    assert not labels(told)
    await send(db, app, sari, channel, command="cari")
    again = await send(db, app, sari, channel, text=typed)
    assert wrong in said(again) and "Ketik nomor laporan, NIK" in said(again), said(again)
    assert not labels(again)


async def test_many_by_one_kk_show_the_latest_and_the_next_page(world, channel):
    """A KK never travels in a button: more cases than a page show the latest eight, the
    count, and the next page (by the row holding the KK), not a hint to search by report
    numbers the person cannot see."""
    db, app = world
    sari = await _coordinator(db, channel)
    await _cases(
        db, channel, *[(f"KNG-2026-{n:06d}", f"Kel {n}", BABATAN, None, KK) for n in range(1, 10)]
    )
    found = await send(db, app, sari, channel, command="cari", command_args=f"KK {KK}")
    text = said(found)
    assert "Ditemukan 9 laporan</b> · halaman 1/2" in text, text
    assert "nomor laporan" not in text and "Persempit pencarian" not in text
    assert len(labels(found)) == 9 and "KNG-2026-000001" in labels(found)[0]
    assert labels(found)[-1] == "Berikutnya ›"
    assert not any(
        KK in button.data for reply in found.replies for row in reply.buttons for button in row
    )


async def test_an_admin_s_place_is_sought_in_every_district_in_one_query(world, channel):
    """An admin (no district: every district's places) typing a name and its desa: the place
    is looked up once for every ending, district and level (before: one query each, eight)."""
    db, app = world
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    await _cases(
        db,
        channel,
        ("KNG-2026-000001", "Slamet Riyadi", BABATAN, None, None),
        ("KNG-2026-000002", "Slamet Riyadi", SINDANGJAWA, None, None),
    )
    async with statements_run(db) as statements:
        found = await send(
            db, app, admin, channel, command="cari", command_args="Slamet Riyadi desa Babatan"
        )
    assert labels(found) == ["KNG-2026-000001 · Slamet Riyadi · Babatan · Diajukan"]
    lookups = [s for s in touching(statements, "FROM regions") if "name_key" in s]
    assert len(lookups) == 1, lookups
