"""A case's page shows what the PSM answered beyond names and numbers: the category follow-ups
(school dropout: kind, last grade, reason; stunting: posyandu status, weight/height), the bansos
received and the reasons given for a missing location, labelled, option codes as the form's
labels. A missing KK or NIK says "Tidak punya" or "Tidak tahu" beside it, with its reason
(never "KK -"). On both channels, and for a case reported on an older form version."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from handlers.forms.loading import load_form
from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import review_world, said, tap
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"

DROPOUT = {
    "categories": [{"name": "anak_tidak_sekolah"}],
    "ats_type": {"name": "putus_sekolah"},
    "ats_last_grade": "kelas 4 SD",
    "ats_reason": "biaya, harus bantu ortu",
    "household_size": 4,
    "bansos": [{"name": "pkh"}, {"name": "pip"}],
    "no_kk_reason": "hilang waktu banjir",
    "gps_reason": "sinyal GPS lemah",
}
DROPOUT_LINES = [
    "↳ Jenis tidak sekolah: Putus sekolah · Kelas terakhir: kelas 4 SD"
    " · Alasan tak sekolah: biaya, harus bantu ortu",
    "Alasan tanpa lokasi: sinyal GPS lemah",
    "Bansos: PKH, PIP/KIP",
]
STUNTING = {
    "categories": [{"name": "stunting"}],
    "stunting_status": {"name": "terkonfirmasi"},
    "stunting_measure": "9,5 kg 78 cm",
    "household_size": 5,
    "bansos": [{"name": "belum"}],
}
STUNTING_LINES = [
    "↳ Status stunting: Terkonfirmasi · Berat/tinggi: 9,5 kg 78 cm",
    "Bansos: Belum ada",
]


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")  # stores the current version
    yield database
    await database.close()


async def page_of(db: Database, tmp_path: Path, channel: str, **case) -> str:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1), **case)
    return said(await tap(db, app, world.coordinator, channel, f"cs:{world.case_id}"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_school_dropout_case_shows_its_answers(
    db: Database, tmp_path: Path, channel: str
) -> None:
    page = await page_of(
        db, tmp_path, channel, categories=("anak_tidak_sekolah",), answers=DROPOUT, no_kk=None
    )
    lines = page.splitlines()
    for line in DROPOUT_LINES:
        assert line in lines, page
    # The follow-ups come right under the categories; the size stays on the household's line.
    assert lines[lines.index("Kategori: Anak tidak sekolah") + 1] == DROPOUT_LINES[0]
    assert "· 4 orang" in page and "Jumlah penghuni" not in page
    # The missing KK with its reason on the household's line, not "KK -" and a line apart.
    assert "Kepala keluarga: Slamet Riyadi · KK Tidak tahu (hilang waktu banjir) · 4" in page
    assert "Alasan tanpa KK" not in page and "KK -" not in page
    for code in ("putus_sekolah", "pkh", "pip"):
        assert code not in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_stunting_case_shows_its_answers(
    db: Database, tmp_path: Path, channel: str
) -> None:
    page = await page_of(db, tmp_path, channel, answers=STUNTING)
    lines = page.splitlines()
    for line in STUNTING_LINES:
        assert line in lines, page
    assert "Alasan tanpa" not in page  # nothing missing, no reason line


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_missing_nik_shows_its_reason_by_the_member_and_masks_numbers(
    db: Database, tmp_path: Path, channel: str
) -> None:
    reason = "bayi baru lahir, KK lama 3208011210190005"
    answers = {
        **STUNTING,
        "members": [
            {
                "member_name": "Ayu Lestari",
                "member_nik": {"missing": "tidak_tahu"},
                "member_nik_reason": reason,
            }
        ],
    }
    page = await page_of(
        db,
        tmp_path,
        channel,
        answers=answers,
        people=(("Ayu Lestari", None),),
        nik_reason=reason,
    )
    assert "NIK Tidak tahu (bayi baru lahir, KK lama 320801******0005)" in page
    assert "Alasan tanpa NIK" not in page  # said once, beside the member
    assert "3208011210190005" not in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_of_an_older_form_version_shows_its_answers(
    db: Database, tmp_path: Path, channel: str
) -> None:
    v1 = load_form(FIXTURES / "case_report_v1.yaml")
    async with db.transaction() as repos:
        await repos.forms.save_definition(v1.id, v1.version, v1.model_dump(mode="json"))
    page = await page_of(
        db,
        tmp_path,
        channel,
        categories=("anak_tidak_sekolah",),
        answers=DROPOUT,
        no_kk=None,
        form_version=1,
    )
    for line in DROPOUT_LINES:
        assert line in page.splitlines(), page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_number_in_the_description_is_masked_on_the_page(
    db: Database, tmp_path: Path, channel: str
) -> None:
    """A description stored with a full NIK (before free texts refused one) never shows it."""
    page = await page_of(
        db, tmp_path, channel, description="Ibu dengan NIK 3208014506230001 sakit keras."
    )
    assert "320801******0001" in page and "3208014506230001" not in page
