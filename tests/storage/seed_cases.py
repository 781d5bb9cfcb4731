"""Seeding households, people and cases straight through the storage repositories (shared by
the statistics, export, subject-tool and retention tests)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.region_files import load_regions
from handlers.followup_reminders import VISIT_INTERVAL_DAYS
from handlers.forms.loading import load_forms
from storage.db import Database
from storage.models import Role, User, UserStatus
from storage.repos import Repos
from storage.visits import UnvisitedSince

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 10.00 WIB
KADUGEDE, CINIRU = "32.08.01", "32.08.02"
BABATAN, SINDANGJAWA = "32.08.01.2006", "32.08.01.2001"
CINIRU_DESA = "32.08.02.2001"
TUBAN_DESA = "35.23.01.2001"
# The stored case_report version sessions start on (their form_versions row must exist).
CASE_REPORT_VERSION = load_forms()["case_report"].version


async def open_database(path: Path) -> Database:
    """A migrated database with the regions and form definitions loaded."""
    database = Database(path)
    await database.open()
    async with database.transaction() as repos:
        await repos.regions.sync(load_regions())
        for form in load_forms().values():
            await repos.forms.save_definition(form.id, form.version, form.model_dump(mode="json"))
    return database


async def make_user(
    repos: Repos,
    name: str,
    role: Role,
    *,
    kabupaten: str | None = "32.08",
    kecamatan: str | None = None,
    desa: str | None = None,
) -> User:
    user = await repos.users.create(
        now=NOW, status=UserStatus.ACTIVE, full_name=name, role=role, kabupaten_code=kabupaten
    )
    return await repos.users.update(user.id, now=NOW, kecamatan_code=kecamatan, desa_code=desa)


async def seed_case(
    repos: Repos,
    *,
    reporter: User,
    desa: str,
    at: datetime,
    number: str,
    state: str = "submitted",
    categories: tuple[str, ...] = ("stunting",),
    people: tuple[tuple[str, str | None], ...] = (("Ayu Lestari", "3208014506230001"),),
    no_kk: str | None = "3208011210190005",
    head: str = "Slamet Riyadi",
    description: str = "Balita kurus.",
    photos: tuple[str, ...] = (),
    updated_at: datetime | None = None,
    sex: str = "P",
    relation: str = "anak",
    consent: dict[str, str] | None = None,
    answers: dict[str, Any] | None = None,
    form_version: int = 1,
    nik_reason: str | None = None,
    location: tuple[float, float] | None = None,
) -> int:
    """One case about `people` (name, NIK) of a new household; returns the case id.
    `answers`: further answers as the form keeps them (follow-ups, bansos...); `nik_reason`:
    why the people without a NIK have none; `location`: the house's (lat, lon) reported.
    Without `answers` the case keeps only a few of the form's (as one imported or from an
    older form version): a correction of it asks the rest first
    (tests/handlers/test_revision_missing_answers.py); tests of a whole report pass them
    (tests/handlers/forms/report_answers.py)."""
    kecamatan, kabupaten = desa.rsplit(".", 1)[0], desa.rsplit(".", 2)[0]
    household = await repos.households.create_household(
        now=at,
        kabupaten_code=kabupaten,
        kecamatan_code=kecamatan,
        desa_code=desa,
        no_kk=no_kk,
        head_name=head,
        address="Dusun Manis RT 02 RW 05",
        member_count=4,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
    )
    members = [
        await repos.households.add_member(
            household,
            now=at,
            name=name,
            nik=nik,
            nik_missing=None if nik else "tidak_tahu",
            nik_reason=None if nik else nik_reason,
            sex=sex,
            birth_date="2023-06-05",
            age_months=41,
            relation=relation,
        )
        for name, nik in people
    ]
    stored: dict[str, Any] = {
        "head_name": head,
        "no_kk": no_kk,
        "members": [
            {"member_name": name, "member_nik": nik, "member_age": {"months": 41}}
            for name, nik in people
        ],
        "address": "Dusun Manis RT 02 RW 05",
        "description": description,
        **({"gps": {"lat": location[0], "lon": location[1]}} if location else {}),
        **(answers or {}),
    }
    case_id = await repos.cases.create_case(
        now=at,
        number=number,
        household_id=household,
        reporter_id=reporter.id,
        kabupaten_code=kabupaten,
        kecamatan_code=kecamatan,
        desa_code=desa,
        urgency="biasa",
        protected=False,
        description=description,
        details={},
        consent=consent or {"by": "orang_tua"},
        answers=stored,
        form_version=form_version,
        categories=list(categories),
        subject_ids=members,
        photos=list(photos),
    )
    if state != "submitted" or updated_at is not None:
        await repos.conn.execute(
            "UPDATE cases SET state = ?, updated_at = ? WHERE id = ?",
            (state, (updated_at or at).isoformat(timespec="microseconds"), case_id),
        )
    return case_id


def query(path: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Read the database file directly (what the tests compare against)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def unvisited_since(day: str) -> UnvisitedSince:
    """When followed cases count as unvisited on the local `day` (WIB), as the daily
    reminders ask (`handlers.followup_reminders.unvisited_since`)."""
    return UnvisitedSince.days_before(
        date.fromisoformat(day), VISIT_INTERVAL_DAYS, ZoneInfo("Asia/Jakarta")
    )
