"""A review button of an older page is refused when it is tapped, saying what the case is now
and who made it so (the presser themself too), before a reason is asked that could not be
used; a case changed while the reason is typed gives the typed reason back. On both
channels."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from storage.db import Database
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import (
    active_forms,
    buttons,
    case_version,
    review_world,
    said,
    say,
    tap,
)
from tests.handlers.review_turns import verify as verify_case
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
NUMBER = "KNG-2026-000001"
REASON = "Alamat & RT belum lengkap <cek lagi>"
ASKED = "akan dikembalikan ke pelapor"


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_old_kembalikan_after_ones_own_verification_says_so_at_the_tap(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = world.tksk, world.case_id
    page = await tap(db, app, tksk, channel, f"cs:{case_id}")
    send_back, verify = f"ca:b:{case_id}:1", f"ca:v:{case_id}:1"
    assert {send_back, verify} <= set(buttons(page))
    assert "Diverifikasi" in said(await verify_case(db, app, tksk, channel, verify))

    old = await tap(db, app, tksk, channel, send_back)
    text = said(old)
    assert text.startswith(
        f"Tombol itu dari pesan lama, jadi tidak dijalankan. Laporan {NUMBER} sudah Bapak/Ibu"
        " verifikasi (29-11-2026 10.00); sekarang berstatus <b>Diverifikasi</b>."
    ), text
    assert ASKED not in text and "orang lain" not in text
    assert await active_forms(db, tksk.id) == []  # no reason asked
    assert f"ca:b:{case_id}:2" in buttons(old)  # the page as it is: sending back still possible
    assert await case_version(db, case_id) == ("verified", 2)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_change_by_someone_else_while_typing_names_them_and_gives_the_reason_back(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, coordinator, case_id = world.tksk, world.coordinator, world.case_id
    assert ASKED in said(await tap(db, app, tksk, channel, f"ca:b:{case_id}:1"))
    # Meanwhile the coordinator rejects it.
    await tap(db, app, coordinator, channel, f"ca:x:{case_id}:1")
    await say(db, app, coordinator, channel, "Data ganda dengan laporan lain")
    assert await case_version(db, case_id) == ("rejected", 2)

    typed = said(await say(db, app, tksk, channel, REASON))
    assert typed.startswith(
        f"Laporan {NUMBER} baru saja diubah oleh Ibu Sari (29-11-2026 10.00); sekarang"
        " berstatus <b>Ditolak</b>."
    ), typed
    shown = html.escape(REASON, quote=False)  # escaped once: "&amp;amp;" was shown
    assert f"salin bila masih diperlukan:\n<i>{shown}</i>" in typed
    assert await case_version(db, case_id) == ("rejected", 2)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_ones_own_change_while_typing_is_not_blamed_on_someone_else(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = world.tksk, world.case_id
    assert ASKED in said(await tap(db, app, tksk, channel, f"ca:b:{case_id}:1"))
    # The same page's Verifikasi, tapped before the reason is typed: the reason's question
    # comes back once the check is sent.
    checked = await verify_case(db, app, tksk, channel, f"ca:v:{case_id}:1")
    assert "Diverifikasi" in said(checked) and "Apa yang perlu diperbaiki" in said(checked)

    typed = said(await say(db, app, tksk, channel, REASON))
    assert typed.startswith(f"Laporan {NUMBER} sudah Bapak/Ibu verifikasi"), typed
    assert "orang lain" not in typed
    assert f"<i>{html.escape(REASON, quote=False)}</i>" in typed
    assert await case_version(db, case_id) == ("verified", 2)
