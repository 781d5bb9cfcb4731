"""Erasure end to end: a PSM reports a child through the fake Telegram server (the NIK passes
through the inbox, the form session, the answers, the outbox), the bot stops, and
`psm-bot subject erase` leaves no byte of the NIK or the family's KK in the database file,
its WAL or the media folder; the case itself stays for the counts. A reviewer's reason
written about their case goes, typed on two lines too, and the same words sent to another
family stay."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bot.admin_tools import add_user
from bot.cli import main
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import stop_all
from tests.e2e.reports import CHILD_NIK, FAMILY_KK, Report, walk_report
from tests.storage.seed_cases import query

PSM, TKSK, COORDINATOR = 700, 600, 500
_MESSAGES = "SELECT message FROM outbox"


def _database_bytes(database: Path) -> bytes:
    return b"".join(
        Path(f"{database}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-journal")
        if Path(f"{database}{suffix}").exists()
    )


def _media_bytes(media: Path) -> bytes:
    return b"".join(path.read_bytes() for path in media.rglob("*") if path.is_file())


def _forms(digits: str) -> list[bytes]:
    """The number as stored and as people type it."""
    return [
        digits.encode(),
        " ".join([digits[:4], digits[4:8], digits[8:12], digits[12:]]).encode(),
    ]


async def test_erasure_after_a_real_conversation(
    fake, settings, start_bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await add_user(
        settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_bot()
    psm = TelegramPerson(fake, PSM)
    await psm.say("/start")
    await walk_report(psm, Report(), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("Nomor kasus: <b>")[1].split("</b>")[0]
    await stop_all(start_bot)

    database, media = settings.database_path, settings.media_path
    photos = [row["path"] for row in query(database, "SELECT path FROM case_photos")]
    assert len(photos) == 3 and all((media / p).exists() for p in photos)
    assert CHILD_NIK.encode() in _database_bytes(database)  # the search can see it

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "WHATSAPP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("MEDIA_PATH", str(media))
    monkeypatch.setenv("DISTRICTS", "32.08:KNG")
    # The CLI runs its own event loop: in a thread, as from a shell.
    assert await asyncio.to_thread(main, ["subject", "erase", CHILD_NIK, "--yes"]) == 0

    stored = _database_bytes(database)
    for digits in (CHILD_NIK, FAMILY_KK):
        for form in _forms(digits):
            assert form not in stored, form
            assert form not in _media_bytes(media), form
    # Nor their name, their family's (only member gone: the household too), or the masked
    # numbers the bot's replies showed, in any transcript.
    for text in ("Ayu Lestari", "Slamet Riyadi", "320801******0001"):
        assert text.encode() not in stored, text
    address = "Dusun Manis RT 02 RW 05"  # also the form's own example, so: not in the outbox
    assert query(database, "SELECT 1 FROM outbox WHERE instr(message, ?)", (address,)) == []
    assert not any((media / p).exists() for p in photos)
    # The case stays, anonymous: its number, state, region and categories still count.
    (case,) = query(
        database,
        "SELECT c.state, c.desa_code, group_concat(k.code) AS codes FROM cases c"
        " JOIN case_categories k ON k.case_id = c.id WHERE c.number = ? GROUP BY c.id",
        (number,),
    )
    assert tuple(case) == ("submitted", "32.08.01.2006", "stunting")
    assert query(database, "PRAGMA integrity_check")[0][0] == "ok"


OTHER_FAMILY = Report(
    head="Joko Susilo", kk="3208 0115 0320 0005", member="Budi Santoso",
    nik="3208010506230002", photos=0, address="Dusun Pahing RT 01 RW 03",
)  # fmt: skip
STOCK = "Foto buram"  # sent back with the same words, Ayu's case and another family's
TWO_LINES = "Keluarga sudah pindah\nke rumah bibi di Cirebon"


async def _send_back(person: TelegramPerson, number: str, action: str, reason: str) -> None:
    await person.say("/antrian", until="Antrian")
    await person.tap(number, until="Riwayat")
    await person.tap(action)
    await person.say(reason, until="sekarang")


async def test_erasure_leaves_another_familys_reason_and_finds_two_lines(
    fake, settings, start_bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A reviewer's stock words stay in another family's notice; a reason typed on two lines
    goes from Ayu's."""
    for role, user_id, name, region in (
        ("psm", PSM, "Bu Ani", {"kecamatan": "32.08.01", "desa": "32.08.01.2006"}),
        ("tksk", TKSK, "Pak Tono", {"kecamatan": "32.08.01"}),
        ("coordinator", COORDINATOR, "Ibu Sari", {}),
    ):
        await add_user(
            settings, role=role, telegram_id=user_id, name=name, kabupaten="32.08", **region
        )
    await start_bot()
    psm, tksk, coordinator = (TelegramPerson(fake, i) for i in (PSM, TKSK, COORDINATOR))
    for person in (psm, tksk, coordinator):
        await person.say("/start")
    numbers = []
    for report in (Report(photos=0), OTHER_FAMILY):
        await walk_report(psm, report, fake=fake)
        done = await psm.tap("Kirim", expect=2)
        numbers.append(done[0]["text"].split("Nomor kasus: <b>")[1].split("</b>")[0])
    ayu, budi = numbers
    await _send_back(tksk, ayu, "Minta perbaikan", STOCK)
    await _send_back(tksk, budi, "Minta perbaikan", STOCK)
    await _send_back(coordinator, ayu, "Tolak", TWO_LINES)
    await stop_all(start_bot)

    database = settings.database_path
    assert b"ke rumah bibi" in _database_bytes(database)  # the search can see it
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "WHATSAPP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("MEDIA_PATH", str(settings.media_path))
    monkeypatch.setenv("DISTRICTS", "32.08:KNG")
    assert await asyncio.to_thread(main, ["subject", "erase", CHILD_NIK, "--yes"]) == 0

    texts = [json.loads(row[0]).get("text", "") for row in query(database, _MESSAGES)]
    assert any(budi in text and STOCK in text for text in texts), texts  # another family's
    assert not any(ayu in text and STOCK in text for text in texts), texts
    assert b"ke rumah bibi" not in _database_bytes(database)
