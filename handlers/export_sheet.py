"""The case spreadsheet (.xlsx) shared by /ekspor in chat and `psm-bot export` on the server.

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is written, so
an export of any size needs the memory of one chunk of rows. Headers and labels come from the
catalogue (Indonesian for the server). NIK and KK are always text cells (never numbers that
Excel would round) and masked (`320801******0001`) unless the server asked for them in full;
so are NIK/KK-like numbers typed into a free-text cell (a name, an address, the reporter).
Every cell is written as what it is: a name starting with "=" stays text, never a formula.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from handlers.case_answers import AnswerLines
from handlers.export_answers import FurtherAnswers
from handlers.forms.loading import load_form
from handlers.forms.model import FORMS_DIR, Form
from handlers.forms.option_labels import OptionLabels, shown
from handlers.i18n import Catalog
from handlers.masking import mask_identifiers
from handlers.regions import district_said
from handlers.review.verification_check import VERIFY_FORM, CheckWords
from storage.exports import ExportRow

LAYOUTS = ("standard", "siksng")
REPORT_FORM = FORMS_DIR / "case_report.yaml"
VERIFICATION_FORM = FORMS_DIR / f"{VERIFY_FORM}.yaml"
DATE_FORMAT = "dd-mm-yyyy"
EXCEL_EPOCH = date(1899, 12, 31)


@dataclass(frozen=True)
class Column:
    key: str  # catalogue key export.columns.<key>
    width: int
    kind: str = "text"  # text, identifier, date, free (typed by a person: masked too)
    header: str | None = None  # the header itself (a form question's label), else the catalogue's


COLUMNS: dict[str, tuple[Column, ...]] = {
    "standard": (
        Column("number", 17),
        Column("submitted", 12, "date"),
        Column("state", 18),
        Column("urgency", 10),
        Column("categories", 40),  # names for reading: "Anak yang berhadapan dengan hukum (ABH)"
        Column("kabupaten_code", 9),
        Column("kabupaten", 14),
        Column("kecamatan_code", 11),
        Column("kecamatan", 16),
        Column("desa_code", 15),
        Column("desa", 18),
        Column("address", 30, "free"),
        Column("no_kk", 18, "identifier"),
        Column("head_name", 22, "free"),
        Column("nik", 18, "identifier"),
        Column("name", 22, "free"),
        Column("sex", 10),
        Column("birth_date", 12, "date"),
        Column("relation", 16),
        Column("protected", 10),
        Column("reporter", 20, "free"),
        # The verifier's check in the field (handlers/review/verification_check.py).
        Column("verified_how", 18),
        Column("verified_finding", 16),
        Column("verified_note", 30, "free"),
        Column("verified_by", 20, "free"),
        Column("verified_on", 12, "date"),
        Column("verified_location", 22),  # "lat,lon" where the verifier visited
    ),
    # What a desa operator re-keys into SIKS-NG (domain.md section 7), and the case number.
    "siksng": (
        Column("nik", 18, "identifier"),
        Column("no_kk", 18, "identifier"),
        Column("name", 24, "free"),
        Column("address", 30, "free"),
        Column("desa_code", 15),
        Column("desa", 20),
        Column("number", 17),
    ),
}


Cell = str | float | None  # text, an Excel serial number (dates), or nothing


class SheetCells:
    """What each row shows in a layout's columns: labels from the catalogue, the case report
    form's option labels for its option codes (sex, relation), local days as Excel serial
    numbers, NIK/KK masked unless the server asked for them in full (and then
    any NIK/KK-like number typed into a name, an address or the reporter's name too).

    Plain Python, no XlsxWriter: the server export makes the cells in its own process and
    writes them in another (bot/export_writer.py)."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        language: str,
        timezone: ZoneInfo,
        layout: str = "standard",
        masked: bool = True,
        form: Form | None = None,
    ) -> None:
        """`form`: the case report form whose option labels are shown (None: the one in
        forms/case_report.yaml)."""
        if layout not in COLUMNS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
        self.catalog, self.language, self.timezone = catalog, language, timezone
        self.masked = masked
        self._labels: dict[str, str] = {}
        self._districts: dict[str, str] = {}
        self._serials: dict[date, float] = {}
        form = form or load_form(REPORT_FORM)
        self.options = OptionLabels(form, language)
        self.check_words = CheckWords(load_form(VERIFICATION_FORM), language)
        values = self._value_functions()
        self.columns = COLUMNS[layout]
        if layout == "standard":
            further = FurtherAnswers(AnswerLines(form, language))
            self.columns += tuple(
                Column(c.key, 20, "free" if c.free else "text", c.header) for c in further.columns
            )
            values |= further.values
        self._values = [
            _masking(values[column.key]) if masked and column.kind == "free" else values[column.key]
            for column in self.columns
        ]

    def of(self, rows: list[ExportRow]) -> list[tuple[Cell, ...]]:
        """The cells of each row, in the layout's order."""
        values = self._values
        return [tuple([value(row) for value in values]) for row in rows]

    def _value_functions(self) -> dict[str, Callable[[ExportRow], Cell]]:
        """Every column's value of a row, one function each: built once, so a row costs
        one call per column of its layout and no dictionary."""
        label, zone, serial, identifier = self._label, self.timezone, self._serial, self._identifier
        sexes, relations = self.options.of("member_sex"), self.options.of("member_relation")
        categories = self.options.of("categories")
        return {
            "number": attrgetter("number"),
            "submitted": lambda r: serial(r.submitted_at.astimezone(zone).date()),
            "state": lambda r: label("case_states", r.state),
            "urgency": lambda r: label("urgency", r.urgency),
            "categories": lambda r: ", ".join([shown(categories, c) for c in r.categories]),
            "kabupaten_code": attrgetter("kabupaten_code"),
            "kabupaten": lambda r: self._district(r.kabupaten_name),
            "kecamatan_code": attrgetter("kecamatan_code"),
            "kecamatan": attrgetter("kecamatan_name"),
            "desa_code": attrgetter("desa_code"),
            "desa": attrgetter("desa_name"),
            "address": attrgetter("address"),
            "no_kk": lambda r: identifier(r.no_kk, r.no_kk_missing),
            "head_name": attrgetter("head_name"),
            "nik": lambda r: identifier(r.nik, r.nik_missing),
            "name": attrgetter("name"),
            "sex": lambda r: r.sex and shown(sexes, r.sex),
            "birth_date": lambda r: serial(_date(r.birth_date)),
            "relation": lambda r: r.relation and shown(relations, r.relation),
            "protected": lambda r: label("common", "yes" if r.protected else "no"),
            "reporter": attrgetter("reporter_name"),
            "verified_how": lambda r: self.check_words.method(_check(r)),
            "verified_finding": lambda r: self.check_words.finding(_check(r)),
            "verified_note": lambda r: str(_check(r).get("note") or ""),
            "verified_by": lambda r: r.verifier_name or "",
            "verified_on": lambda r: (
                serial(r.verified_at.astimezone(zone).date()) if r.verified_at else None
            ),
            "verified_location": lambda r: _location(_check(r)),
        }

    def text(self, key: str, **values: Any) -> str:
        """A text of the catalogue in the sheet's language."""
        return self.catalog.text(self.language, key, **values)

    def _identifier(self, digits: str | None, missing: str | None) -> str:
        if digits:
            return mask_identifiers(digits) if self.masked else digits
        if missing and self.catalog.has(f"form.missing.{missing}"):
            return self.text(f"form.missing.{missing}")
        return ""

    def _serial(self, day: date | None) -> float | None:
        """The Excel serial number of a day (None stays None), cached: few days repeat a lot."""
        if day is None:
            return None
        number = self._serials.get(day)
        if number is None:
            number = self._serials[day] = excel_serial(day)
        return number

    def _district(self, name: str) -> str:
        """A kabupaten's name as the sheet's language says it ("District Kuningan"), as in
        the chat (`district_said`), the cell's text unescaped; cached: few names repeat."""
        said = self._districts.get(name)
        if said is None:
            said = self._districts[name] = html.unescape(
                district_said(self.catalog, self.language, name)
            )
        return said

    def _label(self, group: str, code: str) -> str:
        key = f"{group}.{code}"
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = self.text(key) if self.catalog.has(key) else code
        return label


