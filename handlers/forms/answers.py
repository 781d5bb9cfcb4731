"""Turning what a person sent into an answer for one question type.

Each parser returns an `Answer` or raises `Invalid` with a catalogue key; the engine then
says what was wrong and asks the same question again.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.numbers import format_decimal

from handlers.case_numbers import case_number, case_numbers_in
from handlers.events import Inbound, InboundKind
from handlers.forms.dates import DateNotRead, When, examples, parse_date_text, read_date
from handlers.forms.typed_words import (
    TYPED_WORDS,
    count_in_words,
    count_range,
    missing_identifier,
    without_about,
    without_name_lead_in,
)
from handlers.identifiers import IdentifierError, parse_kk, parse_nik, parse_phone
from handlers.masking import holds_nik_or_kk, mask_identifiers
from storage.identifiers import mask_identifier

YES_WORDS = frozenset({"ya", "iya", "y", "yes", "ok", "oke", "okay", "siap", "nggih", "muhun"})
NO_WORDS = frozenset(
    {"tidak", "tdk", "gak", "ga", "nggak", "enggak", "no", "n", "mboten", "henteu", "teu"}
)


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


class TwoDates(Invalid):
    """A typed word that means one of two dates ("senin depan" on a Sunday): the question
    asks which, one button for each of `readings`."""

    def __init__(self, readings: tuple[date, ...], **values: Any) -> None:
        super().__init__("answer.date_two_readings", **values)
        self.readings = readings


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
    Sumarna" is the name "Dedi Sumarna"; a sentence without a name after them is refused.
    Checked as any text first (a NIK in it is refused whole)."""
    name = without_name_lead_in(
        parse_text(event, max_length=max_length, name_or_address=True).value
    )
    if not name:
        raise Invalid("answer.name_missing")
    return Answer(name, name)


def without_unit(text: str, units: Iterable[str]) -> str:
    """A typed number with a unit after it, the unit dropped ("45 menit" -> "45", "lima
    orang" -> "lima"), so it is read as the number alone; any other text is left as it is."""
    words = "|".join(re.escape(unit.strip()) for unit in units if unit.strip())
    if not words:
        return text
    unit = rf"(?:(?<=\d)\s*|(?<=\S)\s+)(?:{words})\.?\s*$"
    return re.sub(unit, "", text.strip(), flags=re.IGNORECASE)


def parse_integer(event: Inbound, units: Iterable[str] = ()) -> Answer:
    """A whole number, "1.234" style thousands allowed; a count in words, with the question's
    `units` or a count's unit after it, "about" before it ("lima", "5 orang", "dua belas
    jiwa", "45 menit", "sekitar 5": handlers/forms/typed_words.yaml). A range ("5-6") is
    refused with its own message: one number is asked for."""
    typed = _text_of(event, "answer.need_integer")
    typed = without_about(without_unit(typed, [*units, *TYPED_WORDS.count_units]))
    if (both := count_range(typed)) is not None:  # "5-6 orang": one count is asked for
        raise Invalid("typed_count.range", low=both[0], high=both[1])
    text = count_in_words(typed).replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?\d{1,12}", text):
        raise Invalid("answer.need_integer")
    value = int(text)
    return Answer(value, str(value))


def parse_decimal(event: Inbound, units: Iterable[str] = ()) -> Answer:
    """A number with a decimal comma or point, the question's `units` after it allowed."""
    text = without_unit(_text_of(event, "answer.need_decimal"), units).replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,9}([.,]\d{1,6})?", text) is None:
        raise Invalid("answer.need_decimal")
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise Invalid("answer.need_decimal")
    return Answer(value, display_decimal(value))


def display_decimal(value: float) -> str:
    """Indonesian notation, never scientific: 1.234.567,5."""
    return format_decimal(value, locale="id", decimal_quantization=False)


def parse_date(event: Inbound, *, today: date, when: When = "past") -> Answer:
    """A calendar date that exists and, by `when`, is not in the future ("past", the
    default), not before today ("future") or either ("any"). Besides full dates it takes a
    day and month without the year and words such as "besok" or "senin depan", read in that
    direction (handlers/forms/dates.py); a refusal's examples are dates the question takes."""
    need = f"answer.need_date_when.{when}"
    typed = _text_of(event, need, **examples(today, when))
    try:
        value = read_date(typed, today=today, when=when)
    except DateNotRead as unread:
        if unread.key == "need_date":
            raise Invalid(need, **examples(today, when)) from unread
        if unread.readings:
            raise TwoDates(unread.readings, **unread.values) from unread
        raise Invalid(f"answer.{unread.key}", **unread.values) from unread
    if when == "past" and value > today:
        raise Invalid("answer.date_future")
    if when == "future" and value < today:
        raise Invalid("answer.date_past")
    return Answer(value.isoformat(), value.strftime("%d-%m-%Y"))


