"""Lists of people to invite, as a coordinator keeps them: a CSV or XLSX with a name and a
phone number per row. Reading never fails on a bad row: each one is reported with its row
number (as the spreadsheet shows it) and why; numbers become E.164 (+628...)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from handlers.identifiers import IdentifierError, parse_phone

MAX_ROWS = 2000
_PHONE_HEADERS = re.compile(r"(hp|telp|telepon|phone|ponsel|whatsapp|\bwa\b|nomor|no\.?\s*hp)")
_NAME_HEADERS = re.compile(r"(nama|name)")


class UnreadableFile(ValueError):
    """Not a CSV or XLSX we can read."""


@dataclass(frozen=True)
class Invitee:
    row: int
    name: str
    phone: str  # E.164


@dataclass(frozen=True)
class RowProblem:
    row: int
    reason: str  # empty, invalid, not_mobile, duplicate, too_many
    value: str = ""
    first: int = 0  # duplicate: the row that had the number first


def read_cells(path: Path) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) of the file's first sheet, empty rows left out."""
    suffix = path.suffix.lower()
    try:
        rows = _xlsx_rows(path) if suffix == ".xlsx" else _csv_rows(path)
    except UnreadableFile:
        raise
    except Exception as exc:  # a corrupt or disguised file: say so, never crash
        raise UnreadableFile(str(exc)) from exc
    return [(number, cells) for number, cells in rows if any(cell for cell in cells)]


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile("not a text file")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(number, [c.strip() for c in row]) for number, row in enumerate(reader, start=1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl  # loaded only when a file is read

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, [_cell_text(value) for value in values]))
            if number > MAX_ROWS + 50:
                break
        return rows
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell as typed: 81234567890.0 (a number column) is 81234567890."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _columns(first: list[str]) -> tuple[int | None, int | None]:
    """(name column, phone column) from a header row, or (None, None) without one."""
    lowered = [cell.lower() for cell in first]
    phone = next((i for i, cell in enumerate(lowered) if _PHONE_HEADERS.search(cell)), None)
    if phone is None:
        return None, None
    name = next(
        (i for i, cell in enumerate(lowered) if _NAME_HEADERS.search(cell) and i != phone), None
    )
    return name, phone


def _looks_like_phone(cell: str) -> bool:
    return len(re.sub(r"\D", "", cell)) >= 8 and not re.search(r"[A-Za-z]", cell)


def parse_invitees(rows: list[tuple[int, list[str]]]) -> tuple[list[Invitee], list[RowProblem]]:
    """The people of a list and the rows that could not be used."""
    if not rows:
        return [], []
    name_col, phone_col = _columns(rows[0][1])
    body = rows[1:] if phone_col is not None else rows
    invitees: list[Invitee] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for index, (number, cells) in enumerate(body):
        if index >= MAX_ROWS:
            problems.append(RowProblem(number, "too_many"))
            break
        column = phone_col
        if column is None:  # no header: the first cell that looks like a number
            column = next((i for i, c in enumerate(cells) if _looks_like_phone(c)), None)
        raw = cells[column] if column is not None and column < len(cells) else ""
        if not raw:
            problems.append(RowProblem(number, "empty"))
            continue
        try:
            phone = parse_phone(raw)
        except IdentifierError as error:
            reason = "not_mobile" if error.key.endswith("not_mobile") else "invalid"
            problems.append(RowProblem(number, reason, value=raw[:30]))
            continue
        if phone in seen:
            problems.append(RowProblem(number, "duplicate", first=seen[phone]))
            continue
        seen[phone] = number
        invitees.append(Invitee(number, _name(cells, name_col, column), phone))
    return invitees, problems


def _name(cells: list[str], name_col: int | None, phone_col: int | None) -> str:
    if name_col is not None:
        return cells[name_col][:100] if name_col < len(cells) else ""
    others = [c for i, c in enumerate(cells) if i != phone_col and c and not c.isdigit()]
    return others[0][:100] if others else ""