class SheetWriter:
    """One workbook being written: header, rows, then an information sheet on close."""

    def __init__(
        self,
        path: Path,
        *,
        catalog: Catalog,
        language: str,
        timezone: ZoneInfo,
        layout: str = "standard",
        masked: bool = True,
        form: Form | None = None,
        scratch: Path | None = None,
    ) -> None:
        """`scratch`: the folder of XlsxWriter's temporary files (the system's by default);
        `form`: as `SheetCells`'."""
        import xlsxwriter  # loaded only by the processes that export

        self.cells = SheetCells(
            catalog=catalog,
            language=language,
            timezone=timezone,
            layout=layout,
            masked=masked,
            form=form,
        )
        self.columns = self.cells.columns
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                **({"tmpdir": str(scratch)} if scratch else {}),
            },
        )
        self.sheet = self.workbook.add_worksheet(self.cells.text("export.sheet_cases")[:31])
        self.date = self.workbook.add_format({"num_format": DATE_FORMAT})
        self.text = self.workbook.add_format({"num_format": "@"})
        bold = self.workbook.add_format({"bold": True})
        self._writers: list[tuple[int, Callable[..., int], Any]] = []
        for index, column in enumerate(self.columns):
            cell_format = self.text if column.kind == "identifier" else None
            self.sheet.set_column(index, index, column.width, cell_format)
            header = column.header or self.cells.text(f"export.columns.{column.key}")
            self.sheet.write_string(0, index, header, bold)
            if column.kind == "date":  # a serial number in the date format
                self._writers.append((index, self.sheet.write_number, self.date))
            else:
                self._writers.append((index, self.sheet.write_string, cell_format))
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def write_rows(self, rows: list[ExportRow]) -> None:
        """Append rows (call from a worker thread: it writes to disk)."""
        self.write_cells(self.cells.of(rows))

    def write_cells(self, rows: list[tuple[Cell, ...]]) -> None:
        """Append rows already made into cells (`SheetCells.of`); an empty cell stays empty."""
        number, writers = self.rows, self._writers
        for cells in rows:
            number += 1
            for (index, write, cell_format), value in zip(writers, cells, strict=True):
                if value is not None and value != "":
                    write(number, index, value, cell_format)
        self.rows = number

    def close(self, info: list[tuple[str, str]]) -> None:
        """Finish: filters on the header, the information sheet, the zip on disk."""
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)
        about = self.workbook.add_worksheet(self.cells.text("export.sheet_info")[:31])
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 60)
        for index, (label, value) in enumerate(info):
            about.write_string(index, 0, label)
            about.write_string(index, 1, value)
        try:
            self.workbook.close()
        except Exception as exc:  # XlsxWriter's FileCreateError: a folder gone, a full disk
            raise RuntimeError(f"could not write the workbook: {exc}") from exc


