"""`psm-bot export`: the full case spreadsheet, on the server only.

Streams every row (no cap) from the read-only connection into XlsxWriter's constant-memory
workbook, so 100,000 rows need little memory. When XlsxWriter's temporary files fit in memory
a child process writes the workbook while this one reads the next rows (bot/export_writer.py);
otherwise this process writes it alone, more slowly, which the bot's commits bear. Masked unless
`--unmasked` is given; every export, masked or not, is in the audit log. The file is written
beside OUT under a hidden name and renamed when complete, readable by its owner only; a
partial file left by an export that was killed is removed by the next export to that folder.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.export_scratch import make_scratch, partial_file, scratch_root, sweep
from bot.export_writer import SheetProcess
from bot.runtime import prepare_database
from handlers.context import AppContext
from handlers.date_formats import zoned_date_time
from handlers.export_sheet import LAYOUTS, SheetWriter, write_export
from storage.scope import Scope

LANGUAGE = "id"
CHUNK = 2000


def operator() -> str:
    """Who ran the command (the server account), for the audit log."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return str(os.getuid())


class _SheetHere(SheetWriter):
    """The workbook written in this process, its temporary files in a folder of their own
    beside the output (the system's temporary folder may be in memory too)."""

    def __init__(self, path: Path, **options: Any) -> None:
        self.scratch = make_scratch(path.parent)
        try:
            super().__init__(path, scratch=self.scratch, **options)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def _writer(
    path: Path, app: AppContext, *, layout: str, masked: bool, rows: int
) -> SheetProcess | _SheetHere:
    """Two processes when the temporary files fit in memory; else this one alone: two write
    the files on disk twice as fast, and at that pace the bot's commits waited for the disk
    (replies p99 190-360 ms during an export; one process, slower: 29-31 ms;
    bot/export_scratch.py)."""
    options = {
        "catalog": app.catalog,
        "language": LANGUAGE,
        "timezone": app.timezone,
        "layout": layout,
        "masked": masked,
        "form": app.forms["case_report"],
    }
    root = scratch_root(rows)
    if root is None:
        return _SheetHere(path, **options)
    return SheetProcess(path, scratch_root=root, **options)


def check_output_folder(out: Path) -> None:
    """Refuse, in one line and before anything is read or audited, a file to write in a
    folder that is not there (a folder of another user is said where a PermissionError is)."""
    if not out.parent.is_dir():
        raise ValueError(
            f"cannot write {out}: folder {out.parent} does not exist (create it first)"
        )


async def export_cases(
    settings: Settings,
    out: Path,
    *,
    kabupaten: str | None = None,
    since: date | None = None,
    unmasked: bool = False,
    layout: str = "standard",
) -> int:
    """Write the cases (of one kabupaten, reported since a local date) to OUT; returns rows."""
    if out.suffix.lower() != ".xlsx":
        raise ValueError("the output file must end in .xlsx")
    if layout not in LAYOUTS:
        raise ValueError(f"--layout must be one of {', '.join(LAYOUTS)}")
    served = {d.code for d in settings.district_list}
    if kabupaten is not None and kabupaten not in served:
        raise ValueError(f"--kabupaten must be one of the districts served: {sorted(served)}")
    check_output_folder(out)
    db, app = await prepare_database(settings)
    sweep(out.parent)  # partial files of exports that were killed
    partial = partial_file(out)
    writer: SheetProcess | _SheetHere | None = None
    try:
        scope = Scope(kabupaten_code=kabupaten) if kabupaten else Scope(everything=True)
        start = (
            datetime.combine(since, time(0), tzinfo=app.timezone).astimezone(UTC) if since else None
        )
        partial.touch(mode=0o600)
        async with db.reading() as repos:
            # How many rows: only to choose where the temporary files go (memory or disk).
            expected = await repos.exports.count(scope, since=start)
            # Not in a thread: a Ctrl-C while it ran would leave a child nobody stops.
            writer = _writer(partial, app, layout=layout, masked=not unmasked, rows=expected)
            rows, _ = await write_export(
                writer, repos.exports.rows(scope, since=start, chunk=CHUNK), limit=None
            )
        text = app.catalog.text
        made = datetime.now(UTC).astimezone(app.timezone)
        filters = [kabupaten or "semua kabupaten", f"sejak {since.isoformat()}" if since else ""]
        info = [
            (text(LANGUAGE, "export.info_made"), zoned_date_time(app, made, LANGUAGE)),
            (text(LANGUAGE, "export.info_by"), f"server ({operator()})"),
            (text(LANGUAGE, "export.info_filters"), " · ".join(f for f in filters if f)),
            (text(LANGUAGE, "export.info_rows"), str(rows)),
            (
                text(LANGUAGE, "export.info_identifiers"),
                text(LANGUAGE, "export.unmasked" if unmasked else "export.masked"),
            ),
        ]
        await asyncio.to_thread(writer.close, info)
        os.chmod(partial, 0o600)
        partial.replace(out)
        async with db.transaction() as repos:
            await repos.audit.record(
                now=datetime.now(UTC),
                actor_id=None,
                action="case.export",
                subject=f"kabupaten:{kabupaten}" if kabupaten else "all",
                detail={
                    "via": "cli",
                    "operator": operator(),
                    "masked": not unmasked,
                    "layout": layout,
                    "kabupaten": kabupaten,
                    "since": since.isoformat() if since else None,
                    "rows": rows,
                    "file": out.name,
                },
            )
        return rows
    finally:
        if writer is not None:
            writer.stop()
        partial.unlink(missing_ok=True)
        await db.close()
