"""The server export's workbook written by a child process: the same cells as in-process,
a failure in the child told at close, and no child left behind."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import openpyxl
import pytest

from bot.export_writer import SheetProcess
from handlers.export_sheet import SheetWriter
from handlers.i18n import Catalog
from tests.handlers.test_export_sheet import ZONE, export_row


def _cells(path: Path) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [[cell.value for cell in line] for line in sheet.iter_rows()]


@pytest.mark.parametrize("masked", [True, False])
def test_the_child_writes_what_the_writer_writes(tmp_path: Path, masked: bool) -> None:
    rows = [export_row(number=f"KNG-2026-{i:06d}", birth_date=None if i % 2 else "1980-02-29")
            for i in range(1, 6)]  # fmt: skip
    options = {"catalog": Catalog.load(), "language": "id", "timezone": ZONE, "masked": masked}
    apart = SheetProcess(tmp_path / "apart.xlsx", **options)
    apart.write_rows(rows[:2])
    apart.write_rows(rows[2:])
    assert apart.rows == 5
    apart.close([("Baris", "5")])
    here = SheetWriter(tmp_path / "here.xlsx", **options)
    here.write_rows(rows)
    here.close([("Baris", "5")])
    assert _cells(tmp_path / "apart.xlsx") == _cells(tmp_path / "here.xlsx")
    assert len(_cells(tmp_path / "apart.xlsx")) == 6
    assert not apart._process.is_alive() and apart._process.exitcode == 0
    assert not apart.scratch.exists()


def test_a_failure_in_the_child_is_told_at_close(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    writer = SheetProcess(folder / "x.xlsx", catalog=Catalog.load(), language="id", timezone=ZONE)
    writer.write_rows([export_row()])
    shutil.rmtree(folder)
    with pytest.raises(RuntimeError, match="could not write the workbook"):
        writer.close([])
    assert not writer._process.is_alive()


def test_stop_ends_a_child_that_still_writes(tmp_path: Path) -> None:
    writer = SheetProcess(tmp_path / "x.xlsx", catalog=Catalog.load(), language="id", timezone=ZONE)
    writer.write_rows([export_row()] * 3000)  # XlsxWriter's temporary file has rows
    assert any(writer.scratch.iterdir())
    writer.stop()
    writer.stop()  # again: nothing left to do
    assert not writer._process.is_alive()
    assert not writer.scratch.exists()  # its temporary files are gone with it
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(RuntimeError, match="stopped"):
        writer.write_rows([export_row()])


def test_an_export_killed_in_the_middle_of_a_chunk_leaves_nothing(tmp_path: Path) -> None:
    """The export's process dies while it sends a chunk: the child reads half a message
    (an OSError, not the EOFError of a pipe closed between chunks) and still removes its
    temporary files and the partial file."""
    partial = tmp_path / ".psm-export-1-x.xlsx.part"
    partial.touch()
    writer = SheetProcess(partial, catalog=Catalog.load(), language="id", timezone=ZONE)
    writer.write_rows([export_row()] * 3000)  # XlsxWriter's temporary file has rows
    assert any(writer.scratch.iterdir())
    # Half a message: a header announcing 1,000 bytes, 10 of them, then the pipe closes.
    os.write(writer._connection.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    writer._connection.close()
    writer._process.join(60)
    assert writer._process.exitcode == 0
    assert not writer.scratch.exists()
    assert not partial.exists()
