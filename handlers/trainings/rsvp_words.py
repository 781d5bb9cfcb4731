"""The words of an RSVP typed instead of tapped ("akan hadir", "tidak bisa hadir"), read by
the typed commands (handlers/keywords.py: "hadir nanti" is no check-in's code) and answered by
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


def rsvp_phrase(text: str) -> str | None:
    """The RSVP button ("a": akan hadir, "b": berhalangan) a typed text stands for, else None."""
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    return _BY_PHRASE.get(" ".join(words))
