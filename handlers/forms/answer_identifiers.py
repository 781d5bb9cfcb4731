"""Identifier answers: a NIK, a KK number (restated masked), the missing-number buttons
typed in words, and a phone number (verified when the channel vouches it is the sender's).

Each parser returns an `Answer` or raises `Invalid` (handlers/forms/answers.py).
"""

from __future__ import annotations

import re
from datetime import date

from handlers.events import Inbound, InboundKind
from handlers.forms.answers import Answer, Invalid, _refuse_case_number, _text_of, clean_text
from handlers.forms.typed_words import missing_identifier
from handlers.identifiers import IdentifierError, parse_kk, parse_nik, parse_phone
from storage.identifiers import mask_identifier


def parse_nik_answer(event: Inbound, *, today: date) -> Answer:
    """A NIK; the restated value is masked."""
    typed = _text_of(event, "answer.need_nik")
    _refuse_case_number(typed, "nik")
    try:
        nik = parse_nik(typed, today=today)
    except IdentifierError as exc:
        raise Invalid(exc.key) from exc
    extra = {"sex": nik.sex, "birth_date": nik.birth_date.isoformat(), "region": nik.region_code}
    return Answer(nik.digits, mask_identifier(nik.digits), extra)


def parse_kk_answer(event: Inbound, *, today: date) -> Answer:
    """A Kartu Keluarga number; the restated value is masked."""
    typed = _text_of(event, "answer.need_kk")
    _refuse_case_number(typed, "kk")
    try:
        kk = parse_kk(typed, today=today)
    except IdentifierError as exc:
        raise Invalid(exc.key) from exc
    return Answer(kk.digits, mask_identifier(kk.digits), {"region": kk.region_code})


def typed_missing(event: Inbound) -> str | None:
    """The missing-number button ("tidak_punya", "tidak_tahu") typed words stand for at a NIK
    or KK question ("tidak ada", "belum punya KK"), else None."""
    if event.kind != InboundKind.TEXT or not event.text:
        return None
    return missing_identifier(clean_text(event.text))


def parse_phone_answer(event: Inbound) -> Answer:
    """A phone number, verified only when the channel vouches it is the sender's own: a
    contact shared as the sender's, or a number typed that is the one the message came from
    (WhatsApp's `sender_phone`: "0857-1234-5678" typed from +6285712345678). A number typed
    in a sentence ("ini no sy 0812-3450-0001") is that number (`phone_in_sentence`)."""
    if event.kind == InboundKind.CONTACT and event.contact_phone:
        raw, verified = event.contact_phone, event.contact_is_sender
    else:
        raw, verified = _text_of(event, "answer.need_phone"), False
    try:
        phone = parse_phone(raw)
    except IdentifierError as exc:
        if (found := phone_in_sentence(raw)) is None:
            raise Invalid(exc.key) from exc
        phone = found
    verified = verified or phone == _sender_phone(event)
    return Answer({"e164": phone, "verified": verified}, phone)


def _sender_phone(event: Inbound) -> str | None:
    """The number the channel says the message came from, as `parse_phone` writes it; None
    when it gives none (Telegram) or it is no Indonesian mobile number."""
    if not event.sender_phone:
        return None
    try:
        return parse_phone(event.sender_phone)
    except IdentifierError:
        return None


# A phone number written amid words: 08.., 628.., +62 8.., digits grouped by spaces, dots,
# dashes or brackets ("0812-3450-0001", "+62 812 3450 0001"), between non-digits.
_PHONE_IN_WORDS = re.compile(r"(?<![\d+])(?:\+?62|0)[\s.\-()]*8(?:[\s.\-()]*\d){7,12}(?!\d)")


def phone_in_sentence(text: str) -> str | None:
    """The one mobile number written in a sentence ("ini no sy 0812-3450-0001", "HP saya
    +62 812 3450 0001 pak"), as `parse_phone` writes it; None when there is none, or two
    different ones (which is meant is not guessed)."""
    found: set[str] = set()
    for candidate in _PHONE_IN_WORDS.findall(text):
        try:
            found.add(parse_phone(candidate))
        except IdentifierError:
            continue
    return found.pop() if len(found) == 1 else None
