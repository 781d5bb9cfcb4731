"""The case spreadsheet (.xlsx) shared by /ekspor in chat and `psm-bot export` on the server.

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is written, so
an export of any size needs the memory of one chunk of rows. Headers and labels come from the
catalogue (Indonesian for the server). NIK and KK are always text cells (never numbers that
Excel would round) and masked (`320801******0001`) unless the server asked for them in full.
Every cell is written as what it is: a name starting with "=" stays text, never a formula.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.i18n import Catalog
from handlers.masking import mask_identifiers
from storage.exports import ExportRow

LAYOUTS = ("standard", "siksng")
DATE_FORMAT = "dd-mm-yyyy"


@dataclass(frozen=True)
class Column:
    key: str  # catalogue key export.columns.<key>
    width: int
    kind: str = "text"  # text, identifier, date


COLUMNS: dict[str, tuple[Column, ...]] = {
    "standard": (
        Column("number", 17),
        Column("submitted", 12, "date"),
        Column("state", 18),
        Column("urgency", 10),
        Column("categories", 30),
        Column("kabupaten_code", 9),
        Column("kabupaten", 14),
        Column("kecamatan_code", 11),
        Column("kecamatan", 16),
        Column("desa_code", 15),
        Column("desa", 18),
        Column("address", 30),
        Column("no_kk", 18, "identifier"),
        Column("head_name", 22),
        Column("nik", 18, "identifier"),
        Column("name", 22),
        Column("sex", 6),
        Column("birth_date", 12, "date"),
        Column("relation", 16),
        Column("protected", 10),
        Column("reporter", 20),
    ),
    # What a desa operator re-keys into SIKS-NG (domain.md section 7), and the case number.
    "siksng": (
        Column("nik", 18, "identifier"),
        Column("no_kk", 18, "identifier"),
        Column("name", 24),
        Column("address", 30),
        Column("desa_code", 15),
        Column("desa", 20),
        Column("number", 17),
    ),
}


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
    ) -> None:
        import xlsxwriter  # loaded only by the processes that export

        if layout not in COLUMNS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
        self.catalog, self.language, self.timezone = catalog, language, timezone
        self.columns, self.masked = COLUMNS[layout], masked
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.sheet = self.workbook.add_worksheet(self._t("export.sheet_cases")[:31])
        self.date = self.workbook.add_format({"num_format": DATE_FORMAT})
        self.text = self.workbook.add_format({"num_format": "@"})
        bold = self.workbook.add_format({"bold": True})
        for index, column in enumerate(self.columns):
            cell_format = self.text if column.kind == "identifier" else None
            self.sheet.set_column(index, index, column.width, cell_format)
            self.sheet.write_string(0, index, self._t(f"export.columns.{column.key}"), bold)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0
        self._labels: dict[str, str] = {}

    def _t(self, key: str, **values: Any) -> str:
        return self.catalog.text(self.language, key, **values)

    def _identifier(self, digits: str | None, missing: str | None) -> str:
        if digits:
            return mask_identifiers(digits) if self.masked else digits
        if missing and self.catalog.has(f"form.missing.{missing}"):
            return self._t(f"form.missing.{missing}")
        return ""

    def _values(self, row: ExportRow) -> dict[str, str | date | None]:
        """Every column's value of one row (the layout picks its columns)."""
        return {
            "number": row.number,
            "submitted": row.submitted_at.astimezone(self.timezone).date(),
            "state": self._label("case_states", row.state),
            "urgency": self._label("urgency", row.urgency),
            "categories": ", ".join(self._label("categories", c) for c in row.categories),
            "kabupaten_code": row.kabupaten_code,
            "kabupaten": row.kabupaten_name,
            "kecamatan_code": row.kecamatan_code,
            "kecamatan": row.kecamatan_name,
            "desa_code": row.desa_code,
            "desa": row.desa_name,
            "address": row.address,
            "no_kk": self._identifier(row.no_kk, row.no_kk_missing),
            "head_name": row.head_name,
            "nik": self._identifier(row.nik, row.nik_missing),
            "name": row.name or "",
            "sex": row.sex or "",
            "birth_date": _date(row.birth_date),
            "relation": (row.relation or "").replace("_", " "),
            "protected": self._label("common", "yes" if row.protected else "no"),
            "reporter": row.reporter_name,
        }

    def _label(self, group: str, code: str) -> str:
        key = f"{group}.{code}"
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = self._t(key) if self.catalog.has(key) else code
        return label

    def write_rows(self, rows: list[ExportRow]) -> None:
        """Append rows (call from a worker thread: it writes to disk)."""
        sheet, columns = self.sheet, self.columns
        for row in rows:
            self.rows += 1
            values = self._values(row)
            for index, column in enumerate(columns):
                value = values[column.key]
                if isinstance(value, date):
                    moment = datetime(value.year, value.month, value.day)
                    sheet.write_datetime(self.rows, index, moment, self.date)
                elif value:
                    cell_format = self.text if column.kind == "identifier" else None
                    sheet.write_string(self.rows, index, value, cell_format)

    def close(self, info: list[tuple[str, str]]) -> None:
        """Finish: filters on the header, the information sheet, the zip on disk."""
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)
        about = self.workbook.add_worksheet(self._t("export.sheet_info")[:31])
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 60)
        for index, (label, value) in enumerate(info):
            about.write_string(index, 0, label)
            about.write_string(index, 1, value)
        try:
            self.workbook.close()
        except Exception as exc:  # XlsxWriter's FileCreateError: a folder gone, a full disk
            raise RuntimeError(f"could not write the workbook: {exc}") from exc


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
) -> Path:
    """A whole masked, standard workbook in one blocking call: for a chat export (capped,
    so its rows fit in memory), written in the render process (`AppContext.render`):
    XlsxWriter is pure Python and in a thread would hold the bot's GIL for seconds."""
    writer = SheetWriter(path, catalog=catalog, language=language, timezone=timezone)
    writer.write_rows(rows)
    writer.close(info)
    return path


async def write_export(
    writer: SheetWriter, chunks: AsyncGenerator[list[ExportRow], None], *, limit: int | None
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
