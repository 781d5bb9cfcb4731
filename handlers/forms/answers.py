"""Turning what a person sent into an answer for one question type.

Each parser returns an `Answer` or raises `Invalid` with a catalogue key; the engine then
says what was wrong and asks the same question again. This module holds those two, the
cleaning of typed text, typed yes and no, and the text, name and photo answers; beside it
the parsers of numbers (`answer_numbers.py`), of dates, times and ages (`answer_dates.py`),
of a location (`answer_location.py`) and of a NIK, KK or phone (`answer_identifiers.py`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from handlers.case_numbers import case_number, case_numbers_in
from handlers.events import Inbound, InboundKind
from handlers.forms.typed_words import greeting, without_name_lead_in
from handlers.masking import holds_nik_or_kk, mask_identifiers

YES_WORDS = frozenset({"ya", "iya", "y", "yes", "ok", "oke", "okay", "siap", "nggih", "muhun"})
# Chat spellings too ("gk", "engga", "ndak": QA walk 15, "gk" at "Yakin ingin membatalkan?").
NO_WORDS = frozenset(
    {
        "tidak", "tdk", "gak", "ga", "gk", "g", "nggak", "ngga", "enggak", "engga", "ndak",
        "nda", "kagak", "tak", "no", "n", "mboten", "henteu", "teu",
    }
)  # fmt: skip


def yes_or_no(text: str) -> str | None:
    """The answer "y" or "n" a typed yes or no ("iya", "gak") gives, else None."""
    word = normalise_word(text)
    return "y" if word in YES_WORDS else "n" if word in NO_WORDS else None


class Invalid(ValueError):
    """The input does not answer the question; `key` names the catalogue message."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Answer:
    """An accepted answer: the stored value and how to restate it (masked if personal)."""

    value: Any
    display: str
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # catalogue keys of doubts told with the answer, not refusals
    # An age typed in whole years ("2 tahun") is anything from 24 to 35 months: how many
    # months more than value["months"] the true age may be (not stored).
    age_slack: int = 0


LONG_TEXT = 200  # a limit from which a refused text is a paragraph, not a word
_ZERO_WIDTH_JOINER = "\u200d"  # glues emoji sequences such as 👩‍💻


def _keep(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":  # control characters: only the line break survives
        return ch == "\n"
    if category == "Cf":  # invisible formatting (e.g. bidi overrides), except the emoji joiner
        return ch == _ZERO_WIDTH_JOINER
    return category != "Cs"  # lone surrogates cannot be stored; newer emoji (Cn) are kept


def clean_text(text: str) -> str:
    """Drop control and invisible formatting characters, trim, normalise Unicode."""
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    return "".join(ch for ch in text if _keep(ch)).strip()


def _text_of(event: Inbound, need: str = "answer.need_text", **values: Any) -> str:
    """The typed text; anything else (a sticker, a photo, a shared location) is refused with
    `need`, the question's own "type ..." message (a number, a date, a location by the
    button), since "type text" tells nothing of what the question wants."""
    if event.kind not in (InboundKind.TEXT,) or event.text is None:
        raise Invalid(need, **values)
    return clean_text(event.text)


def parse_text(event: Inbound, *, max_length: int, name_or_address: bool = False) -> Answer:
    """Free text within a length limit, without a NIK/KK-like number, nor a report's number
    alone (or anywhere in a text that is a person's name or an address: `name_or_address`)."""
    text = _text_of(event)
    if not text:
        raise Invalid("answer.empty")
    if len(text) > max_length:
        # A long text is worth copying and shortening rather than typing again.
        key = "answer.too_long_text" if max_length >= LONG_TEXT else "answer.too_long"
        raise Invalid(key, limit=max_length, length=len(text))
    if holds_nik_or_kk(text):
        # "Siti 3208...": a full NIK or KK belongs in its own question (checked, searchable
        # only as a keyed hash, erasable), never in a name, an address or a note. The text
        # comes back masked to copy: a long broadcast or note is not typed again.
        raise Invalid("answer.identifier_in_text", text=mask_identifiers(text))
    _refuse_case_number(text, "text", within=name_or_address)
    return Answer(text, text)


def _refuse_case_number(typed: str, question: str, *, within: bool = False) -> None:
    """A report's number pasted alone ("KNG-2026-000103", from a group or the clipboard) is
    never a name, an address, a note, a NIK or a KK: refused naming what it is
    (`answer.case_number.<question>`). Within words ("tolong cek KNG-2026-000101 ya") it
    is refused too where `within` (a name, an address: no place to cite a report, so it was
    meant for something else), with how to open that report; in other texts (a reason, a
    description, a note: "KK sudah ada di laporan KNG-2026-000101") it stays part of the
    answer, which may cite an earlier report."""
    if (number := case_number(typed)) is not None:
        raise Invalid(f"answer.case_number.{question}", number=number)
    if within and (numbers := case_numbers_in(typed)):
        raise Invalid("answer.case_number.within", number=numbers[0])


def parse_person_name(event: Inbound, *, max_length: int) -> Answer:
    """A person's name, typed alone or in a sentence: the words before it ("nama saya",
    "Nama:", "saya") dropped (`typed_words.without_name_lead_in`), so "nama saya Dedi
    Sumarna" is the name "Dedi Sumarna"; a sentence without a name after them is refused,
    as is a greeting alone ("assalamualaikum": `typed_words.greeting`), greeted back.
    Checked as any text first (a NIK in it is refused whole)."""
    typed = parse_text(event, max_length=max_length, name_or_address=True).value
    if (kind := greeting(typed)) is not None:  # "assalamualaikum": greeted back, asked again
        raise Invalid(f"answer.greeting_not_name.{kind}")
    name = without_name_lead_in(typed)
    if not name:
        raise Invalid("answer.name_missing")
    return Answer(name, name)


def parse_image(event: Inbound) -> Answer:
    """A photo; the reference is the channel's file id, fetched by the media feature."""
    if event.kind != InboundKind.PHOTO or not event.photo_ref:
        raise Invalid("answer.need_photo")
    return Answer({"channel": event.channel, "ref": event.photo_ref}, "📷")


def normalise_word(text: str) -> str:
    """Lower case, no surrounding punctuation or spaces: for matching typed choices."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())
