"""`make demo` works without a token: registration, approval and profile in the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "\n".join(
    [
        "/start",
        "Budi Santoso",
        "!kontak",
        ">1",
        "Kadugede",
        ">1",
        ">1",
        "!sebagai koordinator",
        ">1",
        "!sebagai baru",
        "/saya",
        "!keluar",
        "",
    ]
)


def test_demo_walks_registration_and_approval(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Siapa nama lengkap" in out
    assert "✓ Nama: Budi Santoso" in out
    assert "Pendaftaran baru menunggu persetujuan" in out
    assert "disetujui oleh Ibu Sari" in out
    assert "Status: Aktif" in out
    assert "Traceback" not in out + result.stderr
    assert not list(tmp_path.iterdir())  # the throwaway database is gone
