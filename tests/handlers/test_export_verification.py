"""The case spreadsheet says what the verifier's check in the field found: how it was
checked, the finding and the note, in three columns after the reporter's, then who verified
it, on which (local) day and where they recorded the visit (lat,lon); empty for a case
not verified, verified before the check was asked, or sent back since (waiting for its
correction, corrected and to be verified again, or rejected uncorrected); a case rejected at
validation keeps the check it was rejected on.
Read back with openpyxl from rows streamed out of a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from handlers.export_sheet import SheetWriter
from handlers.i18n import Catalog
from storage.models import Role
from storage.repos import Repos
from storage.scope import Scope
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database, seed_case

COLUMNS = ["Pelapor", "Cara verifikasi", "Hasil verifikasi", "Catatan pemeriksaan"]
WHO_WHEN_WHERE = ["Diverifikasi oleh", "Tanggal verifikasi", "Lokasi verifikasi"]
JAKARTA = ZoneInfo("Asia/Jakarta")
LATE = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
NIK = "3208012505800003"
DIFFERS = {
    "method": "visited",
    "finding": "differs",
    "note": f"NIK ayah {NIK} lain",
    "latitude": -6.9,
    "longitude": 108.4,
}
BY_PHONE = {"method": "remote", "finding": "matches"}


async def _step(
    repos: Repos, case_id: int, to: str, actor: int, at: datetime = NOW, **more: object
) -> None:
    case = await repos.review.detail(case_id, Scope(everything=True))
    assert case is not None
    moved = await repos.review.transition(
        case_id, version=case.version, from_states=(case.summary.state,), to_state=to,
        actor_id=actor, reason=None, now=at, **more,
    )  # fmt: skip
    assert moved


async def _sheet(tmp_path: Path, *, masked: bool) -> tuple[list, dict[str, dict]]:
    db = await open_database(tmp_path / f"{masked}.db")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        tono = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        ids = [
            await seed_case(
                repos,
                reporter=psm,
                desa=BABATAN,
                at=NOW - timedelta(hours=5 - n),
                number=f"KNG-2026-00000{n}",
            )
            for n in range(1, 9)
        ]
        await _step(repos, ids[0], "verified", tono.id, detail=DIFFERS)
        await _step(repos, ids[0], "approved", tono.id)  # validated since: still the check
        # 01.00 WIB on the 30th: the day is Jakarta's, not UTC's (the 29th).
        await _step(repos, ids[1], "verified", tono.id, LATE, detail=BY_PHONE)
        await _step(repos, ids[2], "verified", tono.id, detail=DIFFERS)
        await _step(repos, ids[2], "needs_revision", tono.id)
        await _step(repos, ids[2], "resubmitted", psm.id)  # corrected: to be checked again
        await _step(repos, ids[3], "verified", tono.id)  # before the check was asked
        await _step(repos, ids[5], "verified", tono.id, detail=DIFFERS)
        await _step(repos, ids[5], "needs_revision", tono.id)  # sent back, not corrected yet
        await _step(repos, ids[6], "verified", tono.id, detail=DIFFERS)
        await _step(repos, ids[6], "needs_revision", tono.id)
        await _step(repos, ids[6], "rejected", tono.id)  # never corrected: closed
        await _step(repos, ids[7], "verified", tono.id, detail=BY_PHONE)
        await _step(repos, ids[7], "rejected", tono.id)  # rejected at validation: checked so
    path = tmp_path / f"{masked}.xlsx"
    writer = SheetWriter(
        path, catalog=Catalog.load(), language="id", timezone=ZoneInfo("Asia/Jakarta"),
        masked=masked,
    )  # fmt: skip
    async with db.reading() as reader:
        async for chunk in reader.exports.rows(Scope(everything=True)):
            writer.write_rows(chunk)
    writer.close([])
    await db.close()
    lines = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = list(lines[0])
    return header, {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}


def _check(row: dict) -> tuple:
    return row["Cara verifikasi"], row["Hasil verifikasi"], row["Catatan pemeriksaan"]


async def test_the_check_has_three_columns_after_the_reporter(tmp_path: Path) -> None:
    header, rows = await _sheet(tmp_path, masked=True)
    start = header.index("Pelapor")
    assert header[start : start + 4] == COLUMNS
    assert _check(rows["KNG-2026-000001"]) == (
        "Dikunjungi langsung", "Ada perbedaan", "NIK ayah 320801******0003 lain",
    )  # fmt: skip
    assert _check(rows["KNG-2026-000002"]) == (
        "Lewat telepon / perangkat desa", "Sesuai laporan", None,
    )  # fmt: skip
    assert _check(rows["KNG-2026-000008"]) == (
        "Lewat telepon / perangkat desa", "Sesuai laporan", None,
    )  # fmt: skip
    # Before verification again (sent back: corrected, waiting for it, or closed so), never
    # verified, or verified before the check was asked: no check.
    for n in (3, 4, 5, 6, 7):
        assert _check(rows[f"KNG-2026-00000{n}"]) == (None, None, None), n


async def test_the_server_export_in_full_leaves_the_note_as_typed(tmp_path: Path) -> None:
    _, rows = await _sheet(tmp_path, masked=False)
    assert rows["KNG-2026-000001"]["Catatan pemeriksaan"] == f"NIK ayah {NIK} lain"


def _who_when_where(row: dict) -> tuple:
    verified_on = row["Tanggal verifikasi"]
    day = verified_on.date() if verified_on is not None else None
    return row["Diverifikasi oleh"], day, row["Lokasi verifikasi"]


async def test_who_verified_when_and_where_follow_the_check(tmp_path: Path) -> None:
    """QA walk 8: the spreadsheet had the check but not who took it, when, or the place
    recorded ("📍 lokasi dicatat" on the page)."""
    header, rows = await _sheet(tmp_path, masked=True)
    start = header.index("Catatan pemeriksaan") + 1
    assert header[start : start + 3] == WHO_WHEN_WHERE
    day = NOW.astimezone(JAKARTA).date()
    assert _who_when_where(rows["KNG-2026-000001"]) == ("Pak Tono", day, "-6.9,108.4")
    assert _who_when_where(rows["KNG-2026-000002"]) == ("Pak Tono", date(2026, 11, 30), None)
    assert _who_when_where(rows["KNG-2026-000004"]) == ("Pak Tono", day, None)  # no check yet
    for n in (3, 5, 6, 7):  # not verified, or before verification again: nobody, no day
        assert _who_when_where(rows[f"KNG-2026-00000{n}"]) == (None, None, None), n
