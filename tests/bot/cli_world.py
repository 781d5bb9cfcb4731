"""A server folder for CLI tests: settings in the environment, a database with people and
cases (seeded through the storage repositories), photos in MEDIA_PATH."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.models import Role
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    SINDANGJAWA,
    TUBAN_DESA,
    make_user,
    open_database,
    seed_case,
)

CHILD_NIK = "3208014506230001"
SISTER_NIK = "3208015107150002"
OTHER_NIK = "3208020101800004"
TUBAN_NIK = "3523014506230005"
FAMILY_KK = "3208011210190005"
OTHER_KK = "3208021210190009"
SHARED_PHOTO = "photos/ab/shared.jpg"
CHILD_PHOTO = "photos/cd/child-only.jpg"


@dataclass
class World:
    root: Path
    database: Path
    media: Path
    cases: dict[str, int] = field(default_factory=dict)


async def _seed(world: World) -> None:
    db = await open_database(world.database)
    try:
        async with db.transaction() as repos:
            psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            world.cases["child"] = await seed_case(
                repos,
                reporter=psm,
                desa=BABATAN,
                at=datetime(2026, 11, 28, 16, 30, tzinfo=UTC),
                number="KNG-2026-000001",
                people=(("Ayu Lestari", CHILD_NIK),),
                no_kk=FAMILY_KK,
                description=f"Balita kurus, NIK {CHILD_NIK[:8]} {CHILD_NIK[8:]} dicatat.",
                photos=(SHARED_PHOTO, CHILD_PHOTO),
                answers={"stunting_status": {"name": "dugaan"}, "bansos": [{"name": "pkh"}]},
            )
            world.cases["siblings"] = await seed_case(
                repos,
                reporter=psm,
                desa=SINDANGJAWA,
                at=NOW - timedelta(days=40),
                number="KNG-2026-000002",
                state="verified",
                categories=("anak_tidak_sekolah",),
                people=(("Ayu Lestari", CHILD_NIK), ("Siti Aminah", SISTER_NIK)),
                no_kk=None,
                head="Slamet Riyadi",
                photos=(SHARED_PHOTO,),
            )
            world.cases["other"] = await seed_case(
                repos,
                reporter=psm,
                desa=CINIRU_DESA,
                at=NOW - timedelta(days=400),
                number="KNG-2025-000001",
                state="resolved",
                people=(("Budi Santoso", OTHER_NIK),),
                no_kk=OTHER_KK,
                head="Budi Santoso",
            )
            world.cases["tuban"] = await seed_case(
                repos,
                reporter=psm,
                desa=TUBAN_DESA,
                at=NOW - timedelta(days=2),
                number="TBN-2026-000001",
                people=(("Tuti", TUBAN_NIK),),
                no_kk=None,
            )
    finally:
        await db.close()


@pytest.fixture(name="world")
def world_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith(
            ("TELEGRAM_", "WHATSAPP_", "ADMIN_", "AUDIT_")
        ) or name.upper() in (
            "DATABASE_PATH",
            "MEDIA_PATH",
            "DISTRICTS",
            "TIMEZONE",
            "LOG_LEVEL",
        ):
            monkeypatch.delenv(name, raising=False)
    world = World(tmp_path, tmp_path / "data" / "psm.db", tmp_path / "data" / "media")
    monkeypatch.setenv("DATABASE_PATH", str(world.database))
    monkeypatch.setenv("MEDIA_PATH", str(world.media))
    for relative in (SHARED_PHOTO, CHILD_PHOTO):
        path = world.media / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8 a photo \xff\xd9")
    asyncio.run(_seed(world))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield world
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
