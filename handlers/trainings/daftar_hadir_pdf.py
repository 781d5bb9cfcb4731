"""The daftar hadir as a PDF to print as it is: A4 portrait, per day a title (DAFTAR HADIR,
the training, the day, the venue), a table of No, name, desa, attendance and a tall signature
cell, its header repeated on every page, page numbers at the foot.

Drawn with fpdf2 in a worker thread, with the DejaVu Sans that matplotlib ships (any name,
any script).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Columns of the export's rows (handlers/trainings/export.py COLUMNS) printed, and widths (mm).
PRINTED = ((0, 10), (1, 62), (4, 40), (8, 26), (12, 52))
ROW_HEIGHT = 12  # mm: room to sign


@dataclass
class PrintedDay:
    heading: list[str]  # DAFTAR HADIR, title, day, venue
    headers: list[str]  # the printed columns' labels
    rows: list[list[str]]  # the export's rows (all columns)


def _fonts() -> tuple[Path, Path]:
    import matplotlib  # its data folder holds DejaVu Sans

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def write_pdf(path: Path, days: list[PrintedDay], page_label: str) -> None:
    """Write the PDF (blocking: call it in a thread). `page_label` has a {page} field."""
    from fpdf import FPDF  # loaded only when printing

    class _Document(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(0, 6, page_label.format(page=self.page_no()), align="C")

    regular, bold = _fonts()
    pdf = _Document(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(left=10, top=12, right=10)
    pdf.set_auto_page_break(auto=True, margin=16)
    for day in days:
        pdf.add_page()
        for number, line in enumerate(day.heading):
            pdf.set_font("DejaVu", "B" if number < 2 else "", 13 if number == 0 else 10)
            pdf.multi_cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("DejaVu", size=9)
        widths = tuple(width for _, width in PRINTED)
        with pdf.table(
            col_widths=widths, width=sum(widths), line_height=ROW_HEIGHT, repeat_headings=1
        ) as table:
            header = table.row()
            for label in day.headers:
                header.cell(label)
            for values in day.rows:
                row = table.row()
                for index, _ in PRINTED:
                    row.cell(values[index])
    pdf.output(str(path))