# A time of day as people write it: "08.00", "8:30", "0830", "jam 8 pagi", "3 sore",
# "setengah 9" (half past eight), "16.00 WIB".
_TIME = re.compile(
    r"(?:jam|pukul|pk\.?)?\s*(setengah\s+)?(\d{1,2})(?:\s*[.:]\s*(\d{2})|(\d{2}))?"
    r"\s*(pagi|siang|sore|petang|malam)?\s*(?:wib|wita|wit)?"
)
# The hours (1-12 as said) each part of the day turns into on the 24-hour clock.
_DAY_PART_HOURS = {
    "pagi": {hour: hour % 12 for hour in range(1, 13)},  # "jam 12 pagi" is midnight
    "siang": {10: 10, 11: 11, 12: 12, **{hour: hour + 12 for hour in range(1, 4)}},
    "sore": {hour: hour + 12 for hour in range(2, 8)},
    "petang": {hour: hour + 12 for hour in range(5, 8)},
    "malam": {**{hour: hour + 12 for hour in range(6, 12)}, 12: 0, 1: 1, 2: 2, 3: 3},
}


def parse_time_text(text: str) -> tuple[int, int]:
    """(hour, minute) of a typed time of day; "setengah 9" is 8.30, as said in Indonesian."""
    match = _TIME.fullmatch(text.strip().rstrip(".!?").strip().lower())  # "8 pagi."
    if match is None:
        raise Invalid("answer.need_time")
    half, hour, minute, part = match[1], int(match[2]), match[3] or match[4], match[5]
    if half and (minute or hour == 0):  # "setengah 8.30", "setengah 0"
        raise Invalid("answer.time_impossible")
    if part is not None:
        hours = _DAY_PART_HOURS[part]
        if hour in hours:
            hour = hours[hour]
        elif hours.get(hour - 12) != hour:  # "15.00 sore" says it twice; "15 pagi" cannot be
            raise Invalid("answer.time_impossible")
    if hour > 23 or (minute and int(minute) > 59):
        raise Invalid("answer.time_impossible")
    if half:
        return (hour - 1) % 24, 30
    return hour, int(minute) if minute else 0


def parse_time(event: Inbound) -> Answer:
    """A time of day, stored as "HH:MM" (it sorts and compares as text), shown "HH.MM"."""
    hour, minute = parse_time_text(_text_of(event, "answer.need_time"))
    return Answer(f"{hour:02d}:{minute:02d}", f"{hour:02d}.{minute:02d}")


_AGE_PART = re.compile(
    r"(\d{1,3})\s*(tahun|thn|th|th\.|t|years?|yrs?|y|bulan|bln|bl|b|months?|mo|m)(?![a-z])\.?"
)
_YEAR_WORDS = ("tahun", "thn", "th", "th.", "t", "year", "years", "yr", "yrs", "y")


def months_between(born: date, today: date) -> int:
    """Whole months from a birth date to today."""
    months = (today.year - born.year) * 12 + today.month - born.month
    return months - 1 if today.day < born.day else months


def parse_age(event: Inbound, *, today: date) -> Answer:
    """A birth date, or an age: "5", "5 tahun", "18 bulan", "2 th 3 bln"."""
    text = _text_of(event, "answer.need_age").lower().replace(",", " ")
    if re.search(r"\d{1,4}[-/. ]\d{1,2}[-/. ]\d{2,4}|[a-z]{3,}\s+\d{4}", text):
        try:
            born = parse_date_text(text)
        except DateNotRead as unread:
            raise Invalid(f"answer.{unread.key}") from unread
        if born > today:
            raise Invalid("answer.date_future")
        months = months_between(born, today)
        if months > 130 * 12:
            raise Invalid("answer.date_impossible")
        value = {"birth_date": born.isoformat(), "months": months}
        return Answer(value, f"{born:%d-%m-%Y} ({_spoken_age(months)})")
    if re.fullmatch(r"\d{1,3}", text.strip()):
        months, in_years = int(text) * 12, True
    else:
        parts = _AGE_PART.findall(text)
        leftover = _AGE_PART.sub("", text).strip(" dan&+")
        if not parts or leftover:
            raise Invalid("answer.need_age")
        months = sum(int(n) * (12 if unit in _YEAR_WORDS else 1) for n, unit in parts)
        in_years = all(unit in _YEAR_WORDS for _, unit in parts)
    if months > 130 * 12:
        raise Invalid("answer.need_age")
    value = {"birth_date": None, "months": months}
    return Answer(value, _spoken_age(months), age_slack=11 if in_years else 0)


