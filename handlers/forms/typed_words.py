"""Words typed for an answer instead of a number or a button: "lima orang" for a count,
"tidak ada" at a NIK or KK question that has a "Tidak punya" button. The lists are data
(`typed_words.yaml` beside this file), read once and checked at import: a mistake names
the file and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from handlers.yaml_files import read_yaml

WORDS_FILE = Path(__file__).with_name("typed_words.yaml")
_NOT_A_LETTER_OR_DIGIT = re.compile(r"[^\w]+")


class TypedWords(BaseModel):
    """The word lists of `typed_words.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number_words: dict[str, int] = Field(min_length=1)
    tens_word: str = Field(min_length=1)
    about_words: list[str]
    range_words: list[str] = Field(min_length=1)
    count_units: frozenset[str]
    # By the button each stands for (handlers/forms/view.py MISSING_CHOICES).
    missing_identifier: dict[Literal["tidak_punya", "tidak_tahu"], list[str]]
    identifier_words: frozenset[str]
    name_lead_ins: list[str] = Field(min_length=1)
    photos_done: frozenset[str] = Field(min_length=1)
    greetings: dict[Literal["salam", "other"], frozenset[str]]
    greeted: frozenset[str]
    age_lead_ins: list[str] = Field(min_length=1)
    location_cannot: frozenset[str] = Field(min_length=1)
    location_words: frozenset[str]


def _words(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed: "Tidak ada." -> "tidak ada"."""
    return " ".join(_NOT_A_LETTER_OR_DIGIT.sub(" ", text.casefold()).split())


def load_typed_words(path: Path = WORDS_FILE) -> TypedWords:
    """The word lists of a file; a mistake raises ValueError naming the file and the field."""
    try:
        return TypedWords.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


TYPED_WORDS = load_typed_words()  # read at start-up: a mistake stops it, named
# Each greeting as `greeting` compares it (words kept, spaces dropped), with its kind.
_GREETING_KINDS: dict[str, Literal["salam", "other"]] = {
    _words(phrase).replace(" ", ""): kind
    for kind, phrases in TYPED_WORDS.greetings.items()
    for phrase in phrases
}


def count_in_words(text: str) -> str:
    """A count as digits when typed in words ("lima" -> "5", "dua puluh" -> "20", "empat
    puluh lima" -> "45"; its unit dropped before: `answers.without_unit`); anything else
    comes back as typed."""
    spoken = " ".join(text.casefold().split()).rstrip(".!")
    words = TYPED_WORDS.number_words
    if spoken in words:
        return str(words[spoken])
    tens = re.fullmatch(rf"(\w+?)\s*{re.escape(TYPED_WORDS.tens_word)}(?:\s+(\w+))?", spoken)
    if tens is None:
        return spoken
    ten, unit = words.get(tens.group(1), 0), words.get(tens.group(2) or "", 0)
    if not 2 <= ten <= 9 or (tens.group(2) and not 1 <= unit <= 9):
        return spoken  # "sebelas puluh", "dua puluh sebelas": no number
    return str(ten * 10 + unit)


def without_about(text: str) -> str:
    """A count without the word before it saying it is about that many ("sekitar 5" -> "5",
    "kurang lebih lima" -> "lima"); any other text as it is."""
    words = "|".join(re.escape(w) for w in sorted(TYPED_WORDS.about_words, key=len, reverse=True))
    # A word of its own: "kl 5", "±5", "sekitar5", never the start of "kldua".
    return re.sub(rf"^\s*(?:{words})(?:[.\s]+|(?=\d))(?=\S)", "", text, flags=re.IGNORECASE)


def count_range(text: str) -> tuple[str, str] | None:
    """The two counts of a range typed for one ("5-6", "lima sampai enam"), as typed; None
    for anything else."""
    words = "|".join(re.escape(w) for w in sorted(TYPED_WORDS.range_words, key=len, reverse=True))
    found = re.fullmatch(rf"\s*(\S.*?)\s*(?:{words})\s*(\S.*?)\s*", text, re.IGNORECASE)
    if found is None:
        return None
    low, high = (count_in_words(found.group(i)) for i in (1, 2))
    return (low, high) if low.isdigit() and high.isdigit() else None


def missing_identifier(text: str) -> str | None:
    """The missing-number button ("tidak_punya", "tidak_tahu") a typed text stands for
    ("tidak ada", "belum punya KK", "gak tau"), else None."""
    kept = " ".join(w for w in _words(text).split() if w not in TYPED_WORDS.identifier_words)
    for name, phrases in TYPED_WORDS.missing_identifier.items():
        if kept in phrases:
            return name
    return None


def _lead_in_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One of `phrases` at the start of a text, as whole words (any spaces between them),
    with the separators after it: the longest phrase first ("nama saya" before "nama")."""
    spelled = sorted(phrases, key=len, reverse=True)
    either = "|".join(r"\s+".join(re.escape(word) for word in p.split()) for p in spelled)
    return re.compile(rf"^\s*(?:{either})(?:[\s:;,=.\-–—]+|$)", re.IGNORECASE)


_NAME_LEAD_IN = _lead_in_pattern(TYPED_WORDS.name_lead_ins)
_AGE_LEAD_IN = _lead_in_pattern(TYPED_WORDS.age_lead_ins)


def without_age_lead_in(text: str) -> str:
    """An age without the words before it saying it is one or about that much ("umur 5
    thn", "usia 60", "kira2 60" -> "5 thn", "60", "60"); any other text as it is."""
    while (lead := _AGE_LEAD_IN.match(text)) is not None:
        text = text[lead.end() :]
    return without_about(text).strip()


def without_name_lead_in(text: str) -> str:
    """A name typed in a sentence without the words before it ("nama saya Dedi Sumarna",
    "Nama: Dedi", "saya Ibu Sari" -> "Dedi Sumarna", "Dedi", "Ibu Sari"), one lead-in after
    another ("nama saya adalah Dedi"); "" when the text is lead-ins only ("nama saya");
    any other text as it is."""
    while (lead := _NAME_LEAD_IN.match(text)) is not None:
        text = text[lead.end() :]
    return text.strip()


def photos_done(text: str, label: str) -> bool:
    """Whether a text typed at a photo question stands for its done button: a word of
    `photos_done` ("selesai", "sudah") or the button's own `label` ("✔️ Selesai foto")."""
    typed = _words(text)
    return typed in TYPED_WORDS.photos_done or typed == _words(label)


def greeting(text: str) -> Literal["salam", "other"] | None:
    """The kind of greeting a text is when it is nothing else ("Assalamualaikum, bu" is a
    "salam", "Selamat pagi" an "other"), else None."""
    words = _words(text).split()
    while len(words) > 1 and words[-1] in TYPED_WORDS.greeted:  # "halo bu"
        words.pop()
    typed = "".join(words)  # "assalamu alaikum", "selamatpagi": spaces are typed either way
    return _GREETING_KINDS.get(typed)


def location_cannot(text: str) -> bool:
    """Whether a text typed at a location question says it cannot be sent ("gk bisa",
    "tidak ada sinyal", "maaf bu gk bisa kirim lokasi"): then it stands for "Lewati"."""
    kept = [w for w in _words(text).split() if w not in TYPED_WORDS.location_words]
    return " ".join(kept) in TYPED_WORDS.location_cannot
