"""The case spreadsheet's cells, read back with openpyxl: dates (Excel serial numbers in the
date format, local days), identifiers as text (masked or in full), empty cells left empty."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from handlers.export_sheet import LAYOUTS, SheetCells, SheetWriter, excel_serial
from handlers.i18n import Catalog
from storage.exports import ExportRow

ZONE = ZoneInfo("Asia/Jakarta")
NIK = "3208014506230001"
KK = "3208011210190005"


def export_row(**changes: object) -> ExportRow:
    values: dict[str, object] = {
        "case_id": 1,
        "number": "KNG-2026-000001",
        "submitted_at": datetime(2026, 11, 28, 16, 30, tzinfo=UTC),  # 23.30 WIB on the 28th
        "state": "submitted",
        "urgency": "segera",
        "protected": False,
        "kabupaten_code": "32.08",
        "kabupaten_name": "Kuningan",
        "kecamatan_code": "32.08.01",
        "kecamatan_name": "Darma",
        "desa_code": "32.08.01.2006",
        "desa_name": "Babatan",
        "categories": ["rtlh", "stunting"],
        "no_kk": KK,
        "no_kk_missing": None,
        "head_name": "=HYPERLINK(1)",
        "address": "Dusun Manis RT 02 RW 05",
        "nik": NIK,
        "nik_missing": None,
        "name": "Siti",
        "sex": "P",
        "birth_date": "2023-06-05",
        "relation": "anak_kandung",
        "reporter_name": "Bu Ani",
    }
    return ExportRow.model_validate(values | changes)


def _write(path: Path, rows: list[ExportRow], *, masked: bool) -> list[dict]:
    writer = SheetWriter(path, catalog=Catalog.load(), language="id", timezone=ZONE, masked=masked)
    writer.write_rows(rows[:1])
    writer.write_rows(rows[1:])  # a second chunk goes on below the first
    writer.close([("Baris", str(writer.rows))])
    sheet = openpyxl.load_workbook(path).worksheets[0]
    lines = list(sheet.iter_rows())
    header = [cell.value for cell in lines[0]]
    return [{header[i]: cell for i, cell in enumerate(line)} for line in lines[1:]]


@pytest.mark.parametrize(
    "day",
    [
        date(1900, 1, 1),
        date(1900, 2, 28),
        date(1900, 3, 1),  # after Excel's 29 Feb 1900 that never was
        date(1945, 8, 17),
        date(2024, 2, 29),
        date(2026, 12, 31),
    ],
)
def test_dates_read_back_as_the_same_day(tmp_path: Path, day: date) -> None:
    (row,) = _write(tmp_path / "d.xlsx", [export_row(birth_date=day.isoformat())], masked=True)
    cell = row["Tanggal lahir"]
    assert cell.is_date and cell.number_format == "dd-mm-yyyy"
    assert cell.value == datetime(day.year, day.month, day.day)


@pytest.mark.parametrize(
    ("language", "sex", "relation"),
    [("id", "Laki-laki", "Suami"), ("en", "Male", "Husband")],
)
def test_option_codes_are_shown_as_the_forms_labels(language: str, sex: str, relation: str) -> None:
    cells = SheetCells(catalog=Catalog.load(), language=language, timezone=ZONE)
    keys = [column.key for column in cells.columns]
    rows = cells.of(
        [export_row(sex="L", relation="suami"), export_row(sex="P", relation="famili_lain")]
    )
    husband, relative = (dict(zip(keys, row, strict=True)) for row in rows)
    assert (husband["sex"], husband["relation"]) == (sex, relation)
    assert relative["relation"] == {"id": "Famili lain", "en": "Other relative"}[language]


def test_serial_numbers_are_excels() -> None:
    assert excel_serial(date(1900, 1, 1)) == 1.0
    assert excel_serial(date(1900, 2, 28)) == 59.0
    assert excel_serial(date(1900, 3, 1)) == 61.0
    assert excel_serial(date(2026, 3, 10)) == 46091.0


def test_cells_masked_unmasked_and_empty(tmp_path: Path) -> None:
    rows = [
        export_row(),
        export_row(
            number="KNG-2026-000002",
            no_kk=None,
            no_kk_missing="tidak_tahu",
            nik=None,
            nik_missing=None,
            name=None,
            sex=None,
            birth_date=None,
            relation=None,
            categories=[],
            protected=True,
        ),
    ]
    for masked in (True, False):
        full, bare = _write(tmp_path / f"{masked}.xlsx", rows, masked=masked)
        assert full["Tanggal lapor"].value == datetime(2026, 11, 28)  # the local day
        assert full["Tanggal lapor"].number_format == "dd-mm-yyyy"
        nik, kk = full["NIK"], full["No. KK"]
        assert nik.data_type == "s" and kk.data_type == "s"
        assert nik.value == ("320801******0001" if masked else NIK)
        assert kk.value == ("320801******0005" if masked else KK)
        assert full["Nama kepala keluarga"].value == "=HYPERLINK(1)"
        assert full["Nama kepala keluarga"].data_type == "s"
        assert full["Hubungan dengan kepala keluarga"].value == "anak kandung"
        assert full["Kode desa"].value == "32.08.01.2006"
        # The categories by their names for reading (the form's long name where the button's
        # label is terse), as the page names them.
        assert full["Kategori"].value == "Rumah tidak layak huni (RTLH), Stunting"
        # Missing values leave the cell empty; a missing reason is said in words.
        for column in (
            "NIK",
            "Nama",
            "Jenis kelamin",
            "Tanggal lahir",
            "Hubungan dengan kepala keluarga",
            "Kategori",
        ):
            assert bare[column].value is None, column
        assert bare["No. KK"].data_type == "s" and bare["No. KK"].value == "Tidak tahu"
        assert bare["Dilindungi"].value != full["Dilindungi"].value


TYPED_NIK = "3208010101900001"  # typed into free text before such answers were refused
TYPED = {
    "head_name": f"Slamet {TYPED_NIK}",
    "name": "Ayu 3208 0145 0623 0001",
    "address": "Dusun Manis RT 02, KK 32.08.01.121019.0005",
    "reporter_name": f"Bu Ani {TYPED_NIK}",
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("masked", [True, False])
def test_numbers_typed_into_free_text_are_masked_too(layout: str, masked: bool) -> None:
    cells = SheetCells(
        catalog=Catalog.load(), language="id", timezone=ZONE, layout=layout, masked=masked
    )
    (row,) = cells.of([export_row(**TYPED)])
    by_key = dict(zip([column.key for column in cells.columns], row, strict=True))
    texts = [value for value in row if isinstance(value, str)]
    digits = [re.sub(r"\D", "", text) for text in texts]
    if masked:
        assert not any(re.search(r"\d{16}", run) for run in digits), texts
        assert by_key["name"] == "Ayu 320801******0001"
        assert by_key["address"] == "Dusun Manis RT 02, KK 320801******0005"
        assert by_key.get("head_name", "Slamet 320801******0001") == "Slamet 320801******0001"
    else:
        assert by_key["name"] == TYPED["name"] and by_key["address"] == TYPED["address"]
        assert by_key.get("reporter", TYPED["reporter_name"]) == TYPED["reporter_name"]
    assert by_key["desa_code"] == "32.08.01.2006"  # codes are not numbers to hide
