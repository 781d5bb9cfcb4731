"""/statistik: the numbers in the text are the database's, the chart is a real PNG drawn off
the event loop, and each role sees its own area only."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image

import handlers.statistics as statistics
from bot.render_pool import RenderPool
from handlers.statistics import show_statistics
from storage.models import Role
from tests.handlers.chat_turns import app_context, command, run_background, tap
from tests.handlers.routed_turns import CHANNELS, person, send
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    TUBAN_DESA,
    make_user,
    open_database,
    query,
    seed_case,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        people = {
            "coordinator": await make_user(repos, "Ibu Sari", Role.COORDINATOR),
            "tksk": await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE),
            "psm": await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN),
            "other": await make_user(repos, "Pak Joko", Role.PSM, kecamatan=CINIRU),
            "admin": await make_user(repos, "Admin", Role.ADMIN, kabupaten=None),
        }
        plan = [
            ("psm", BABATAN, 1, "submitted", ("stunting",)),
            ("psm", BABATAN, 2, "verified", ("stunting", "anak_tidak_sekolah")),
            ("psm", BABATAN, 10, "approved", ("rtlh",)),
            ("other", CINIRU_DESA, 3, "submitted", ("fakir_miskin",)),
            ("other", CINIRU_DESA, 100, "resolved", ("stunting",)),
            ("psm", TUBAN_DESA, 1, "submitted", ("stunting",)),
        ]
        for index, (who, desa, days_ago, state, categories) in enumerate(plan, start=1):
            await seed_case(
                repos,
                reporter=people[who],
                desa=desa,
                at=NOW - timedelta(days=days_ago),
                number=f"KNG-2026-{index:06d}",
                state=state,
                categories=categories,
                people=(("Anak", f"32080145062300{index:02d}"),),
            )
    yield db, people, app_context(tmp_path / "media")
    await db.close()


async def _run(world, who: str, args: str = ""):
    db, people, app = world
    async with db.transaction() as repos:
        turn = command(app, repos, people[who], "statistik", args)
        await show_statistics(turn)
    return await run_background(db, turn)


def _head(path: str) -> bytes:
    return Path(path).read_bytes()[:8]


def _count(text: str, label: str) -> int:
    match = re.search(rf"^{re.escape(label)}: (\d+)$", text, re.M)
    assert match, (label, text)
    return int(match.group(1))


async def test_coordinator_numbers_come_from_the_database(world) -> None:
    db, _, _ = world
    replies = await _run(world, "coordinator", "30")
    text = replies[0].text
    since = (NOW - timedelta(days=29)).isoformat()[:10]  # local days: 31 Oct .. 29 Nov
    rows = query(
        db.path,
        "SELECT state, COUNT(*) FROM cases WHERE kabupaten_code = '32.08'"
        " AND submitted_at >= ? GROUP BY state",
        (since,),
    )
    assert "Statistik kasus 30 hari terakhir" in text and "Kabupaten Kuningan" in text
    assert f"Jumlah laporan: <b>{sum(r[1] for r in rows)}</b>" in text
    for state, count in rows:
        label = {"submitted": "Diajukan", "verified": "Diverifikasi", "approved": "Disetujui"}
        assert _count(text, label[state]) == count
    assert _count(text, "Stunting") == 2 and _count(text, "Anak tidak sekolah") == 1
    assert _count(text, "Kadugede") == 3 and _count(text, "Ciniru") == 1
    assert "1. Bu Ani: 3" in text and "2. Pak Joko: 1" in text
    assert "Tuban" not in text  # the other district's case is not counted


async def test_chart_is_a_png_under_media_tmp(world) -> None:
    _, _, app = world
    replies = await _run(world, "coordinator", "365")
    image = replies[1]
    assert image.type == "image" and "Grafik kasus 365 hari terakhir" in image.text
    path = app.media_dir / "tmp"
    assert image.file_path is not None and image.file_path.startswith(str(path))
    assert _head(image.file_path) == PNG_MAGIC
    with Image.open(image.file_path) as picture:
        picture.verify()
    with Image.open(image.file_path) as picture:
        assert picture.format == "PNG" and picture.size[0] >= 800 and picture.size[1] >= 400


async def test_the_chart_is_drawn_off_the_event_loop(world, monkeypatch) -> None:
    threads = []
    draw = statistics.render_chart

    def spy(chart, path):
        threads.append(threading.current_thread())
        return draw(chart, path)

    monkeypatch.setattr(statistics, "render_chart", spy)
    await _run(world, "coordinator", "7")
    assert threads and threads[0] is not threading.main_thread()


def _die(chart, path):
    """A chart that takes its worker down (the OOM killer, a crash in native code)."""
    os._exit(3)


async def _run_with_pool(world, who: str, args: str):
    """/statistik with the charts drawn by the running bot's worker process."""
    db, people, app = world
    pool = RenderPool()
    try:
        return await _run((db, people, dataclasses.replace(app, render=pool.render)), who, args)
    finally:
        await pool.shutdown()


