"""Reading a coordinator's list of people to invite (CSV/XLSX): columns found by their header
or by their look, numbers as E.164, every unusable row reported with its number and why."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from handlers.trainings.phone_lists import (
    MAX_ROWS,
    Invitee,
    RowProblem,
    UnreadableFile,
    parse_invitees,
    read_cells,
)


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "daftar.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "invitees", "problems"),
    [
        (  # a header with the phone column second, semicolons (Excel in Indonesian)
            "Nama;No. HP\nBu Ani;0812-3450-0701\n",
            [Invitee(2, "Bu Ani", "+6281234500701")],
            [],
        ),
        (  # the phone column first, another name header, commas
            "WhatsApp,Nama Lengkap,Desa\n6281234500702,Pak Joko,Babatan\n",
            [Invitee(2, "Pak Joko", "+6281234500702")],
            [],
        ),
        (  # no header: the cell that looks like a number, the first other text as name
            "1,Bu Rina,+62 812 3450 0703\n",
            [Invitee(1, "Bu Rina", "+6281234500703")],
            [],
        ),
        (  # empty lines are skipped, not reported; row numbers stay the file's
            "Nama;HP\n\nBu Ani;081234500701\n",
            [Invitee(3, "Bu Ani", "+6281234500701")],
            [],
        ),
        (
            "Nama;HP\nA;\nB;12345\nC;022-1234567\nD;081234500701\nE;0812 3450 0701\n",
            [Invitee(5, "D", "+6281234500701")],
            [
                RowProblem(2, "empty"),
                RowProblem(3, "invalid", value="12345"),
                RowProblem(4, "not_mobile", value="022-1234567"),
                RowProblem(6, "duplicate", first=5),
            ],
        ),
    ],
)
def test_csv_lists(tmp_path: Path, text: str, invitees: list, problems: list) -> None:
    assert parse_invitees(read_cells(_csv(tmp_path, text))) == (invitees, problems)


def test_a_windows_encoded_csv_is_read(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Nama;HP\nJosé;081234500701\n", encoding="cp1252")
    assert parse_invitees(read_cells(path))[0] == [Invitee(2, "José", "+6281234500701")]


def test_xlsx_numbers_typed_as_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    for row in (["Nama", "Telepon"], ["Calon Dua", 81355550002], ["Calon Tiga", 6281355550003.0]):
        workbook.active.append(row)
    path = tmp_path / "daftar.xlsx"
    workbook.save(path)
    assert parse_invitees(read_cells(path)) == (
        [Invitee(2, "Calon Dua", "+6281355550002"), Invitee(3, "Calon Tiga", "+6281355550003")],
        [],
    )


def test_too_many_rows_are_reported_not_read(tmp_path: Path) -> None:
    lines = ["Nama;HP"] + [f"Orang {n};0812{n:08d}" for n in range(MAX_ROWS + 5)]
    invitees, problems = parse_invitees(read_cells(_csv(tmp_path, "\n".join(lines))))
    assert len(invitees) + len(problems) == MAX_ROWS + 1
    assert problems[-1] == RowProblem(MAX_ROWS + 2, "too_many")


@pytest.mark.parametrize(
    ("name", "data"), [("x.xlsx", b"PK\x03\x04 broken"), ("x.csv", b"\x00\x01\x02binary")]
)
def test_unreadable_files(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableFile):
        read_cells(path)
