"""/ekspor: the guided choice, then an .xlsx checked cell by cell against the database:
masked NIK/KK as text cells, region names and codes, local dates, the cap, the audit."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import pytest_asyncio

import handlers.export as export
from bot.render_pool import RenderPool
from handlers.export import export_button, start_export
from storage.models import Role
from tests.handlers.chat_turns import app_context, command, run_background, tap
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    SINDANGJAWA,
    TUBAN_DESA,
    make_user,
    open_database,
    query,
    seed_case,
)

NIKS = {
    1: "3208014506230001",
    2: "3208015107150002",
    3: "3208011203600003",
    4: "3208020101800004",
    5: "3523014506230005",
}
KK = "3208011210190005"
DIALOGUE = export.dialogue_of(NOW)  # of an /ekspor at NOW, the tests' clock


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        people = {
            "coordinator": await make_user(repos, "Ibu Sari", Role.COORDINATOR),
            "tksk": await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE),
            "admin": await make_user(repos, "Admin", Role.ADMIN, kabupaten=None),
            "psm": await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN),
        }
        psm = people["psm"]
        # Case 1 at 23.30 WIB on 28 Nov (16.30 UTC): its local date is the 28th.
        await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=datetime(2026, 11, 28, 16, 30, tzinfo=UTC),
            number="KNG-2026-000001",
            people=(("Ayu Lestari", NIKS[1]), ("Siti Aminah", NIKS[2])),
            no_kk=KK,
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=SINDANGJAWA,
            at=NOW - timedelta(days=5),
            number="KNG-2026-000002",
            state="verified",
            categories=("lansia_telantar", "fakir_miskin"),
            people=(('=HYPERLINK("http://x")', NIKS[3]),),
            no_kk=None,
            head="=1+1",
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=CINIRU_DESA,
            at=NOW - timedelta(days=20),
            number="KNG-2026-000003",
            people=(("Budi", NIKS[4]),),
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=NOW - timedelta(days=200),
            number="KNG-2026-000004",
            people=(("Lama", None),),
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=TUBAN_DESA,
            at=NOW - timedelta(days=1),
            number="TBN-2026-000001",
            people=(("Tuban", NIKS[5]),),
        )
    yield db, people, app_context(tmp_path / "media")
    await db.close()


async def _command(world, who: str = "coordinator"):
    db, people, app = world
    async with db.transaction() as repos:
        turn = command(app, repos, people[who], "ekspor")
        await start_export(turn)
    return turn.replies


async def _tap(world, data: str, who: str = "coordinator"):
    db, people, app = world
    async with db.transaction() as repos:
        turn = tap(app, repos, people[who], data)
        await export_button(turn, data)
    return await run_background(db, turn)


def _buttons(reply) -> dict[str, str]:
    return {b.label: b.data for row in reply.buttons for b in row}


def _sheet(path: str) -> tuple[list[str], list[dict]]:
    book = openpyxl.load_workbook(path, read_only=False)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, [{header[i]: cell for i, cell in enumerate(row)} for row in rows[1:]]


async def test_guided_choice_then_a_masked_workbook(world) -> None:
    db, _, _ = world
    first = await _command(world)
    periods = _buttons(first[0])
    assert list(periods) == ["7 hari", "30 hari", "365 hari", "Semua waktu"]
    kecamatan = await _tap(world, periods["30 hari"])
    options = _buttons(kecamatan[0])
    # Only kecamatan with cases in the period, with their counts; not the other district.
    assert "Kadugede (2)" in options and "Ciniru (1)" in options
    assert not any("Jlodro" in label or "Tuban" in label for label in options)
    categories = await _tap(world, options["Kadugede (2)"])
    options = _buttons(categories[0])
    assert "Kecamatan Kadugede" in categories[0].text
    assert {"Stunting (1)", "Lansia telantar (1)", "Fakir miskin (1)"} <= set(options)
    states = await _tap(world, options["Semua kategori"])
    options = _buttons(states[0])
    assert "Diajukan" in options and "Draf" not in options
    done = await _tap(world, options["Semua status"])
    document = done[0]
    assert document.type == "document" and document.file_path.endswith(".xlsx")
    assert "3 baris" in document.text and "disamarkan" in document.text

    header, rows = _sheet(document.file_path)
    assert header[:5] == ["Nomor kasus", "Tanggal lapor", "Status", "Urgensi", "Kategori"]
    expected = query(
        db.path,
        "SELECT c.number, m.nik, m.name, h.no_kk, c.desa_code FROM cases c"
        " JOIN households h ON h.id = c.household_id JOIN case_subjects s ON s.case_id = c.id"
        " JOIN household_members m ON m.id = s.member_id"
        " WHERE c.kecamatan_code = ? AND c.submitted_at >= ?"
        " ORDER BY c.submitted_at DESC, c.id DESC, m.id",  # the newest case first
        (KADUGEDE, "2026-10-30T17:00"),
    )
    assert [r["Nomor kasus"].value for r in rows] == [e["number"] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        nik = row["NIK"]
        assert nik.data_type == "s" and nik.value == want["nik"][:6] + "******" + want["nik"][-4:]
        assert row["Nama"].value == want["name"]
        assert row["Kode desa"].value == want["desa_code"]
        kk = row["No. KK"]
        if want["no_kk"]:
            assert kk.data_type == "s" and kk.value == "320801******0005"
        else:
            assert kk.value is None
    by_number = {r["Nomor kasus"].value: r for r in rows}
    late = by_number["KNG-2026-000001"]
    assert late["Tanggal lapor"].value == datetime(2026, 11, 28)  # local date, not UTC's
    assert late["Tanggal lahir"].value == datetime(2023, 6, 5)
    assert late["Kecamatan"].value == "Kadugede" and late["Kode kecamatan"].value == KADUGEDE
    assert late["Desa/Kelurahan"].value == "Babatan" and late["Kabupaten"].value == (
        "Kabupaten Kuningan"
    )
    assert late["Status"].value == "Diajukan" and late["Kategori"].value == "Stunting"
    formula = by_number["KNG-2026-000002"]
    assert formula["Nama"].value == '=HYPERLINK("http://x")' and formula["Nama"].data_type == "s"
    assert formula["Nama kepala keluarga"].data_type == "s"
    assert formula["Kategori"].value == "Fakir miskin, Lanjut usia telantar"  # names read

    # No full NIK or KK anywhere in the file.
    with zipfile.ZipFile(document.file_path) as archive:
        content = b"".join(archive.read(name) for name in archive.namelist())
    for digits in [*NIKS.values(), KK]:
        assert digits.encode() not in content

    audit = query(db.path, "SELECT * FROM audit_log WHERE action = 'case.export'")
    assert len(audit) == 1
    detail = json.loads(audit[-1]["detail"])
    assert detail == {
        "via": "chat",
        "masked": True,
        "period": "30",
        "since": "2026-10-30T17:00:00+00:00",
        "kecamatan": KADUGEDE,
        "category": None,
        "state": None,
        "rows": 3,
        "truncated": False,
        "limit": export.CHAT_EXPORT_MAX_ROWS,
    }


async def test_build_now_with_a_category_and_all_time(world) -> None:
    first = await _command(world)
    kecamatan = await _tap(world, _buttons(first[0])["Semua waktu"])
    options = _buttons(kecamatan[0])
    categories = await _tap(world, options["Semua kecamatan"])
    document = (await _tap(world, _buttons(categories[0])["Stunting (3)"].replace(":n:", ":b:")))[0]
    _, rows = _sheet(document.file_path)
    assert [r["Nomor kasus"].value for r in rows] == [  # the newest first
        "KNG-2026-000001",
        "KNG-2026-000001",
        "KNG-2026-000003",
        "KNG-2026-000004",
    ]
    assert rows[-1]["NIK"].value == "Tidak tahu"


async def test_the_cap_keeps_the_newest_whole_cases_and_says_so(world, monkeypatch) -> None:
    db, people, _ = world
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=people["psm"],
            desa=BABATAN,
            at=NOW - timedelta(hours=1),
            number="KNG-2026-000005",
            people=(("Dewi", None), ("Rina", None)),
        )
    # The newest rows: case 5 (2 people), case 1 (2 people), ...: a cap of 3 would cut case 1.
    monkeypatch.setattr(export, "CHAT_EXPORT_MAX_ROWS", 3)
    document = (await _tap(world, f"ex:{DIALOGUE}:b:a:*:*:*"))[0]
    assert "Daftar dipotong: hanya laporan terbaru yang dimuat (2 baris, batas 3)" in (
        document.text
    )
    _, rows = _sheet(document.file_path)
    info = openpyxl.load_workbook(document.file_path).worksheets[1]
    assert any("Daftar dipotong" in str(row[1].value) for row in info.iter_rows())
    assert [(r["Nomor kasus"].value, r["Nama"].value) for r in rows] == [
        ("KNG-2026-000005", "Dewi"),
        ("KNG-2026-000005", "Rina"),
    ]
    detail = json.loads(query(db.path, "SELECT detail FROM audit_log")[-1]["detail"])
    assert detail["rows"] == 2 and detail["truncated"] is True and detail["limit"] == 3


def _writer_pid(path, rows, info, **options):
    """Writes the workbook, and in its information sheet which process wrote it."""
    return export.write_workbook(path, rows, [*info, ("pid", str(os.getpid()))], **options)


async def test_the_workbook_is_written_by_the_render_process(world, monkeypatch) -> None:
    db, people, app = world
    monkeypatch.setattr(export, "write_workbook", _writer_pid)
    pool = RenderPool()
    try:
        document = (
            await _tap(
                (db, people, dataclasses.replace(app, render=pool.render)),
                f"ex:{DIALOGUE}:b:a:*:*:*",
            )
        )[0]
    finally:
        await pool.shutdown()
    _, rows = _sheet(document.file_path)
    assert len(rows) == 5 and "5 baris" in document.text
    info = openpyxl.load_workbook(document.file_path).worksheets[1]
    written_by = {row[0].value: row[1].value for row in info.iter_rows()}["pid"]
    assert written_by != str(os.getpid())


async def test_nothing_matches(world) -> None:
    replies = await _tap(world, f"ex:{DIALOGUE}:b:7:02:*:*")
    assert replies[0].type == "text" and "Tidak ada kasus" in replies[0].text


@pytest.mark.parametrize("who", ["tksk", "admin", "psm"])
async def test_only_coordinators(world, who) -> None:
    assert (await _command(world, who))[0].text.startswith("Maaf, Bapak/Ibu tidak berwenang")
    assert (await _tap(world, f"ex:{DIALOGUE}:b:a:*:*:*", who))[0].text.startswith("Maaf")


@pytest.mark.parametrize(
    "data",
    [
        f"ex:{DIALOGUE}:n:14:-:-:-",  # no such period
        f"ex:{DIALOGUE}:b:a:99:*:*",  # no such kecamatan
        f"ex:{DIALOGUE}:b:a:*:bukan_kategori:*",
        f"ex:{DIALOGUE}:b:a:*:*:draft",
        f"ex:{DIALOGUE}:x:a:*:*:*",
        f"ex:{DIALOGUE}:b:a:*:*:*:extra",
        "ex:b:a:*:*:*",  # a button of the release before, without its dialogue
        f"ex:{export.dialogue_of(NOW - timedelta(days=1, seconds=1))}:b:a:*:*:*",  # too old
        "ex:Z_1:b:a:*:*:*",
        "ex:1234567:b:a:*:*:*",
    ],
)
async def test_foreign_or_old_buttons(world, data) -> None:
    assert (await _tap(world, data))[0].text == "Tombol itu sudah tidak berlaku."


async def test_button_data_fits_telegram(world) -> None:
    first = await _command(world)
    seen = list(_buttons(first[0]).values())
    kecamatan = await _tap(world, seen[-1])
    seen += _buttons(kecamatan[0]).values()
    until_2068 = export.dialogue_of(datetime(2068, 11, 1, tzinfo=UTC))
    assert len(DIALOGUE) == len(until_2068) == 6
    longest = f"ex:{until_2068}:b:365:01:perempuan_rawan_sosial_ekonomi:needs_revision"
    categories = await _tap(world, f"ex:{DIALOGUE}:n:365:01:-:-")
    seen += [*_buttons(categories[0]).values(), longest]
    assert all(len(data.encode()) <= 64 for data in seen)
    assert CINIRU.endswith(".02")


@pytest.mark.parametrize(
    ("language", "number", "district", "reason", "made"),
    [
        ("id", "Nomor kasus", "Kabupaten Kuningan", "Alasan tak sekolah", "29-11-2026 10.00 WIB"),
        ("en", "Case number", "District Kuningan", "Reason not in school", "29 Nov 2026 10.00 WIB"),
    ],
)
async def test_the_sheet_speaks_the_coordinators_language(
    world, language, number, district, reason, made
) -> None:
    """QA walk 12: the English sheet said "Kabupaten Kuningan" and a bare "Reason"; the time
    it was made read "10:00", not the chat's "10.00"."""
    db, people, _ = world
    async with db.transaction() as repos:
        people["coordinator"] = await repos.users.update(
            people["coordinator"].id, now=NOW, language=language
        )
    document = (await _tap(world, f"ex:{DIALOGUE}:b:a:*:*:*"))[0]
    header, rows = _sheet(document.file_path)
    assert reason in header
    assert {row[header[6]].value for row in rows} == {district}, header[6]
    assert rows[0][number].value.startswith("KNG-")
    info = openpyxl.load_workbook(document.file_path).worksheets[1]
    assert made in [row[1].value for row in info.iter_rows()]
