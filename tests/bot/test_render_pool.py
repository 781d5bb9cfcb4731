"""The render pool: no worker until the first call, the work done in another process, a killed
worker replaced once, an idle worker let go, a clean shutdown."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from PIL import Image

from bot.config import load_settings
from bot.priority import BATCH_NICENESS
from bot.render_pool import RenderPool
from bot.runtime import matplotlib_dir
from handlers.statistics import Chart, render_chart

CHART = Chart(
    title="Grafik kasus 7 hari terakhir\nKabupaten Kuningan",
    axis="Jumlah kasus",
    sections=[("Menurut status", [("Diajukan", 3), ("Disetujui", 1)])],
)


def _children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid}


def _die() -> None:
    """The worker dies mid-call, as when the OOM killer or a segfault takes it."""
    os._exit(3)


async def test_no_worker_before_the_first_call_then_one_in_another_process() -> None:
    before = _children()
    pool = RenderPool()
    assert not pool.started
    try:
        worker = await pool.render(os.getpid)
        assert pool.started and worker != os.getpid()
        assert _children() - before == {worker}
        assert await pool.render(os.getpid) == worker  # the worker stays for the next one
    finally:
        await pool.shutdown()
    assert _children() == before


def _matplotlib_config_dir() -> str:
    import matplotlib

    return matplotlib.get_configdir()


async def test_the_font_cache_goes_beside_the_database_unless_mplconfigdir_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA walk 14: the README told to give the service user a writable MPLCONFIGDIR, the unit
    set none; a system user without a home rebuilt the cache at every worker's start."""
    settings = load_settings(database_path=str(tmp_path / "data" / "psm.db"))
    folder = matplotlib_dir(settings)
    assert folder == tmp_path / "data" / ".matplotlib"
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    pool = RenderPool(matplotlib_dir=folder)
    try:
        assert await pool.render(_matplotlib_config_dir) == str(folder)
        await pool.render(render_chart, CHART, tmp_path / "chart.png")
    finally:
        await pool.shutdown()
    assert list(folder.glob("fontlist-*.json"))  # the cache, kept for the next start
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "chosen"))
    pool = RenderPool(matplotlib_dir=folder)
    try:
        assert await pool.render(_matplotlib_config_dir) == str(tmp_path / "chosen")
    finally:
        await pool.shutdown()


async def test_the_chart_is_a_png_drawn_by_the_worker(tmp_path: Path) -> None:
    pool = RenderPool()
    try:
        path = await pool.render(render_chart, CHART, tmp_path / "chart.png")
    finally:
        await pool.shutdown()
    assert path == tmp_path / "chart.png"
    with Image.open(path) as picture:
        picture.verify()
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.size[0] >= 800


async def test_a_killed_worker_is_replaced_and_the_call_retried() -> None:
    pool = RenderPool()
    try:
        first = await pool.render(os.getpid)
        os.kill(first, signal.SIGKILL)
        second = await pool.render(os.getpid)
        assert second not in (first, os.getpid())
    finally:
        await pool.shutdown()


async def test_a_worker_that_dies_twice_raises_and_the_next_call_starts_afresh() -> None:
    pool = RenderPool()
    try:
        with pytest.raises(BrokenProcessPool):
            await pool.render(_die)
        assert not pool.started
        assert await pool.render(os.getpid) != os.getpid()
    finally:
        await pool.shutdown()


async def test_an_idle_worker_is_let_go_and_the_next_call_starts_another() -> None:
    pool = RenderPool(idle_seconds=0)
    try:
        first = await pool.render(os.getpid)
        for _ in range(3):  # the idle timer (due at once) runs on the next loop iterations
            await asyncio.sleep(0)
        assert not pool.started
        assert await pool.render(os.getpid) not in (first, os.getpid())
    finally:
        await pool.shutdown()


async def test_after_shutdown_no_process_is_left_and_calls_fail() -> None:
    before = _children()
    pool = RenderPool()
    await pool.render(os.getpid)
    await pool.shutdown()
    assert not pool.started and _children() == before
    with pytest.raises(RuntimeError):
        await pool.render(os.getpid)
    assert _children() == before


async def test_the_worker_gives_way_to_the_bot() -> None:
    pool = RenderPool()
    try:
        worker_niceness = await pool.render(os.nice, 0)  # os.nice(0) reads the niceness
    finally:
        await pool.shutdown()
    assert worker_niceness >= min(os.nice(0) + BATCH_NICENESS, 19)
