"""The words of an RSVP typed instead of tapped ("akan hadir", "tidak bisa hadir"), and the
words that may mean yes to an invitation ("ya", "siap", "hadir"), read by the typed commands
(handlers/keywords.py: "hadir nanti" is no check-in's code) and answered by
handlers/trainings/typed_rsvp.py. A module of its own, importing only handlers/chat_words.py
(how typed chat is read), so both may read it.
"""

from __future__ import annotations

import re

from handlers.chat_words import plain, without, words

# The phrases, as words (lower case, punctuation dropped), with the RSVP button they stand for.
_PHRASES = {
    "a": (
        "akan hadir", "hadir nanti", "saya akan hadir", "insya allah hadir", "insyaallah hadir",
        "bisa hadir", "saya bisa hadir", "siap hadir", "insya allah akan hadir",
    ),
    "b": (
        "berhalangan", "saya berhalangan", "berhalangan hadir", "tidak bisa hadir",
        "saya tidak bisa hadir", "tidak hadir", "tidak bisa datang", "gak bisa hadir",
        "nggak bisa hadir", "ga bisa hadir", "tidak dapat hadir", "mohon maaf tidak bisa hadir",
        "maaf tidak bisa hadir", "maaf berhalangan", "mohon maaf berhalangan",
    ),
}  # fmt: skip
_BY_PHRASE = {phrase: choice for choice, phrases in _PHRASES.items() for phrase in phrases}
# Words that may be a yes to an invitation but may as well answer something else, or be the
# check-in ("hadir"): asked back ("akan hadir di ...?"), never recorded as they come. A
# plain yes ("ya", "iya", "siap", "nggih") is the forms' YES_WORDS, read by typed_rsvp.py.
_MAYBE_YES = frozenset({
    "iya bu", "ya bu", "iya pak", "ya pak", "siap bu", "siap pak", "insya allah",
    "insyaallah", "insha allah", "in sya allah", "bisa", "saya bisa", "hadir", "saya hadir",
})  # fmt: skip


# "insya allah" goes last: "insya allah hadir" is a yes as it stands, "hadir" alone is not.
_BLESSING = ("in sya allah", "insya allah", "insha allah", "insyaallah", "inshaallah", "insyallah")
# What follows a comma or "karena" is the reason, not the answer: "gk bisa hadir, anak sakit".
_REASON_AFTER = re.compile(r",|\b(?:karena|krn|soalnya|sebab)\b", re.IGNORECASE)
# Where the person says they are at the venue: the check-in, as "hadir" typed alone there.
_HERE = frozenset({
    "hadir", "sudah hadir", "sudah di lokasi", "di lokasi", "sudah sampai",
    "sudah sampai lokasi", "sudah sampai di lokasi", "sudah datang", "sudah di tempat",
})  # fmt: skip


def _heads(text: str) -> list[str]:
    """The text before each comma or "karena" in it, shortest first ("Maaf bu, sy gk bisa
    hadir, anak sakit": "Maaf bu", then "Maaf bu, sy gk bisa hadir")."""
    return [text[: found.start()] for found in _REASON_AFTER.finditer(text)]


def _read(part: str) -> list[str]:
    """A part of the text as words, then without courtesy, then without "insya allah" too
    ("insya allah hadir" is a yes as it stands, "hadir" alone is asked back)."""
    courteous = plain(part)
    return [words(part), courteous, without(courteous, _BLESSING)]


def _readings(text: str) -> list[str]:
    """The text's readings (`_read`), then the same for its answer part alone, before a
    comma or "karena" ("Siap, Bu" is whole, "gk bisa, anak sakit" a no and its reason)."""
    found = _read(text)
    for head in _heads(text):
        found += _read(head)
    return found


def rsvp_words(text: str) -> str | None:
    """The RSVP button the text's words stand for, even asked as a question ("sy bisa
    hadir?" is "a" here): the typed commands leave such words alone (no check-in's code)."""
    for reading in _readings(text):
        if reading in _BY_PHRASE:
            return _BY_PHRASE[reading]
    return None


def _asked(text: str) -> bool:
    """Whether the text is a question ("Sy bisa hadir?"): no answer to record as it comes."""
    return "?" in text


def rsvp_phrase(text: str) -> str | None:
    """The RSVP button ("a": akan hadir, "b": berhalangan) a typed text stands for, else None
    ("sy gk bisa hadir bu, anak sakit" is "b", its reason read by `typed_reason`). A yes
    asked as a question ("Sy bisa hadir?") is None: `maybe_yes` has it asked back."""
    choice = rsvp_words(text)
    return None if choice == "a" and _asked(text) else choice


def typed_reason(text: str) -> str:
    """What follows the answer's comma or "karena" ("gk bisa hadir, anak sakit": "anak
    sakit"), the reason for a no; '' when none. Only after the answer itself: in "Maaf bu,
    sy tidak bisa hadir" the comma follows courtesy, and no reason is typed (it is asked)."""
    for found in _REASON_AFTER.finditer(text):
        if any(reading in _BY_PHRASE for reading in _read(text[: found.start()])):
            reason = text[found.end() :].strip(" ,.")
            return reason if plain(reason) else ""  # "tidak bisa hadir, Bu": none typed
    return ""


def maybe_yes(text: str) -> bool:
    """Whether a typed text, other than a plain yes, may be a yes to an invitation, to be
    asked back ("insya allah", "bisa", "saya bisa bu", "sy bisa hadir?")."""
    if _asked(text) and rsvp_words(text) == "a":
        return True
    return any(reading in _MAYBE_YES for reading in _readings(text))


def says_here(text: str) -> bool:
    """Whether a typed text says the person is at the venue ("sy hadir", "udh di lokasi"),
    read as "hadir" typed alone: the check-in on a training day, else a yes asked back."""
    return plain(text) in _HERE  # the whole text: "hadir, 123456" has its code