async def test_the_worker_process_draws_a_png(world) -> None:
    replies = await _run_with_pool(world, "coordinator", "365")
    assert [reply.type for reply in replies] == ["text", "image"]
    assert _head(replies[1].file_path) == PNG_MAGIC
    with Image.open(replies[1].file_path) as picture:
        picture.verify()


async def test_a_dying_worker_leaves_the_text_answer(world, monkeypatch) -> None:
    monkeypatch.setattr(statistics, "render_chart", _die)
    replies = await _run_with_pool(world, "coordinator", "365")
    assert len(replies) == 1 and replies[0].type == "text"
    assert "Statistik kasus 365 hari terakhir" in replies[0].text


async def test_tksk_sees_their_kecamatan_only(world) -> None:
    replies = await _run(world, "tksk", "30")
    text = replies[0].text
    assert "Kecamatan Kadugede" in text and "Jumlah laporan: <b>3</b>" in text
    assert "Menurut kecamatan" not in text and "Pak Joko" not in text


async def test_admin_sees_every_district(world) -> None:
    text = (await _run(world, "admin", "30"))[0].text
    assert "Semua wilayah" in text and "Jumlah laporan: <b>5</b>" in text


async def test_psm_may_not(world) -> None:
    replies = await _run(world, "psm", "30")
    assert len(replies) == 1
    assert replies[0].text.startswith("Maaf, Bapak/Ibu tidak berwenang melakukan itu.")


@pytest.mark.parametrize("args", ["12", "abc", "-7", "²", "7²", "①", "٣٠", "3" * 40])
async def test_other_periods_get_the_usage(world, args) -> None:
    replies = await _run(world, "coordinator", args)
    assert len(replies) == 1 and "/statistik 7" in replies[0].text


async def test_without_a_number_thirty_days(world) -> None:
    assert "30 hari terakhir" in (await _run(world, "coordinator"))[0].text


async def test_a_quiet_period_has_text_and_no_chart(world) -> None:
    db, people, app = world
    async with db.transaction() as repos:
        turn = command(app, repos, people["tksk"], "statistik", "7")
        turn.now = NOW - timedelta(days=40)
        await show_statistics(turn)
    assert [reply.text for reply in turn.replies] == [turn.t("background.preparing")]
    replies = await run_background(db, turn)
    assert len(replies) == 1 and "Belum ada laporan" in replies[0].text


async def _tap(world, who: str, data: str):
    db, people, app = world
    async with db.transaction() as repos:
        turn = tap(app, repos, people[who], data)
        await statistics.period_button(turn, data)
    return await run_background(db, turn)


def _buttons(reply) -> list[tuple[str, str]]:
    return [(b.label, b.data) for row in reply.buttons or [] for b in row]


async def test_the_text_offers_the_other_periods(world) -> None:
    replies = await _run(world, "coordinator", "30")
    assert _buttons(replies[0]) == [("📅 7 hari", "st:7"), ("📅 365 hari", "st:365")]
    assert _buttons((await _run(world, "tksk", "7"))[0]) == [
        ("📅 30 hari", "st:30"),
        ("📅 365 hari", "st:365"),
    ]


async def test_a_period_button_shows_that_period(world) -> None:
    replies = await _tap(world, "coordinator", "st:365")
    assert "Statistik kasus 365 hari terakhir" in replies[0].text
    assert "Jumlah laporan: <b>5</b>" in replies[0].text  # the case of 100 days ago too
    assert _buttons(replies[0]) == [("📅 7 hari", "st:7"), ("📅 30 hari", "st:30")]


@pytest.mark.parametrize("data", ["st:12", "st:", "st:x", "st:" + "7" * 40])
async def test_a_forged_period_button_shows_thirty_days(world, data) -> None:
    replies = await _tap(world, "coordinator", data)
    assert "Statistik kasus 30 hari terakhir" in replies[0].text


async def test_a_psm_tapping_a_period_is_refused(world) -> None:
    replies = await _tap(world, "psm", "st:7")
    assert len(replies) == 1 and "tidak berwenang" in replies[0].text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_period_button_is_routed_on_both_channels(tmp_path, channel) -> None:
    db = await open_database(tmp_path / "routed.db")
    try:
        coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
        app = app_context(tmp_path / "media")
        turn = await send(db, app, coordinator, channel, data="st:7")
        texts = [r for r in await run_background(db, turn) if r.type == "text"]
        assert "Statistik kasus 7 hari terakhir" in texts[0].text
        assert ("📅 365 hari", "st:365") in _buttons(texts[0])
    finally:
        await db.close()
