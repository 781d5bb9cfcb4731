"""The delivery report of a broadcast names it (its first words and when it was sent, local
time: a TKSK with two broadcasts tells them apart) and who it did not reach, at most ten
names and "dan N lainnya", so the sender can phone them. On both channels (QA walk 11)."""

from __future__ import annotations

import pytest

from handlers.reminders import broadcast_reports
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import CHANNELS, button, person, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, open_database

FIRST = "Rapat PSM hari Sabtu pukul 08.00 di kantor kecamatan Kadugede, bawa buku."
SECOND = "Pendataan <PKH> diundur ke Senin."


@pytest.fixture
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    try:
        yield db, app_context(tmp_path / "media")
    finally:
        await db.close()


async def _broadcast(db: Database, app, tksk: User, channel: str, text: str) -> None:
    await send(db, app, tksk, channel, command="siaran")
    summary = await send(db, app, tksk, channel, text=text)
    preview = await send(db, app, tksk, channel, data=button(summary, "Kirim"))
    await send(db, app, tksk, channel, data=button(preview, "📣 Kirim"))


async def _reports(db: Database, app, tksk: User) -> list[str]:
    """Settle every broadcast copy (the first PSM's sent, the rest failed), then report."""
    async with db.transaction() as repos:
        await repos.audit._run(
            "UPDATE outbox SET status = CASE WHEN user_id = (SELECT MIN(user_id) FROM outbox"
            " WHERE broadcast_id IS NOT NULL) THEN 'sent' ELSE 'failed' END"
            " WHERE broadcast_id IS NOT NULL",
            (),
        )
        await broadcast_reports(repos, app, NOW)
    async with db.reading() as repos:
        texts = [item.message["text"] for item in await repos.outbox.for_user(tksk.id)]
    return [text for text in texts if "Laporan siaran" in text]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_report_names_the_broadcast_and_who_it_did_not_reach(world, channel) -> None:
    db, app = world
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    for number in range(1, 13):
        name = f"Bu PSM {number:02d}"
        await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await _broadcast(db, app, tksk, channel, FIRST)
    await _broadcast(db, app, tksk, channel, SECOND)
    first, second = await _reports(db, app, tksk)
    assert "Siaran “Rapat PSM hari Sabtu pukul 08.00 di…” (29-11-2026 10.00)" in first
    assert "Terkirim: 1" in first and "Gagal: 11" in first
    named = ", ".join(f"Bu PSM {number:02d}" for number in range(2, 12))
    assert f"Belum sampai ke: {named} dan 1 lainnya." in first
    assert "Bu PSM 01," not in first and "Bu PSM 12" not in first
    assert "Siaran “Pendataan &lt;PKH&gt; diundur ke Senin.” (29-11-2026 10.00)" in second
