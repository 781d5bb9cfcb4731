"""A case sent back and sent again with no answer changed is not resubmitted as corrected:
the reporter is told so with the reviewer's note, and chooses to go back and change answers or
to send it as it is with an explanation, which the reviewers read (their notice, the case's
page). What a correction changed is listed for the reviewers. On both channels."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from handlers.context import AppContext
from handlers.events import InboundKind
from storage.db import Database
from storage.models import User
from tests.handlers.chat_turns import app_context
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import (
    ReviewWorld,
    buttons,
    case_version,
    review_world,
    said,
    say,
    send,
    tap,
)
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
NUMBER = "KNG-2026-000001"
NOTE = "Alamat belum lengkap, mohon cek lagi"


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def sent_back(db: Database, app: AppContext, channel: str) -> ReviewWorld:
    """A whole report of the PSM's, sent back by its TKSK with `NOTE`, opened by the PSM."""
    current = app.forms["case_report"].version
    world = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=current,
    )
    await tap(db, app, world.tksk, channel, f"ca:b:{world.case_id}:1")
    await say(db, app, world.tksk, channel, NOTE)
    assert await case_version(db, world.case_id) == ("needs_revision", 2)
    opened = await tap(db, app, world.psm, channel, f"rv:{world.case_id}")
    assert "Perbaikan laporan" in said(opened)
    return world


def _labels(turn) -> list[str]:
    return [b.label for reply in turn.replies for row in reply.buttons or [] for b in row]


def submit_button(turn) -> str:
    return next(data for data in buttons(turn) if data.endswith(":ok"))


async def summary(db: Database, app: AppContext, psm: User, channel: str):
    return await send(db, app, psm, channel, kind=InboundKind.COMMAND, command="start")


