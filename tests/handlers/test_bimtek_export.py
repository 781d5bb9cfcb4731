"""The daftar hadir export is a background job: the button's turn (the one writer) only says
it is being prepared; the workbook and the PDF are read from the read-only connection and
rendered by AppContext.render afterwards, and the export is audited then."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl

from bot.render_pool import RenderPool
from handlers.trainings import page
from storage.models import Role
from tests.handlers.chat_turns import app_context, run_background
from tests.handlers.training_turns import at, new_training, person, turn
from tests.storage.seed_cases import open_database, query


async def test_the_export_is_built_after_the_turn_off_the_writer(tmp_path):
    rendered: list[str] = []

    async def render(function, *args):
        rendered.append(function.__name__)
        return function(*args)

    app = dataclasses.replace(app_context(tmp_path / "media"), render=render)
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            psm = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            days = [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))]
            training_id = await new_training(repos, coordinator, days)
            await repos.trainings.invite(training_id, [psm.id], at(1, 9))
        data = f"tp:{training_id}:e"
        async with db.transaction() as repos:
            tapped = await turn(app, repos, coordinator, at(9, 13), data=data)
            await page.page_button(tapped, data)
        # The turn itself wrote nothing and rendered nothing: only "being prepared".
        assert [reply.type for reply in tapped.replies] == ["text"]
        assert len(tapped.background) == 1 and rendered == []
        assert query(tmp_path / "psm.db", "SELECT * FROM audit_log") == []

        replies = await run_background(db, tapped)
        documents = [reply for reply in replies if reply.type == "document"]
        assert [Path(d.file_path or "").suffix for d in documents] == [".xlsx", ".pdf"]
        assert rendered == ["_write", "write_pdf"]
        workbook = openpyxl.load_workbook(documents[0].file_path or "", read_only=True)
        assert len(workbook.sheetnames) == 2
        cells = [str(cell.value) for row in workbook.worksheets[0].iter_rows() for cell in row]
        assert "Bu Ani" in cells
        audit = query(tmp_path / "psm.db", "SELECT action, detail FROM audit_log")
        assert [(row["action"], json.loads(row["detail"])) for row in audit] == [
            ("training.export", {"people": 1, "days": 2})
        ]
    finally:
        await db.close()


def _sizes(paths: list[str]) -> list[int]:
    return [Path(path).stat().st_size for path in paths]


async def test_the_render_process_draws_both_documents(tmp_path):
    """What goes to the render process pickles (module-level functions, plain data)."""
    pool = RenderPool()
    app = dataclasses.replace(app_context(tmp_path / "media"), render=pool.render)
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            training_id = await new_training(repos, coordinator, [(at(8, 8), at(8, 12))])
        data = f"tp:{training_id}:e"
        async with db.transaction() as repos:
            tapped = await turn(app, repos, coordinator, at(8, 13), data=data)
            await page.page_button(tapped, data)
        replies = await run_background(db, tapped)
        documents = [reply.file_path or "" for reply in replies if reply.type == "document"]
        assert [Path(path).suffix for path in documents] == [".xlsx", ".pdf"]
        assert all(size > 0 for size in _sizes(documents))
    finally:
        await pool.shutdown()
        await db.close()
