"""Chat as people type it, read plainly: "Sy gk bisa hadir bu" is "tidak bisa hadir".

Courtesy and pronouns around a message ("sy", "bu", "mohon maaf") are dropped and the short
spellings of chat read as the word they stand for ("gk", "tdk": tidak; "udh": sudah), so
the word lists that read typed words outside forms (typed RSVPs,
handlers/trainings/rsvp_words.py; everyday words, handlers/small_talk.py) hold each phrase
once. No imports of the handlers: any module may read it.
"""

from __future__ import annotations

import re

COURTESY = (
    "mohon maaf", "maaf", "mohon", "saya", "sy", "aku", "bu", "pak", "ibu", "bapak", "kak",
    "min", "admin",
)  # fmt: skip
_SHORT_FOR = {
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "tdk": "tidak", "tak": "tidak", "bs": "bisa",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "hdr": "hadir",
    "lap": "laporan", "lpr": "laporan", "trm": "terima", "ksh": "kasih", "kasi": "kasih",
}  # fmt: skip


def words(text: str) -> str:
    """The text's words, lower case, punctuation dropped, chat spellings read as words."""
    found = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    return " ".join(_SHORT_FOR.get(word, word) for word in found)


def without(text_words: str, dropped: tuple[str, ...]) -> str:
    """`text_words` (as `words` gives them) without the phrases `dropped`."""
    padded = f" {text_words} "
    for phrase in dropped:
        padded = padded.replace(f" {phrase} ", " ")
    return " ".join(padded.split())


def plain(text: str) -> str:
    """The text's words without courtesy ("mohon maaf bu tdk bisa": "tidak bisa")."""
    return without(without(words(text), COURTESY), COURTESY)  # "mohon maaf bu": both go
