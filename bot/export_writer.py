"""The server export's workbook, written by a process of its own.

XlsxWriter is pure Python and holds the GIL for some 7 us a cell (2 million cells for
100,000 rows). In the export's process, reading the next rows (aiosqlite's thread) would
wait for it; with `SheetProcess` the export's process reads rows and makes their cells
(`SheetCells`), and a child process only writes them, so on two cores the reading hides
behind the writing.

- The child is started with "spawn" (never fork a process that has threads: aiosqlite's)
  and inherits the export's lower priority (bot/priority.py).
- Cells travel a chunk at a time through a pipe. Sending waits while the child still
  writes the chunk before, so at most about two chunks are in memory.
- A failure in the child is kept and told at `close` (the rows sent until then are lost
  anyway); a child that died makes the next send or `close` fail.
"""

from __future__ import annotations

import multiprocessing
import shutil
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.export_scratch import make_scratch
from handlers.export_sheet import SheetCells, SheetWriter
from handlers.forms.model import Form
from handlers.i18n import Catalog
from storage.exports import ExportRow


class SheetProcess:
    """A `SheetWriter` in a child process: `write_rows`, `rows` and `close` as the writer's."""

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
        scratch_root: Path | None = None,
    ) -> None:
        """`scratch_root`: where the folder of XlsxWriter's temporary files goes
        (bot/export_scratch.py; None: the system's temporary folder); `form`: as
        `SheetCells`'."""
        options = {
            "catalog": catalog,
            "language": language,
            "timezone": timezone,
            "layout": layout,
            "masked": masked,
            "form": form,
        }
        self.cells = SheetCells(**options)  # a wrong layout fails here, before the child
        self.rows = 0
        # XlsxWriter's temporary files (the rows so far) in a folder of ours: a child ended
        # midway leaves nothing behind.
        self.scratch = make_scratch(scratch_root)
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_write,
            args=(theirs, path, {**options, "scratch": self.scratch}),
            name="export-writer",
            daemon=True,
        )
        try:
            self._process.start()
        except BaseException:  # no child: nothing of ours may stay behind either
            self._connection.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        finally:
            theirs.close()

    def write_rows(self, rows: list[ExportRow]) -> None:
        """Make the rows' cells and hand them to the child (blocks while it is behind: call
        from a worker thread)."""
        cells = self.cells.of(rows)
        self._send(("rows", cells))
        self.rows += len(cells)

    def close(self, info: list[tuple[str, str]]) -> None:
        """Finish the workbook (filters, information sheet, the zip) and wait for the child."""
        self._send(("close", info))
        try:
            failure = self._connection.recv()
        except EOFError:
            failure = "the workbook writer stopped"
        self._process.join()  # it answered: it ends now
        self.stop()
        if failure:
            raise RuntimeError(failure)

    def stop(self) -> None:
        """End the child if it still runs (an export that failed elsewhere) and remove its
        temporary files; idempotent."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._connection.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _send(self, message: tuple[str, Any]) -> None:
        try:
            self._connection.send(message)
        except OSError as exc:  # a broken pipe, or stopped already
            raise RuntimeError("the workbook writer stopped") from exc


def _write(connection: Connection, path: Path, options: dict[str, Any]) -> None:
    """The child: write every chunk of cells, then close and answer None or the failure.

    Ctrl-C, SIGTERM and SIGHUP reach the export's whole process group: the export's process
    handles them (it stops us and removes what we wrote). If it ends without a word (killed),
    we see the pipe close, also in the middle of a chunk (an OSError, not EOFError): the
    workbook is unfinished, so the temporary files and the partial file go (unmasked NIKs must
    not stay in memory or beside the output). Once our answer to "close" is sent, the export's
    process owns both."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    answered = False
    try:
        answered = _write_until_closed(connection, path, options)
    finally:
        if not answered:
            shutil.rmtree(options["scratch"], ignore_errors=True)
            path.unlink(missing_ok=True)


def _write_until_closed(connection: Connection, path: Path, options: dict[str, Any]) -> bool:
    """Write the chunks received until "close"; True once that was answered, False when the
    export's process went away first."""
    failure: str | None = None
    try:
        writer = SheetWriter(path, **options)
    except Exception as exc:  # XlsxWriter missing, a file it cannot make
        failure = f"could not write the workbook: {exc}"
    while True:
        try:
            kind, payload = connection.recv()
        except (EOFError, OSError):  # the export's process is gone, maybe mid-chunk
            return False
        if failure is None:
            try:
                if kind == "rows":
                    writer.write_cells(payload)
                else:
                    writer.close(payload)
            except Exception as exc:
                failure = str(exc)
        if kind == "close":
            connection.send(failure)
            return True