def _check(row: ExportRow) -> dict[str, Any]:
    """The row's verification check ({} when it has none)."""
    return json.loads(row.verification) if row.verification else {}


def _location(check: dict[str, Any]) -> str:
    """Where the verifier recorded the visit, "lat,lon" ("" when not recorded, or erased
    with the family's data)."""
    latitude, longitude = check.get("latitude"), check.get("longitude")
    return f"{latitude},{longitude}" if latitude is not None and longitude is not None else ""


def _masking(value: Callable[[ExportRow], Cell]) -> Callable[[ExportRow], Cell]:
    """A free-text column's value with any NIK/KK-like number in it masked ("Siti 3208...")."""

    def masked(row: ExportRow) -> Cell:
        text = value(row)
        return mask_identifiers(text) if isinstance(text, str) else text

    return masked


def excel_serial(day: date) -> float:
    """A day as Excel's serial number (1900 date system): days since 31 Dec 1899, one more
    from March 1900 on, because Excel counts a 29 Feb 1900 that never was."""
    number = float((day - EXCEL_EPOCH).days)
    return number + 1 if number > 59 else number


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def write_workbook(
    path: Path,
    rows: list[ExportRow],
    info: list[tuple[str, str]],
    *,
    catalog: Catalog,
    language: str,
    timezone: ZoneInfo,
    form: Form | None = None,
) -> Path:
    """A whole masked, standard workbook in one blocking call: for a chat export (capped,
    so its rows fit in memory), written in the render process (`AppContext.render`):
    XlsxWriter is pure Python and in a thread would hold the bot's GIL for seconds."""
    writer = SheetWriter(path, catalog=catalog, language=language, timezone=timezone, form=form)
    writer.write_rows(rows)
    writer.close(info)
    return path


class RowWriter(Protocol):
    """What `write_export` writes to: a `SheetWriter`, or one in a process of its own."""

    rows: int

    def write_rows(self, rows: list[ExportRow]) -> None: ...


async def write_export(
    writer: RowWriter, chunks: AsyncGenerator[list[ExportRow], None], *, limit: int | None
) -> tuple[int, bool]:
    """Stream rows into the workbook off the event loop; returns (rows, truncated).

    Pass chunks of at most `limit + 1` rows to learn whether there were more than `limit`.
    """
    truncated = False
    async with aclosing(chunks) as stream:  # an early stop closes the cursor at once
        async for chunk in stream:
            if limit is not None and writer.rows + len(chunk) > limit:
                chunk = chunk[: limit - writer.rows]
                truncated = True
            if chunk:
                await asyncio.to_thread(writer.write_rows, chunk)
            if truncated:
                break
    return writer.rows, truncated
