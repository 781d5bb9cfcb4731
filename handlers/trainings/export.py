"""A training's attendance list as .xlsx: one sheet per day, print-ready as the daftar hadir
the finance office files (A4 landscape fitted to the width, the title with the training, day
and venue, the header row repeated on every page, a signature column, a tall row per person,
page numbers), sent as a document with a PDF of the same list to print as it is.

It holds names and phone numbers, so every export is in the audit log. Cells are written as
text (a name starting with "=" never becomes a formula).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handlers.context import Turn
from handlers.events import Outbound
from handlers.i18n import Markup
from handlers.temp_files import temp_path
from handlers.trainings.common import clock_time, day_line, day_status
from handlers.trainings.daftar_hadir_pdf import PRINTED, PrintedDay, write_pdf
from handlers.trainings.rsvp import answer_label
from storage.repos import Repos
from storage.trainings import Training

COLUMNS = (
    ("no", 5),
    ("name", 26),
    ("role", 8),
    ("kecamatan", 16),
    ("desa", 18),
    ("phone", 16),
    ("answer", 20),
    ("reason", 24),
    ("status", 12),
    ("late", 10),
    ("time", 10),
    ("method", 14),
    ("signature", 24),
)


@dataclass
class Sheet:
    name: str
    heading: list[str]
    rows: list[list[str]]


async def send_export(turn: Turn, training: Training) -> None:
    """tp:<id>:e: the workbook and the PDF as a background job (read from the read-only
    connection, rendered by `AppContext.render`, so the writer is not held); audited."""
    counts: dict[str, int] = {}
    turn.later_audited(
        lambda repos: _documents(turn, training, repos, counts),
        action="training.export",
        subject=f"training:{training.id}",
        detail=counts,
    )


async def _documents(
    turn: Turn, training: Training, repos: Repos, counts: dict[str, int]
) -> list[Outbound]:
    """The .xlsx and its PDF; fills in `counts` for the audit row."""
    sheets = await _sheets(turn, training, repos)
    headers = [turn.t(f"training.columns.{key}") for key, _ in COLUMNS]
    path = temp_path(turn.app.media_dir, "daftar-hadir", ".xlsx", turn.now)
    footer = turn.t("training_extra.pdf_page", page=Markup("&P"))  # Excel's page number
    await turn.app.render(_write, path, headers, sheets, footer)
    people = len(sheets[0].rows) if sheets else 0
    counts.update({"people": people, "days": len(sheets)})
    printed = [
        PrintedDay(sheet.heading, [headers[index] for index, _ in PRINTED], sheet.rows)
        for sheet in sheets
    ]
    pdf_path = temp_path(turn.app.media_dir, "daftar-hadir", ".pdf", turn.now)
    page_label = turn.t("training_extra.pdf_page", page="{page}")
    await turn.app.render(write_pdf, pdf_path, printed, page_label)
    return [
        Outbound(
            type="document",
            file_path=str(path),
            text=turn.t("training.export_caption", title=training.title, count=people),
        ),
        Outbound(
            type="document",
            file_path=str(pdf_path),
            text=turn.t("training_extra.pdf_caption", title=training.title),
        ),
    ]


async def _sheets(turn: Turn, training: Training, repos: Repos) -> list[Sheet]:
    t = turn.t
    invitations = await repos.trainings.invitations(training.id)
    sheets = []
    for day in await repos.trainings.days(training.id):
        records = await repos.trainings.attendance(day.id)
        rows = []
        for number, invitation in enumerate(invitations, start=1):
            record = records.get(invitation.user_id)
            status = day_status(training, invitation, record, day, turn.now)
            checked_in = record is not None and record.method != "manual"
            rows.append(
                [
                    str(number),
                    invitation.full_name,
                    t(f"roles.{invitation.role}") if invitation.role else "",
                    invitation.kecamatan,
                    invitation.desa,
                    invitation.phone or "",
                    answer_label(turn.app, turn.language, invitation),
                    invitation.reason_text or "",
                    t(f"training.status.{status}") if status else "",
                    t("common.yes") if record is not None and record.late else "",
                    clock_time(turn.app, record.at) if checked_in and record else "",
                    t(f"training.method.{record.method}") if record else "",
                    "",
                ]
            )
        heading = [
            t("training.export_heading"),
            training.title,
            day_line(turn.app, turn.language, day),
            f"{training.venue_name}, {training.venue_address}",
        ]
        sheets.append(Sheet(t("training.export_sheet", number=day.day_number), heading, rows))
    return sheets


def _write(path: Path, headers: list[str], sheets: list[Sheet], footer: str) -> None:
    import xlsxwriter  # loaded only when exporting

    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "border": 1, "text_wrap": True})
    cell = workbook.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name[:31])
        for row, line in enumerate(sheet.heading):
            worksheet.write_string(row, 0, line, title if row == 0 else bold if row == 1 else None)
        top = len(sheet.heading) + 1
        for column, (label, (_, width)) in enumerate(zip(headers, COLUMNS, strict=True)):
            worksheet.set_column(column, column, width)
            worksheet.write_string(top, column, label, header)
        for offset, values in enumerate(sheet.rows, start=1):
            worksheet.set_row(top + offset, 30)  # room to sign
            for column, value in enumerate(values):
                worksheet.write_string(top + offset, column, value, cell)
        worksheet.repeat_rows(top)
        worksheet.set_landscape()
        worksheet.set_paper(9)  # A4
        worksheet.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        worksheet.center_horizontally()
        worksheet.set_footer(f"&C{footer}")
    workbook.close()