def age_fits(born: date, months: int, slack: int, *, today: date) -> bool:
    """Whether someone born on `born` is `months` old today, or up to `slack` months older
    (an age in whole years). A NIK's two-digit year may be a century earlier than it was read
    when the typed age says so (shared domain.md section 3)."""
    for century in (0, 100):
        try:
            day = born.replace(year=born.year - century)
        except ValueError:  # 29 February in a year that has none
            day = born.replace(year=born.year - century, day=28)
        if months <= months_between(day, today) <= months + slack:
            return True
    return False


def _spoken_age(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years} th {rest} bln"


# Indonesia's extent ("letak astronomis" of school geography and of the Indonesian embassies'
# country pages): 6°08' N to 11°15' S, 94°45' E to 141°05' E. The box adds about 0.3-0.4° for
# outlying islets and GPS error. Being a box, it also holds Singapore, Brunei, Timor-Leste and
# parts of Malaysia; what it keeps out is a position on another continent or at sea far away:
# a GPS fix not yet locked (0, 0, or the last place the phone knew) or a mistyped pair.
INDONESIA_LATITUDE = (-11.5, 6.5)
INDONESIA_LONGITUDE = (94.5, 141.5)


def in_indonesia(lat: float, lon: float) -> bool:
    """Whether a position lies within Indonesia's bounding box (with its margin)."""
    return (
        INDONESIA_LATITUDE[0] <= lat <= INDONESIA_LATITUDE[1]
        and INDONESIA_LONGITUDE[0] <= lon <= INDONESIA_LONGITUDE[1]
    )


def parse_geopoint(event: Inbound) -> Answer:
    """A shared location, or "lat, lon" typed in decimal degrees, within Indonesia.

    Typed the other way round ("108.48, -6.97": no latitude exceeds 90, so it cannot be
    meant as one) the pair is taken swapped, with a warning saying so."""
    warnings: tuple[str, ...] = ()
    if event.kind == InboundKind.LOCATION and event.latitude is not None:
        lat, lon = event.latitude, event.longitude
    else:
        match = re.fullmatch(
            r"\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*",
            _text_of(event, "answer.need_location"),
        )
        if not match:
            raise Invalid("answer.need_location")
        lat, lon = float(match[1]), float(match[2])
        if not in_indonesia(lat, lon) and in_indonesia(lon, lat):
            lat, lon = lon, lat
            warnings = ("answer.location_swapped",)
    if lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("answer.location_out_of_range")
    if not in_indonesia(lat, lon):
        raise Invalid("answer.location_outside_indonesia")
    point = {"lat": round(lat, 6), "lon": round(lon, 6)}
    return Answer(point, f"{lat:.5f}, {lon:.5f}", warnings=warnings)


def parse_image(event: Inbound) -> Answer:
    """A photo; the reference is the channel's file id, fetched by the media feature."""
    if event.kind != InboundKind.PHOTO or not event.photo_ref:
        raise Invalid("answer.need_photo")
    return Answer({"channel": event.channel, "ref": event.photo_ref}, "📷")


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
    (WhatsApp's `sender_phone`: "0857-1234-5678" typed from +6285712345678)."""
    if event.kind == InboundKind.CONTACT and event.contact_phone:
        raw, verified = event.contact_phone, event.contact_is_sender
    else:
        raw, verified = _text_of(event, "answer.need_phone"), False
    try:
        phone = parse_phone(raw)
    except IdentifierError as exc:
        raise Invalid(exc.key) from exc
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


def normalise_word(text: str) -> str:
    """Lower case, no surrounding punctuation or spaces: for matching typed choices."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())
