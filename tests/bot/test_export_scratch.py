"""Where the server export's temporary files go: memory when they fit with room to spare,
the system's temporary folder otherwise; folders of killed exports are swept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import export_scratch
from bot.export_scratch import BYTES_PER_ROW, available_memory, make_scratch, scratch_root


def test_a_small_export_goes_to_memory(tmp_path: Path) -> None:
    assert scratch_root(100, memory_folder=tmp_path) == tmp_path


def test_an_export_too_big_for_the_memory_left_goes_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_scratch, "available_memory", lambda: 400 * 2**20)
    rows_in_100mb = 100 * 2**20 // BYTES_PER_ROW
    assert scratch_root(rows_in_100mb - 10, memory_folder=tmp_path) == tmp_path
    assert scratch_root(rows_in_100mb + 10, memory_folder=tmp_path) is None  # > a quarter


def test_an_export_bigger_than_half_the_free_space_goes_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_scratch, "available_memory", lambda: 2**62)  # memory no limit
    usage = os.statvfs(tmp_path)
    free_rows = usage.f_bavail * usage.f_frsize // BYTES_PER_ROW
    assert scratch_root(free_rows, memory_folder=tmp_path) is None
    assert scratch_root(free_rows // 3, memory_folder=tmp_path) == tmp_path


def test_no_memory_folder_or_unknown_memory_means_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert scratch_root(1, memory_folder=tmp_path / "none") is None
    monkeypatch.setattr(export_scratch, "available_memory", lambda: None)
    assert scratch_root(1, memory_folder=tmp_path) is None


def test_available_memory_reads_memavailable(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  2000 kB\nMemFree:  100 kB\nMemAvailable:  1500 kB\n")
    none = tmp_path / "no-cgroup"
    assert available_memory(meminfo, none) == 1500 * 1024
    meminfo.write_text("MemTotal:  2000 kB\n")  # an old kernel
    assert available_memory(meminfo, none) is None
    assert available_memory(tmp_path / "absent", none) is None


def _cgroup(tmp_path: Path, line: str, folder: str, files: dict[str, str]) -> tuple[Path, Path]:
    cgroups, root = tmp_path / "cgroup", tmp_path / "sys"
    cgroups.write_text(line + "\n")
    (root / folder).mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (root / folder / name).write_text(value + "\n")
    return cgroups, root


@pytest.mark.parametrize(
    ("line", "folder", "files", "left"),
    [
        # cgroup v2 (systemd MemoryMax=512M, 112 MiB used): 400 MiB left
        ("0::/system.slice/psm-bot.service", "system.slice/psm-bot.service",
         {"memory.max": str(512 * 2**20), "memory.current": str(112 * 2**20)}, 400 * 2**20),
        ("0::/user.slice", "user.slice", {"memory.max": "max", "memory.current": "5"}, None),
        # v1, as in a container: its own cgroup is the root of the mount
        ("4:memory:/docker/abc", "memory",
         {"memory.limit_in_bytes": str(2**30), "memory.usage_in_bytes": str(2**29)}, 2**29),
        ("4:memory:/", "memory",
         {"memory.limit_in_bytes": "9223372036854771712", "memory.usage_in_bytes": "7"}, None),
    ],
)  # fmt: skip
def test_a_cgroup_limit_lowers_the_memory_available(
    tmp_path: Path, line: str, folder: str, files: dict[str, str], left: int | None
) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemAvailable:  {8 * 2**20} kB\n")  # 8 GiB on the machine
    cgroups, root = _cgroup(tmp_path, line, folder, files)
    expected = 8 * 2**30 if left is None else left
    assert available_memory(meminfo, cgroups, root) == expected


def test_folders_of_killed_exports_are_swept_and_others_kept(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = tmp_path / f".psm-export-{int(gone.stdout)}-abc"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub" / "rows.xml").write_text("<row/>")
    running = tmp_path / f".psm-export-{os.getpid()}-def"  # this process: alive
    running.mkdir()
    unrelated = tmp_path / ".psm-export-notes"
    unrelated.mkdir()
    made = make_scratch(tmp_path)
    assert not dead.exists()
    assert running.exists() and unrelated.exists()
    assert made.parent == tmp_path and made.name.startswith(f".psm-export-{os.getpid()}-")
    assert made.stat().st_mode & 0o777 == 0o700
