"""/cari's results name the head of household beside the number, desa and state, so two
cases of the same desa and state are told apart (before: "KNG-2026-000001 · Babatan ·
Diajukan" for both). A long name is cut so the WhatsApp list row keeps its limits (title 24,
description 72); no NIK or KK is shown. On both channels."""

from __future__ import annotations

import re

import pytest

from bot.channels.whatsapp.outbound import ROW_DESCRIPTION, ROW_TITLE, list_row, render
from handlers.audit_keys import number_subject
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
LONG_HEAD = "Raden Ajeng Siti Nurhasanah Kusumawardhani Prameswari Putri Sekar Arum"
# (number, head of household, the subject's NIK), all of Babatan, all submitted
CASES = [
    ("KNG-2026-000001", "Siti Aminah", "3208014506230001"),
    ("KNG-2026-000002", "Siti Rahayu", "3208014506230002"),
    ("KNG-2026-000003", LONG_HEAD, "3208014506230003"),
]


async def _found(world, channel: str, typed: str):
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for number, head, nik in CASES:
            await seed_case(
                repos, reporter=ani, desa=BABATAN, at=NOW, number=number, head=head,
                people=(("Ayu", nik),), no_kk=None,
            )  # fmt: skip
    return await send(db, app, tono, channel, command="cari", command_args=typed)


async def test_results_of_one_desa_and_state_are_told_apart_by_the_head(world, channel):
    found = await _found(world, channel, "siti")
    assert "Ditemukan 3 laporan" in said(found)
    shown = sorted(labels(found))
    assert shown[:2] == [
        "KNG-2026-000001 · Siti Aminah · Babatan · Diajukan",
        "KNG-2026-000002 · Siti Rahayu · Babatan · Diajukan",
    ]
    assert all("320801" not in label for label in shown)  # never a NIK


async def test_a_long_head_is_cut_to_keep_a_whatsapp_list_row(world, channel):
    found = await _found(world, channel, "nurhasanah")
    (label,) = labels(found)
    assert label.startswith("KNG-2026-000003 · Raden Ajeng Siti") and "…" in label
    assert label.endswith(" · Babatan · Diajukan")
    row = list_row(label)
    assert row is not None
    title, description = row
    assert title == "KNG-2026-000003" and len(title) <= ROW_TITLE
    assert description.startswith("Raden Ajeng") and len(description) == ROW_DESCRIPTION
    if channel == "whatsapp":  # the results go out as a list to tap, not numbered text
        app = world[1]
        (reply,) = [r for r in found.replies if r.buttons]
        (body,) = render(reply, app.catalog, "id").bodies
        assert body["type"] == "interactive" and body["interactive"]["type"] == "list"


KK = "3208011210190005"
NIK = "3208014506230001"


async def _one_household(world, channel: str, reports: int):
    """`reports` cases, each of a household with KK `KK` about Ayu with NIK `NIK`."""
    db, _ = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for serial in range(1, reports + 1):
            await seed_case(
                repos, reporter=ani, desa=BABATAN, at=NOW, number=f"KNG-2026-{serial:06}",
                people=(("Ayu", NIK),), no_kk=KK,
            )  # fmt: skip
    return tono


@pytest.mark.parametrize("typed", [KK, f"NIK {NIK}"])
async def test_a_kk_or_nik_found_in_many_reports_is_paged(world, channel, typed):
    """QA walk 10: 19 reports of one KK read "Ditemukan 10 laporan; 8 yang terbaru
    ditampilkan" (ten fetched, ten counted), then "tambahkan nama desa", which narrows
    nothing for one household; then all 19 were counted, but the hint was "cari dengan nomor
    laporannya": numbers of reports past the 8 shown, which the person could not see. Now
    the other pages are a button away, as a name's, the NIK or KK never in a button."""
    db, app = world
    tono = await _one_household(world, channel, 19)
    found = await send(db, app, tono, channel, command="cari", command_args=typed)
    text = said(found)
    assert "Ditemukan 19 laporan</b> · halaman 1/3" in text, text
    assert "nomor laporan" not in text and "nama desa" not in text
    shown = labels(found)
    assert len(shown) == 9 and shown[0].startswith("KNG-2026-000019"), shown
    assert shown[-1] == "Berikutnya ›", shown
    later = button(found, "Berikutnya")
    assert KK not in later and NIK not in later and "320801" not in later, later

    second = await send(db, app, tono, channel, data=later)
    assert "Ditemukan 19 laporan</b> · halaman 2/3" in said(second), said(second)
    shown = labels(second)
    assert shown[0].startswith("KNG-2026-000011") and shown[7].startswith("KNG-2026-000004")
    third = await send(db, app, tono, channel, data=button(second, "Berikutnya"))
    assert "halaman 3/3" in said(third)
    assert [label[:15] for label in labels(third)[:3]] == [
        "KNG-2026-000003", "KNG-2026-000002", "KNG-2026-000001",
    ]  # fmt: skip
    async with db.reading() as repos:
        entries = await repos.audit.entries(action="case.search")
    subjects = {entry["subject"] for entry in entries}
    assert subjects == {number_subject(app, typed.removeprefix("NIK "))}, (
        subjects
    )  # hashed with the deployment's key


