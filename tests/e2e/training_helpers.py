"""Shared steps of the training (Bimtek) end-to-end tests."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import open_db
from tests.fakes.telegram_api import FakeTelegram

WIB = ZoneInfo("Asia/Jakarta")
TITLE = "Bimtek Calon PSM"


def plain(text: str) -> str:
    """What a person sees of a Telegram HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


async def tap_exactly(person: TelegramPerson, label: str) -> list[dict]:
    """Tap the option labelled exactly `label` on the latest message that has it ("Semua PSM",
    not "Semua PSM & TKSK", which `tap` would take first as it contains it)."""
    for message in reversed(person.all_with_buttons()):
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button["text"].strip() == label:
                    return await person.tap_data(button["callback_data"], message["message_id"])
    raise AssertionError(f"no button {label!r} in {person.latest_text()!r}")


async def create_training(
    coordinator: TelegramPerson, *, audience: str = "Semua PSM", kecamatan: str = ""
) -> list[dict]:
    """/bimtek_baru: one day (8 Dec 2026, 08.00-12.00), check-in by code, answers by 7 Dec."""
    await coordinator.say("/bimtek_baru")
    await coordinator.say(TITLE)
    await coordinator.say("Aula Dinas Sosial")
    await coordinator.say("Jl. Siliwangi No. 88, Kuningan")
    await coordinator.say("Lewati")
    await coordinator.say("8-12-2026")
    await coordinator.say("08.00")
    await coordinator.say("12.00")
    await coordinator.tap("Tidak")
    await tap_exactly(coordinator, audience)
    if kecamatan:
        await coordinator.say(kecamatan)
    await coordinator.say("7-12-2026")
    await coordinator.say("60")
    await coordinator.say("15")
    await coordinator.tap("✅ Kirim")
    return await coordinator.tap("📨 Kirim undangan")


async def open_page(coordinator: TelegramPerson, title: str = TITLE) -> str:
    await coordinator.say("/bimtek")
    page = await coordinator.tap(title)
    return plain(page[0]["text"])


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def verify_phone(database: Path, user_id: int, phone: str) -> None:
    """As if the person had shared their own contact: the channel vouches for the phone.
    Call it before the bot starts (a write from the test would block the bot's event loop)."""
    with open_db(database) as db:
        db.execute(
            "UPDATE channel_identities SET phone = ?, phone_verified = 1 WHERE user_id = ?",
            (phone, user_id),
        )


async def send_file(
    fake: FakeTelegram, person: TelegramPerson, data: bytes, file_name: str, *, expect: int = 1
) -> list[dict[str, Any]]:
    """The person sends a document."""
    before = len(person.messages())
    mime = "text/csv" if file_name.endswith(".csv") else XLSX_MIME
    fake.user_document(person.user_id, data=data, file_name=file_name, mime_type=mime)
    return (await fake.wait_sent(person.user_id, before + expect))[before:]


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def invitation_of(fake: FakeTelegram, person: TelegramPerson) -> dict[str, Any]:
    """The invitation once it reached the person (it goes out after the creator's answer)."""
    await fake.wait_for(
        lambda: any("Undangan bimtek" in m.get("text", "") for m in person.messages()),
        what=f"the invitation to {person.user_id}",
    )
    return next(m for m in person.messages() if "Undangan bimtek" in m.get("text", ""))
