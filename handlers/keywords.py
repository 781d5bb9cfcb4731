"""Commands typed as words: "batal", "Laporan saya", "menu".

WhatsApp has no slash commands, so its adapter reads these words (and "cari <words>"-style
ones with arguments) as commands (bot/channels/whatsapp/inbound.py). People on every
channel type them too: the router takes a message that is one such word alone, without
digits, as its command (`alone_keyword`), so "batal" typed on Telegram cancels rather than
being stored as an answer, and "menu" opens the menu.
"""

from __future__ import annotations

import re

KEYWORDS = {
    "lapor": "lapor", "laporan": "lapor", "draf": "draf", "draft": "draf",
    "laporansaya": "laporan_saya", "batal": "batal", "bantuan": "bantuan", "help": "bantuan",
    "menu": "menu", "saya": "saya", "profil": "saya", "bahasa": "bahasa", "mulai": "start",
    "start": "start", "daftar": "daftar", "halo": "start", "hai": "start",
    "antrian": "antrian", "siaran": "siaran", "pengingat": "pengingat", "ekspor": "ekspor",
    "jadwal": "jadwal", "bimtek": "bimtek", "bimtekbaru": "bimtek_baru",
    "bimtek_baru": "bimtek_baru", "nomor": "nomor", "gantinomor": "nomor",
    "pengguna": "pengguna", "templat": "templat", "template": "templat", "kontak": "kontak",
}  # fmt: skip
# Keywords followed by words to look for: "cari Ayu Lestari".
WITH_ARGUMENTS = {
    "cari": "cari", "statistik": "statistik", "hadir": "hadir", "audit": "audit",
    "pengguna": "pengguna",
}  # fmt: skip
FORM_ESCAPES = frozenset({"batal", "menu", "bantuan"})  # commands even inside a form
_ONE_WORD = re.compile(r"[A-Za-z_ ]{1,20}[.!?]*")  # letters and spaces: "Laporan saya!"


def alone_keyword(text: str) -> str | None:
    """The command a message standing for one keyword alone means ("Batal", "laporan
    saya!"), else None (a digit or anything more makes it an answer: "Saya 2")."""
    stripped = text.strip()
    if not _ONE_WORD.fullmatch(stripped):
        return None
    return KEYWORDS.get(re.sub(r"[^a-z_]", "", stripped.lower()))
