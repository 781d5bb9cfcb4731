"""A typed option number over the real application on Telegram, which shows buttons and no
numbers: registering, "9" at the kecamatan picker (a page of 8 of Kuningan's kecamatan) is
its "Berikutnya" button, said so; "3" is the third button, "12" at the desa picker is no
button there (refused, the picker again), "1" its first. Before, a picker with pages
answered any number with "Nomor 3 tidak ada"."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.chat import TelegramPerson


def _options(message: dict[str, Any]) -> list[str]:
    """The option buttons of a question, in the order shown (row by row)."""
    return [
        button["text"]
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if re.search(r":o\d+$", button["callback_data"])
    ]


async def test_registration_on_telegram_takes_option_numbers(fake, start_bot) -> None:
    await start_bot()
    newcomer = TelegramPerson(fake, 881)
    await newcomer.say("/start")
    await newcomer.say("Rahmat Hidayat")
    await newcomer.say("081234567890", expect=2)  # the answer (closing the keyboard), the role
    (asked,) = await newcomer.tap("PSM")
    kecamatan = _options(asked)
    assert len(kecamatan) == 8, asked["text"]
    (next_page,) = await newcomer.say("9")  # the 9th button turns the page: said so
    told = "⚠️ Nomor 9 bukan pilihan: pilih salah satu nomor 1–8, atau tekan Berikutnya."
    assert next_page["text"].startswith(told), next_page["text"]
    (desa_asked,) = await newcomer.say("3")
    assert f"Kecamatan: {kecamatan[2]}" in desa_asked["text"], desa_asked["text"]
    desa = _options(desa_asked)
    (refused,) = await newcomer.say("12")
    assert refused["text"].startswith("⚠️ Nomor 12 tidak ada di daftar"), refused["text"]
    assert _options(refused) == desa
    (summary,) = await newcomer.say("1")
    assert f"Desa/Kelurahan: {desa[0]}" in summary["text"], summary["text"]
