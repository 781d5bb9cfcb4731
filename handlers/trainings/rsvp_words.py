"""The words of an RSVP typed instead of tapped ("akan hadir", "tidak bisa hadir"), and the
words that may mean yes to an invitation ("ya", "siap", "hadir"), read by the typed commands
(handlers/keywords.py: "hadir nanti" is no check-in's code) and answered by
handlers/trainings/typed_rsvp.py. A module of its own, without imports, so both may read it.
"""

from __future__ import annotations

import re

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


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def rsvp_phrase(text: str) -> str | None:
    """The RSVP button ("a": akan hadir, "b": berhalangan) a typed text stands for, else None."""
    return _BY_PHRASE.get(_words(text))


def maybe_yes(text: str) -> bool:
    """Whether a typed text, other than a plain yes, may be a yes to an invitation, to be
    asked back ("insya allah", "bisa", "hadir")."""
    return _words(text) in _MAYBE_YES