async def test_a_nik_page_of_a_number_erased_since_is_an_old_button(world, channel):
    db, app = world
    tono = await _one_household(world, channel, 9)
    found = await send(db, app, tono, channel, command="cari", command_args=f"NIK {NIK}")
    later = button(found, "Berikutnya")
    async with db.transaction() as repos:
        await repos.conn.execute("UPDATE household_members SET nik = NULL WHERE nik = ?", (NIK,))
    pressed = said(await send(db, app, tono, channel, data=later))
    assert pressed == "Tombol itu sudah tidak berlaku.", pressed


OTHER_NIK = "3208015107150002"


async def test_a_nik_page_whose_row_holds_another_number_now_is_an_old_button(world, channel):
    """Review 14: the page button named the household member's row alone; retention's
    drop_orphans reuses a row id, and a restore gives other ids, so an old button searched
    another family's NIK (in the presser's scope) and logged that search. The button carries
    a short check of the number: a row holding another number now is an old button."""
    db, app = world
    tono = await _one_household(world, channel, 9)
    ani = await person(db, "Bu Rina", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for serial in range(20, 29):  # another family, as many reports: pages too
            await seed_case(
                repos, reporter=ani, desa=BABATAN, at=NOW, number=f"KNG-2026-{serial:06}",
                people=(("Rudi", OTHER_NIK),), no_kk=None,
            )  # fmt: skip
    found = await send(db, app, tono, channel, command="cari", command_args=f"NIK {NIK}")
    later = button(found, "Berikutnya")
    assert len(later.encode()) <= 64, later
    holder = re.search(r":=:nik(\d+)", later)
    assert holder, later
    async with db.transaction() as repos:  # the row the button names holds the other NIK now
        await repos.conn.execute(
            "UPDATE household_members SET nik = ? WHERE id = ?", (OTHER_NIK, int(holder[1]))
        )
    pressed = await send(db, app, tono, channel, data=later)
    assert said(pressed) == "Tombol itu sudah tidak berlaku.", said(pressed)
    async with db.reading() as repos:
        entries = await repos.audit.entries(action="case.search")
    assert number_subject(app, OTHER_NIK) not in {entry["subject"] for entry in entries}


async def test_a_kk_of_a_few_reports_shows_them_all(world, channel):
    db, app = world
    tono = await _one_household(world, channel, 3)
    found = await send(db, app, tono, channel, command="cari", command_args=KK)
    assert "Ditemukan 3 laporan:" in said(found) and len(labels(found)) == 3


async def _serial_in_many_years(world, channel: str, years: int):
    """Case 101 of each of `years` years, the latest year first in the list."""
    db, _ = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for year in range(2027 - years, 2027):
            await seed_case(
                repos, reporter=ani, desa=BABATAN, at=NOW, number=f"KNG-{year}-000101",
                people=(("Ayu", None),), no_kk=None,
            )  # fmt: skip
    return tono


async def test_a_serial_alone_found_in_many_reports_is_counted_truly(world, channel):
    """/cari 101 (a case number's tail) counted the ten fetched and hinted "tambahkan nama
    desa", which narrows nothing: all 12 are counted, the whole number narrows."""
    db, app = world
    tono = await _serial_in_many_years(world, channel, 12)
    found = await send(db, app, tono, channel, command="cari", command_args="101")
    text = said(found)
    assert "Ditemukan 12 laporan; 8 yang terbaru ditampilkan." in text, text
    assert "cari dengan nomor laporan lengkap (contoh: /cari KNG-" in text, text
    assert "nama desa" not in text
    shown = labels(found)
    assert len(shown) == 8 and all("-000101 · " in label for label in shown), shown


async def test_a_serial_of_a_few_reports_shows_them_all(world, channel):
    db, app = world
    tono = await _serial_in_many_years(world, channel, 3)
    found = await send(db, app, tono, channel, command="cari", command_args="000101")
    assert "Ditemukan 3 laporan:" in said(found) and len(labels(found)) == 3
    assert "nomor laporan lengkap" not in said(found)
