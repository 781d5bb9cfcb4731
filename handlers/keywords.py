"""Commands typed as words: "batal", "Laporan saya", "cari Ayu Lestari", "hadir 389 262".

WhatsApp has no slash commands, and people on every channel type words rather than commands.
The router reads a text message as the command it stands for (`typed_command`), with one rule
for every channel: outside a form any command word counts; inside one the words that leave,
explain or reopen it ("batal", "menu", "daftar") and a check-in with its code always
(`in_form`), a training's join code when it is one, never another word the person may not
use (`command_menu.may_use`: a PSM's "statistik" is their answer), a command's name as the
help prints it ("laporan_saya") wherever they may, and any other command word only where it
does not read as the answer to the question on screen (the router asks the form engine), so
"jadwal" at the KK question is a side trip while "Bimtek" as a training's title or "Pengguna
narkoba" as a problem stay the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.events import Inbound, InboundKind
from handlers.trainings.rsvp_words import rsvp_words, says_here

# Every command's own name is one of them: the help shows "/laporan_saya" on WhatsApp as
# "*laporan_saya*", to be typed as shown (tests/handlers/test_typed_keywords.py walks it).
KEYWORDS = {
    "lapor": "lapor", "laporan": "lapor", "draf": "draf", "draft": "draf",
    "laporansaya": "laporan_saya", "laporan_saya": "laporan_saya", "batal": "batal",
    "bantuan": "bantuan", "help": "bantuan",
    "menu": "menu", "saya": "saya", "profil": "saya", "bahasa": "bahasa", "mulai": "start",
    "start": "start", "daftar": "daftar", "halo": "start", "hai": "start",
    "antrian": "antrian", "siaran": "siaran", "pengingat": "pengingat", "ekspor": "ekspor",
    "jadwal": "jadwal", "bimtek": "bimtek", "bimtekbaru": "bimtek_baru",
    "bimtek_baru": "bimtek_baru", "nomor": "nomor", "gantinomor": "nomor",
    "pengguna": "pengguna", "templat": "templat", "template": "templat", "kontak": "kontak",
    "privasi": "privasi", "privacy": "privasi",
    # What people ask for their reports' state (QA walk 15): /laporan_saya.
    "statuslaporan": "laporan_saya", "statuslaporansaya": "laporan_saya",
    "ceklaporan": "laporan_saya", "ceklaporansaya": "laporan_saya",
    "cekstatuslaporan": "laporan_saya", "lihatlaporansaya": "laporan_saya",
}  # fmt: skip
# Keywords followed by words to look for: "cari Ayu Lestari".
WITH_ARGUMENTS = {
    "cari": "cari", "statistik": "statistik", "hadir": "hadir", "audit": "audit",
    "pengguna": "pengguna",
}  # fmt: skip
# Words that are commands even where they read as the answer to a form's question, as typed
# (not their other spellings: "Halo", "Laporan" or "Hadir" may be answers): those that leave
# or explain a form, and those that reopen one, which reminders tell people to type ("Ketik
# daftar untuk melanjutkan").
FORM_ESCAPES = frozenset({"batal", "menu", "bantuan", "start", "daftar", "lapor", "draf"})
_ONE_WORD = re.compile(r"[A-Za-z_ ]{1,20}[.!?]*")  # letters and spaces: "Laporan saya!"
_CHECK_IN = re.compile(r"hadir\s+([\d\s.\-]{6,9})", re.IGNORECASE)  # "hadir 389 262"
# A Bimtek invitation's WhatsApp link sends "bimtek K7Q2XM4PRA" (handlers/trainings/links.py);
# inside a form the router takes it only for a training's code ("BIMTEK PENYULUHAN" is a title).
_JOIN = re.compile(r"bimtek\s+([A-Za-z0-9]{8,16})", re.IGNORECASE)


@dataclass(frozen=True)
class TypedCommand:
    command: str
    args: str = ""
    in_form: bool = False  # a command even where it reads as the answer to a form's question
    printed: bool = False  # as the help prints it ("laporan_saya"): a command where one may use it
    join: bool = False  # "bimtek <code>": inside a form, a command only for a real code


def _key(word: str) -> str:
    return re.sub(r"[^a-z_]", "", word.lower())


def alone_keyword(text: str) -> str | None:
    """The command a message standing for one keyword alone means ("Batal", "laporan
    saya!", "cari"), else None (a digit or anything more makes it an answer: "Saya 2")."""
    stripped = text.strip()
    if not _ONE_WORD.fullmatch(stripped):
        return None
    key = _key(stripped)
    return KEYWORDS.get(key) or WITH_ARGUMENTS.get(key)


def typed_command(text: str) -> TypedCommand | None:
    """The command a typed text stands for, else None (it is an answer or a question)."""
    stripped = text.strip()
    if rsvp_words(stripped) is not None:  # "hadir nanti" is an RSVP, not a check-in's code
        return None
    if (word := alone_keyword(stripped)) is not None:
        # A command's name as the help prints it on WhatsApp ("laporan_saya"): no answer is
        # written with "_", so it is the command at a free-text question too, as elsewhere.
        escape = _key(stripped) in FORM_ESCAPES
        return TypedCommand(word, in_form=escape, printed="_" in stripped and not escape)
    if says_here(stripped):  # "sy hadir", "udh di lokasi": as "hadir" typed alone
        return TypedCommand("hadir")
    if check_in := _CHECK_IN.fullmatch(stripped):
        return TypedCommand("hadir", check_in[1].strip(), in_form=True)
    if join := _JOIN.fullmatch(stripped):
        return TypedCommand("bimtek", join[1], join=True)
    head, _, rest = stripped.partition(" ")
    command = WITH_ARGUMENTS.get(_key(head))
    return TypedCommand(command, rest.strip()) if command and rest.strip() else None


def as_command(event: Inbound, typed: TypedCommand) -> Inbound:
    """The typed event as the command it stands for, as the router handles it."""
    update = {"kind": InboundKind.COMMAND, "command": typed.command, "command_args": typed.args}
    return event.model_copy(update=update)
