"""`psm-bot case show`: masked by default, full NIK/KK only with --reveal; both logged."""

from __future__ import annotations

import json
import sqlite3

from bot.cli import main
from tests.bot.cli_world import (
    CHILD_NIK,
    FAMILY_KK,
    World,
    world_fixture,  # noqa: F401 (the `world` fixture)
)
from tests.storage.seed_cases import query


def _audit(world: World) -> list[tuple[str, str, dict]]:
    rows = query(
        world.database,
        "SELECT action, subject, detail FROM audit_log WHERE action LIKE 'case.%' ORDER BY id",
    )
    return [(r["action"], r["subject"], json.loads(r["detail"])) for r in rows]


def test_masked_by_default(world: World, capsys) -> None:
    assert main(["case", "show", "KNG-2026-000001"]) == 0
    out = capsys.readouterr().out
    assert "Case KNG-2026-000001" in out and "State: submitted" in out
    assert "desa Babatan (32.08.01.2006)" in out and "kecamatan Kadugede" in out
    assert "Ayu Lestari: NIK 320801******0001" in out and "KK 320801******0005" in out
    assert "Reported: 2026-11-28 23:30 WIB by Bu Ani" in out
    assert "photos/cd/child-only.jpg" in out
    assert CHILD_NIK not in out and FAMILY_KK not in out
    # The NIK typed into the description (with a space) is masked too.
    assert "Description: Balita kurus, NIK 320801******0001 dicatat." in out
    assert "06230001" not in out
    # The further answers as the form's labels (here English), not JSON of codes.
    assert "Answers:\n  - Stunting status: Suspected\n  - Assistance: PKH\n" in out
    (entry,) = _audit(world)
    assert entry[0] == "case.shown" and entry[1] == f"case:{world.cases['child']}"
    assert entry[2]["reveal"] is False and entry[2]["via"] == "cli" and entry[2]["operator"]


def test_reveal_shows_and_logs(world: World, capsys) -> None:
    assert main(["case", "show", "KNG-2026-000001", "--reveal"]) == 0
    out = capsys.readouterr().out
    assert f"Ayu Lestari: NIK {CHILD_NIK}" in out and f"KK {FAMILY_KK}" in out
    (entry,) = _audit(world)
    assert entry[0] == "case.revealed" and entry[2]["reveal"] is True


def test_an_unknown_number(world: World, capsys) -> None:
    assert main(["case", "show", "KNG-2026-999999", "--reveal"]) == 1
    assert "no case KNG-2026-999999" in capsys.readouterr().out
    assert _audit(world) == []


def test_consent_and_region_read_plainly(world: World, capsys) -> None:
    """Not JSON with a UTC time, nor "kabupaten Kabupaten Kuningan" (QA walk 14)."""
    consent = {"by": "orang_tua_wali", "method": "lisan", "at": "2026-11-28T16:30:00+00:00",
               "recorded_by": 1}  # fmt: skip
    connection = sqlite3.connect(world.database)
    with connection:
        connection.execute(
            "UPDATE cases SET consent = ? WHERE number = 'KNG-2026-000001'", (json.dumps(consent),)
        )
    connection.close()
    assert main(["case", "show", "KNG-2026-000001"]) == 0
    out = capsys.readouterr().out
    assert "Consent: Parent/guardian (Spoken), recorded 2026-11-28 23:30 WIB by user 1\n" in out
    assert "kecamatan Kadugede (32.08.01), Kabupaten Kuningan (32.08)\n" in out
    assert "kabupaten Kabupaten" not in out and "{" not in out
