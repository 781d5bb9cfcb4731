"""A connection left open never keeps the process from exiting (a failed start, a bug)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORGETFUL = """
import asyncio, sys
from pathlib import Path
from storage.db import connect

KEPT = []  # still referenced at exit, as by a runtime object in a traceback

async def main() -> None:
    writer = await connect(Path(sys.argv[1]))
    reader = await connect(Path(sys.argv[1]), read_only=True)
    await writer.execute("CREATE TABLE t (x)")
    await (await reader.execute("SELECT 1")).fetchall()
    KEPT.extend([writer, reader])
    print("left open", flush=True)  # neither is closed

asyncio.run(main())
"""


def test_a_forgotten_connection_does_not_hang_exit(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FORGETFUL, str(tmp_path / "psm.db")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,  # hangs for ever when aiosqlite's worker threads are not daemon threads
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "left open"
