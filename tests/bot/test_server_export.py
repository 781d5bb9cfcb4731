"""`psm-bot export`: the full spreadsheet on the server, masked unless --unmasked, the SIKS-NG
layout, filters, the audit log, and 100,000 rows streamed within modest memory."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bot import export_file, export_scratch, export_writer
from bot.cli import main
from storage.db import Database
from storage.scope import Scope
from tests.bot.cli_world import (
    CHILD_NIK,
    FAMILY_KK,
    OTHER_NIK,
    SISTER_NIK,
    TUBAN_NIK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.storage.seed_cases import query

ROOT = Path(__file__).resolve().parents[2]


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, [{header[i]: cell for i, cell in enumerate(row)} for row in rows[1:]]


def _audit(world: World) -> list[dict]:
    rows = query(world.database, "SELECT * FROM audit_log WHERE action = 'case.export'")
    return [json.loads(row["detail"]) for row in rows]


def _bytes(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_masked_by_default_and_complete(world: World, capsys) -> None:
    out = world.root / "kasus.xlsx"
    assert main(["export", str(out)]) == 0
    assert "5 rows written" in capsys.readouterr().out
    header, rows = _rows(out)
    assert header[0] == "Nomor kasus" and "NIK" in header and "No. KK" in header
    want = query(
        world.database,
        "SELECT c.number, m.nik FROM cases c JOIN case_subjects s ON s.case_id = c.id"
        " JOIN household_members m ON m.id = s.member_id ORDER BY c.submitted_at, c.id, m.id",
    )
    assert [(r["Nomor kasus"].value, r["NIK"].value) for r in rows] == [
        (w["number"], w["nik"][:6] + "******" + w["nik"][-4:]) for w in want
    ]
    assert all(r["NIK"].data_type == "s" for r in rows)
    content = _bytes(out)
    for digits in (CHILD_NIK, SISTER_NIK, OTHER_NIK, TUBAN_NIK, FAMILY_KK):
        assert digits.encode() not in content
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    (entry,) = _audit(world)
    assert entry["masked"] is True and entry["via"] == "cli" and entry["rows"] == 5
    assert entry["layout"] == "standard" and entry["file"] == "kasus.xlsx"
    assert entry["operator"]


def test_unmasked_only_with_the_flag_and_logged(world: World) -> None:
    out = world.root / "lengkap.xlsx"
    assert main(["export", str(out), "--unmasked", "--kabupaten", "32.08"]) == 0
    _, rows = _rows(out)
    by_nik = {r["NIK"].value: r for r in rows}
    assert set(by_nik) == {CHILD_NIK, SISTER_NIK, OTHER_NIK}  # Tuban left out
    child = by_nik[CHILD_NIK]
    assert child["NIK"].data_type == "s" and child["No. KK"].data_type == "s"
    assert FAMILY_KK in {r["No. KK"].value for r in rows}
    (entry,) = _audit(world)
    assert entry["masked"] is False and entry["kabupaten"] == "32.08" and entry["rows"] == 4
    (info,) = [s for s in openpyxl.load_workbook(out).worksheets if s.title == "Keterangan"]
    values = {row[0].value: row[1].value for row in info.iter_rows()}
    assert values["NIK dan No. KK"].startswith("LENGKAP")


def test_siksng_layout_and_since_a_local_date(world: World) -> None:
    out = world.root / "siks.xlsx"
    # The child's case was reported at 23.30 WIB on 28 Nov (16.30 UTC): on the 28th.
    assert main(["export", str(out), "--layout", "siksng", "--since", "2026-11-28"]) == 0
    header, rows = _rows(out)
    assert header == [
        "NIK",
        "No. KK",
        "Nama",
        "Alamat",
        "Kode desa",
        "Desa/Kelurahan",
        "Nomor kasus",
    ]
    assert [(r["Nomor kasus"].value, r["Desa/Kelurahan"].value) for r in rows] == [
        ("KNG-2026-000001", "Babatan")
    ]
    assert rows[0]["NIK"].value == "320801******0001"
    assert rows[0]["Kode desa"].value == "32.08.01.2006"
    assert rows[0]["Alamat"].value == "Dusun Manis RT 02 RW 05"
    assert main(["export", str(out), "--since", "2026-11-29"]) == 0
    assert _rows(out)[1] == []


def test_since_as_the_bot_shows_dates(world: World, capsys) -> None:
    out = world.root / "kasus.xlsx"
    # DD-MM-YYYY, as every chat message writes a date: the 28th (the child's case), not an error.
    assert main(["export", str(out), "--since", "28-11-2026"]) == 0
    assert [r["Nomor kasus"].value for r in _rows(out)[1]] == ["KNG-2026-000001"]
    assert "1 row written" in capsys.readouterr().out  # one row, said as one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kabupaten", "99.99"], "--kabupaten must be one of"),
        (
            ["--since", "11-28-2026"],
            "--since '11-28-2026' is not a date: give DD-MM-YYYY (as the bot shows dates,"
            " e.g. 31-01-2026) or YYYY-MM-DD",
        ),
    ],
)
def test_wrong_options_fail_cleanly(world: World, capsys, args, message) -> None:
    assert main(["export", str(world.root / "x.xlsx"), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (world.root / "x.xlsx").exists() and _audit(world) == []


def test_the_output_must_be_xlsx(world: World, capsys) -> None:
    assert main(["export", str(world.root / "x.csv")]) == 1
    assert ".xlsx" in capsys.readouterr().err


def _seed_many(database: Path, count: int) -> None:
    """Many cases straight into the file (the repositories would take minutes)."""
    with closing(sqlite3.connect(database)) as conn:
        first = {
            table: conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] + 1
            for table in ("households", "household_members", "cases")
        }
        households, members, cases, links = [], [], [], []
        for i in range(count):
            h, m, n = (first["households"] + i, first["household_members"] + i, first["cases"] + i)
            at = f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00.000000+00:00"
            nik = f"3208{i:012d}"
            households.append((h, nik, at, at))
            members.append((m, h, nik, at))
            cases.append((n, f"BULK-{i:07d}", h, at, at))
            links.append((n, m))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO households (id, kabupaten_code, kecamatan_code, desa_code, no_kk,"
            " head_name, address, created_at, updated_at) VALUES (?, '32.08', '32.08.01',"
            " '32.08.01.2006', ?, 'Kepala Keluarga', 'Dusun Manis RT 02 RW 05', ?, ?)",
            households,
        )
        conn.executemany(
            "INSERT INTO household_members (id, household_id, nik, name, name_key, sex,"
            " birth_date, relation, created_at) VALUES (?, ?, ?, 'Nama Anggota',"
            " 'nama anggota', 'L', '2015-01-01', 'anak', ?)",
            members,
        )
        conn.executemany(
            "INSERT INTO cases (id, number, kabupaten_code, kecamatan_code, desa_code,"
            " household_id, reporter_id, state, urgency, form_version, submitted_at,"
            " updated_at) VALUES (?, ?, '32.08', '32.08.01', '32.08.01.2006', ?, 1,"
            " 'submitted', 'biasa', 1, ?, ?)",
            cases,
        )
        conn.executemany("INSERT INTO case_subjects VALUES (?, ?)", links)
        conn.executemany(
            "INSERT INTO case_categories VALUES (?, 'stunting')", [(n,) for n, _ in links]
        )
        conn.execute("COMMIT")


def _export_in_a_child(world: World, out: Path) -> tuple[int, str]:
    """Run `psm-bot export` in a fresh process; returns the peak RSS (KiB) of it or of its
    workbook writer (bot/export_writer.py, when there is one), whichever is larger, and its
    output."""
    # VmHWM: the peak RSS of this program's own address space (ru_maxrss would include the
    # pytest process it was forked from); its children's ru_maxrss: the writer's.
    script = (
        "import re, resource, sys\n"
        "from bot.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "status = open('/proc/self/status').read()\n"
        "own = int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "writer = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print('PEAK', max(own, writer), 'WRITER', writer)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "export", str(out), "--unmasked"],
        cwd=world.root,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split("PEAK ")[1].split()[0]), done.stdout


def test_a_hundred_thousand_rows_stream_in_modest_memory(world: World) -> None:
    small, _ = _export_in_a_child(world, world.root / "small.xlsx")
    _seed_many(world.database, 100_000)
    peak, output = _export_in_a_child(world, world.root / "big.xlsx")
    assert "100005 rows written" in output
    # Constant memory: 100,000 rows cost no more than a few MB over a 5-row export.
    assert peak - small < 40 * 1024, (small, peak)
    assert peak < 250 * 1024, peak
    print(f"100,000 rows: peak RSS {peak // 1024} MiB ({small // 1024} MiB for 5)")
    book = openpyxl.load_workbook(world.root / "big.xlsx", read_only=True)
    assert book.worksheets[0].max_row == 100_006


def test_two_processes_only_when_the_temporary_files_fit_in_memory(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_scratch, "MEMORY_FOLDER", tmp_path / "no-shm")
    made: list[Path] = []

    def remember(root: Path | None) -> Path:
        made.append(real_make_scratch(root))
        return made[-1]

    def no_child(*_: object, **__: object) -> None:
        raise AssertionError("a child process writes on disk twice as fast as the bot bears")

    real_make_scratch = export_file.make_scratch
    monkeypatch.setattr(export_file, "make_scratch", remember)
    monkeypatch.setattr(export_file, "SheetProcess", no_child)
    out = world.root / "kasus.xlsx"
    assert main(["export", str(out)]) == 0
    assert len(_rows(out)[1]) == 5
    assert [folder.parent for folder in made] == [out.parent]  # on disk, beside the output
    assert not made[0].exists()  # its temporary files are gone


def test_the_temporary_files_go_to_memory_and_are_removed(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.setattr(export_scratch, "MEMORY_FOLDER", memory)
    made: list[Path] = []

    def remember(root: Path | None) -> Path:
        made.append(real_make_scratch(root))
        return made[-1]

    real_make_scratch = export_writer.make_scratch
    monkeypatch.setattr(export_writer, "make_scratch", remember)
    out = world.root / "kasus.xlsx"
    assert main(["export", str(out)]) == 0
    assert [folder.parent for folder in made] == [memory]
    assert list(memory.iterdir()) == []  # removed with the export
    assert len(_rows(out)[1]) == 5


async def test_the_count_is_the_number_of_rows(world: World) -> None:
    db = Database(world.database)
    await db.open()
    try:
        for scope, since in [
            (Scope(everything=True), None),
            (Scope(kabupaten_code="32.08"), None),
            (Scope(kabupaten_code="35.23"), None),
            (Scope(everything=True), datetime(2026, 11, 28, 17, 0, tzinfo=UTC)),
        ]:
            async with db.reading() as repos:
                rows = [row async for chunk in repos.exports.rows(scope, since=since)
                        for row in chunk]  # fmt: skip
                assert await repos.exports.count(scope, since=since) == len(rows)
        async with db.reading() as repos:
            assert await repos.exports.count(Scope(everything=True)) == 5
    finally:
        await db.close()