async def outbox_to(db: Database, user_id: int) -> list[str]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT message FROM outbox WHERE user_id = ? ORDER BY id", (user_id,)
        ) as cursor,
    ):
        return [json.loads(row[0]).get("text") or "" for row in await cursor.fetchall()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_unchanged_report_is_asked_about_then_sent_with_an_explanation(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await sent_back(db, app, channel)
    psm, case_id = world.psm, world.case_id
    told_before = len(await outbox_to(db, world.tksk.id))

    page = await summary(db, app, psm, channel)
    asked = await tap(db, app, psm, channel, submit_button(page))
    text = said(asked)
    assert f"Belum ada jawaban yang Bapak/Ibu ubah pada laporan <b>{NUMBER}</b>" in text
    # The reviewer's note as the correction screen gives it: who (by role), when, what.
    assert re.search(rf"↩️ Catatan dari TKSK \(\d\d-\d\d-\d{{4}}\): {re.escape(NOTE)}", text), text
    assert "Apa yang ingin Bapak/Ibu lakukan?" in text
    labels = [b.label for reply in asked.replies for row in reply.buttons or [] for b in row]
    assert {"✏️ Ubah jawaban", "📨 Tetap kirim"} <= set(labels)
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert len(await outbox_to(db, world.tksk.id)) == told_before  # nobody told

    explain = await say(db, app, psm, channel, "Tetap kirim")
    assert "Tulis penjelasan singkat untuk pemeriksa" in said(explain)
    sent = await say(db, app, psm, channel, "Sudah dicek ke rumah, alamat sudah benar")
    assert "dikirim ulang tanpa perubahan" in said(sent)
    assert "📝 Buat laporan baru" in _labels(sent)  # the main menu follows, as after a report
    assert await case_version(db, case_id) == ("resubmitted", 3)

    notices = (await outbox_to(db, world.tksk.id))[told_before:]
    assert len(notices) == 1
    assert "<b>tanpa perubahan</b>" in notices[0] and "Yang diubah" not in notices[0]
    assert "Penjelasan pelapor: <i>Sudah dicek ke rumah, alamat sudah benar</i>" in notices[0]
    page = said(await tap(db, app, world.tksk, channel, f"cs:{case_id}"))
    assert "Diajukan ulang <b>tanpa perubahan</b>" in page
    assert "Penjelasan pelapor" in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_going_back_to_change_lists_the_change_for_the_reviewer(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await sent_back(db, app, channel)
    psm, case_id = world.psm, world.case_id

    page = await summary(db, app, psm, channel)
    await tap(db, app, psm, channel, submit_button(page))
    back = await say(db, app, psm, channel, "Ubah jawaban")
    # One message: what to do, then the report's summary (not the generic "still open").
    (message,) = [reply for reply in back.replies if reply.type == "text"]
    text = message.text
    assert text.startswith("Baik. Silakan ubah jawaban yang diminta pemeriksa")
    assert "Periksa kembali jawaban Bapak/Ibu" in text  # the report's summary again
    assert "masih berjalan" not in text
    assert submit_button(back)  # its Kirim under it
    assert await case_version(db, case_id) == ("needs_revision", 2)

    told_before = len(await outbox_to(db, world.tksk.id))
    await say(db, app, psm, channel, "11")  # Alamat
    await say(db, app, psm, channel, "Dusun Manis RT 02 RW 05 No. 3")
    await say(db, app, psm, channel, "2")  # Nomor KK
    await say(db, app, psm, channel, "3208011210190007")
    sent = await say(db, app, psm, channel, "kirim")
    assert "Perbaikan laporan" in said(sent)
    assert "📝 Buat laporan baru" in _labels(sent)  # the main menu follows, as after a report
    assert await case_version(db, case_id) == ("resubmitted", 3)

    (notice,) = (await outbox_to(db, world.tksk.id))[told_before:]
    changes = [
        "✏️ <b>Yang diubah sejak dikembalikan:</b>",
        "• Nomor KK: 320801******0005 → 320801******0007",
        "• Alamat: Dusun Manis RT 02 RW 05 → Dusun Manis RT 02 RW 05 No. 3",
    ]
    assert notice.endswith("\n".join(changes)), notice
    assert "3208011210190007" not in notice and "Penjelasan" not in notice
    page = said(await tap(db, app, world.tksk, channel, f"cs:{case_id}"))
    assert "\n".join(changes) in page and "3208011210190007" not in page


async def _batal(db: Database, app: AppContext, psm: User, channel: str) -> str:
    return said(await send(db, app, psm, channel, kind=InboundKind.COMMAND, command="batal"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_amid_a_correction_drops_only_the_unsent_changes(
    db: Database, tmp_path: Path, channel: str
) -> None:
    """Not "the answers will be deleted": the report sent stays and still waits."""
    app = app_context(tmp_path / "media")
    world = await sent_back(db, app, channel)
    psm, case_id = world.psm, world.case_id

    asked = await _batal(db, app, psm, channel)
    assert f"Yakin ingin membatalkan perbaikan laporan <b>{NUMBER}</b>?" in asked
    assert "Laporan yang sudah terkirim tetap ada dan masih menunggu perbaikan" in asked
    assert "Jawaban yang sudah diisi akan dihapus" not in asked
    done = said(await say(db, app, psm, channel, "ya"))
    assert "perbaikan dibatalkan dan perubahan yang belum dikirim sudah dihapus" in done
    assert f"Laporan <b>{NUMBER}</b> tetap ada dan masih menunggu perbaikan" in done
    assert f"/laporan_saya, tombol <b>Perbaiki {NUMBER}</b>" in done
    assert "Slamet" not in done and "Isian dibatalkan" not in done
    assert await case_version(db, case_id) == ("needs_revision", 2)
    # As said: the case opens again for its correction.
    assert "Perbaikan laporan" in said(await tap(db, app, psm, channel, f"rv:{case_id}"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_at_send_it_unchanged_keeps_the_correction(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    world = await sent_back(db, app, channel)
    psm = world.psm
    page = await summary(db, app, psm, channel)
    await tap(db, app, psm, channel, submit_button(page))
    await say(db, app, psm, channel, "Tetap kirim")

    asked = await _batal(db, app, psm, channel)
    assert f"Yakin tidak jadi mengirim laporan <b>{NUMBER}</b> tanpa perubahan?" in asked
    assert "Kirim tanpa perubahan" not in asked  # the form's title is no name for it
    back = said(await say(db, app, psm, channel, "ya"))
    assert f"Baik, laporan <b>{NUMBER}</b> tidak jadi dikirim. Perbaikannya tetap" in back
    assert "Isian dibatalkan" not in back and "Kirim tanpa perubahan" not in back
    assert "Periksa kembali jawaban Bapak/Ibu" in back  # the correction's summary again
    assert await case_version(db, world.case_id) == ("needs_revision", 2)
