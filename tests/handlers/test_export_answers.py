"""The case spreadsheet has a column per further question of the case report form (household
size, bansos, the category follow-ups, the reasons for a missing KK, NIK or location), headed
by its Indonesian label, option codes as labels, empty where the case was not asked it; read
back with openpyxl from rows streamed out of a real database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from handlers.export_sheet import SheetWriter
from handlers.i18n import Catalog
from storage.models import Role
from storage.scope import Scope
from tests.handlers.test_case_page_answers import DROPOUT, STUNTING
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database, seed_case

HEADERS = [
    "Alasan tanpa KK",
    "Alasan tanpa lokasi",
    "Status stunting",
    "Berat/tinggi",
    "Jenis tidak sekolah",
    "Kelas terakhir",
    "Alasan tak sekolah",
    "Jenis disabilitas",
    "Jumlah penghuni",
    "Bansos",
    "Alasan tanpa NIK",
]


async def _sheet(tmp_path: Path, *, masked: bool) -> dict[str, dict[str, object]]:
    """Each case's row (by number) as {header: value}, and the header row under ""."""
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        dropout = {
            **DROPOUT,
            "members": [
                {
                    "member_name": "Ayu Lestari",
                    "member_nik": {"missing": "tidak_tahu"},
                    "member_nik_reason": "anak jalanan, KK 3208011210190005",
                }
            ],
        }
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=2),
            number="KNG-2026-000001", categories=("anak_tidak_sekolah",), answers=dropout,
            no_kk=None, people=(("Ayu Lestari", None),),
        )  # fmt: skip
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000002", answers=STUNTING,
        )  # fmt: skip
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW, number="KNG-2026-000003"
        )  # answers of before these columns: all empty
    path = tmp_path / "cases.xlsx"
    writer = SheetWriter(
        path, catalog=Catalog.load(), language="id", timezone=ZoneInfo("Asia/Jakarta"),
        masked=masked,
    )  # fmt: skip
    async with db.reading() as reader:
        async for chunk in reader.exports.rows(Scope(everything=True), chunk=1):
            writer.write_rows(chunk)
    writer.close([])
    await db.close()
    lines = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = list(lines[0])
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    return {"": dict.fromkeys(header), **rows}


async def test_the_further_answers_have_columns_of_their_own(tmp_path: Path) -> None:
    sheet = await _sheet(tmp_path, masked=True)
    header = list(sheet[""])
    assert header[-len(HEADERS) :] == HEADERS
    assert header[: -len(HEADERS)][-1] == "Lokasi verifikasi"  # after the columns that were there
    dropout, stunting, bare = (sheet[f"KNG-2026-00000{n}"] for n in (1, 2, 3))
    assert {key: dropout[key] for key in HEADERS} == {
        "Alasan tanpa KK": "hilang waktu banjir",
        "Alasan tanpa lokasi": "sinyal GPS lemah",
        "Status stunting": None,
        "Berat/tinggi": None,
        "Jenis tidak sekolah": "Putus sekolah",
        "Kelas terakhir": "kelas 4 SD",
        "Alasan tak sekolah": "biaya, harus bantu ortu",
        "Jenis disabilitas": None,
        "Jumlah penghuni": "4",
        "Bansos": "PKH, PIP/KIP",
        "Alasan tanpa NIK": "anak jalanan, KK 320801******0005",  # typed: masked
    }
    assert {key: stunting[key] for key in HEADERS if stunting[key] is not None} == {
        "Status stunting": "Terkonfirmasi",
        "Berat/tinggi": "9,5 kg 78 cm",
        "Jumlah penghuni": "5",
        "Bansos": "Belum ada",
    }
    assert all(bare[key] is None for key in HEADERS)


async def test_the_server_export_in_full_leaves_typed_reasons_as_typed(tmp_path: Path) -> None:
    sheet = await _sheet(tmp_path, masked=False)
    assert sheet["KNG-2026-000001"]["Alasan tanpa NIK"] == "anak jalanan, KK 3208011210190005"
