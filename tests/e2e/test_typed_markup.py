"""Typed text inside our HTML: a reviewer's reason and a broadcast with `<` and `&` reach
their readers (Telegram refuses a whole message whose HTML it cannot parse), escaped where
they are put in, not only repaired by the delivery path's last check."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.test_broadcast import NOON
from tests.e2e.test_review import PSM, TKSK, _report, _told
from tests.e2e.test_review import people as people  # the fixture

REASON = "Umur balita <5 th & No. KK salah"
REPAIRED = "unescaped markup repaired"


def _failed(settings) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT id, last_error FROM outbox WHERE status = 'failed'").fetchall()


async def test_a_reason_with_lt_and_ampersand_keeps_the_case_page(
    fake, settings, people, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.markup")
    psm, tksk = people[PSM], people[TKSK]
    number = await _report(fake, psm)
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before_psm = len(psm.messages())
    await tksk.tap("Minta perbaikan")
    await tksk.say(REASON)
    note = await _told(fake, psm, before_psm, "Perlu perbaikan")
    assert "&lt;5 th &amp; No. KK" in note
    await tksk.say(f"/cari {number}", until="Ditemukan")
    page = await tksk.tap(number, until="Riwayat")
    assert "(Pak Tono): Umur balita &lt;5 th &amp; No. KK salah" in page[0]["text"]
    assert fake.rejections == [] and _failed(settings) == []
    assert REPAIRED not in caplog.text  # escaped where it was put in


async def test_a_broadcast_with_an_ampersand_reaches_everyone(
    fake, settings, start_bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.markup")
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari & Tim", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=701,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_bot(clock=ManualClock(NOON))
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    await TelegramPerson(fake, 701).say("/start")
    await coordinator.say("/siaran")
    await coordinator.say("Rapat PSM & TKSK <wajib> hari Sabtu pukul 08.00.")
    await coordinator.tap("Semua PSM & TKSK")
    await coordinator.tap("Kirim")
    await coordinator.tap("📣 Kirim")
    received = await fake.wait_sent(701, 2)
    assert "Ibu Sari &amp; Tim" in received[-1]["text"]
    assert "Rapat PSM &amp; TKSK &lt;wajib&gt; hari Sabtu" in received[-1]["text"]
    assert fake.rejections == [] and _failed(settings) == []
    assert REPAIRED not in caplog.text
