"""A server export stopped halfway leaves no unmasked NIK behind: not in memory (/dev/shm),
not beside the output. SIGTERM or SIGHUP end it as Ctrl-C does (its cleanup runs); if its
process is killed outright, the workbook writer sees the pipe close and cleans up itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.export_scratch import PREFIX
from tests.bot.cli_world import World, world_fixture  # noqa: F401 (the `world` fixture)
from tests.bot.test_server_export import ROOT, _seed_many

WAIT = 120.0  # seconds, only a bound for a broken run
# The export with its "memory" folder in the test's folder (or none: on disk, one process).
# Ctrl-C's SIGINT reaches the export as from a terminal, also when the tests run as a
# background job (whose shell starts them with SIGINT ignored, which children inherit).
SCRIPT = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "from pathlib import Path\n"
    "from bot import export_scratch\n"
    "from bot.cli import main\n"
    "export_scratch.MEMORY_FOLDER = Path(sys.argv[1])\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


class Export:
    def __init__(self, world: World, *, memory: bool) -> None:
        self.out = world.root / "kasus.xlsx"
        self.memory = world.root / ("shm" if memory else "no-shm")
        if memory:
            self.memory.mkdir()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(self.memory), "export", str(self.out),
             "--unmasked"],
            cwd=world.root,
            env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        _until(lambda: self.writing() or self.process.poll() is not None, "never wrote")
        assert self.process.poll() is None, self.process.stderr
        self.children = [
            int(pid)
            for pid in subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
            ).stdout.split()
        ]

    def scratch(self) -> list[Path]:
        """The export's temporary folders: in "memory" or beside the output."""
        pid = self.process.pid
        return [
            f for where in (self.memory, self.out.parent) for f in where.glob(f"{PREFIX}{pid}-*")
        ]

    def writing(self) -> bool:
        return any(
            file.stat().st_size > 0
            for folder in self.scratch()
            for file in folder.rglob("*")
            if file.is_file()
        )

    def leftovers(self) -> list[str]:
        """What the stopped export left: files, folders, processes still running."""
        files = self.scratch() + list(self.out.parent.glob(".*.part"))
        if self.out.exists():
            files.append(self.out)
        alive = [pid for pid in self.children if _alive(pid)]
        return [str(f) for f in files] + [f"process {pid}: {_command(pid)}" for pid in alive]

    def left_nothing(self) -> bool:
        return not self.leftovers()


def _alive(pid: int) -> bool:
    """Whether `pid` still runs. A zombie has ended: an orphan's is never reaped where the
    machine's first process does not reap (seen in containers), so it is not counted."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:200]
    except FileNotFoundError:
        return "(ended)"


def _until(condition, what: str, export: Export | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, (what, export.leftovers() if export else None)
        time.sleep(0.05)


@pytest.mark.parametrize("memory", [True, False], ids=["two-processes", "one-process"])
@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_export_leaves_nothing(world: World, number: int, memory: bool) -> None:
    _seed_many(world.database, 15_000)
    export = Export(world, memory=memory)
    if memory and not export.children:
        pytest.skip("not enough memory here for the two-process export")
    assert bool(export.children) == memory  # the writer (and multiprocessing's tracker)
    export.process.send_signal(number)
    export.process.wait(WAIT)
    assert export.process.returncode != 0
    _until(export.left_nothing, "something was left behind", export)


def test_a_killed_export_is_cleaned_up_by_its_writer(world: World) -> None:
    _seed_many(world.database, 15_000)
    export = Export(world, memory=True)
    if not export.children:
        pytest.skip("not enough memory here for the two-process export")
    export.process.kill()  # SIGKILL: no cleanup of its own
    export.process.wait(WAIT)
    _until(export.left_nothing, "the writer left its temporary files or the partial file", export)


def test_what_a_killed_one_process_export_left_goes_with_the_next_export(world: World) -> None:
    _seed_many(world.database, 15_000)
    export = Export(world, memory=False)
    export.process.kill()  # SIGKILL: one process, nobody left to clean up
    export.process.wait(WAIT)
    left = export.scratch()
    assert any(path.name.endswith("kasus.xlsx.part") for path in left), left
    assert any(path.is_dir() for path in left), left

    other = world.root / "lain.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", str(other)],
        cwd=world.root,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    assert other.exists()
    assert [path for path in left if path.exists()] == []
    assert list(world.root.glob(".*.part")) == []
