"""NIK, KK and phone numbers: parsing and checks per domain.md section 3.

python-stdnum's `id.nik` is not used for validation on purpose: its `validate()` refuses
region prefixes it does not know and its `get_birth_date()` tries 19YY first, which makes a
toddler a centenarian. A NIK keeps the place where it was first issued, so any prefix goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from storage.identifiers import compact_number


class IdentifierError(ValueError):
    """A number that cannot be a NIK, KK or phone; `key` names the catalogue message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _sixteen_digits(text: str) -> str:
    digits = compact_number(text)
    if not re.fullmatch(r"[0-9]+", digits):  # ASCII digits only: no fullwidth, no superscripts
        raise IdentifierError("identifier.not_digits")
    if len(digits) != 16:
        raise IdentifierError("identifier.wrong_length")
    return digits


def _century_year(two_digits: int, today: date) -> int:
    """The most recent year ending in these digits that is not in the future."""
    year = today.year - (today.year % 100) + two_digits
    return year if year <= today.year else year - 100


def _past_date(year: int, month: int, day: int, *, today: date, error: str) -> date:
    """The date a NIK or KK holds; IdentifierError(`error`) when there is no such day or it is
    still to come."""
    try:
        found = date(year, month, day)
    except ValueError as exc:
        raise IdentifierError(error) from exc
    if found > today:
        raise IdentifierError(error)
    return found


def _region_and_serial(digits: str) -> tuple[str, str]:
    """The region code (PP.KK.CC) and serial of a NIK or KK; a serial of 0000 is refused."""
    serial = digits[12:]
    if serial == "0000":
        raise IdentifierError("identifier.bad_serial")
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}", serial


@dataclass(frozen=True)
class Nik:
    """A parsed NIK."""

    digits: str
    region_code: str  # PP.KK.CC where it was first registered
    sex: str  # "L" or "P"
    birth_date: date
    serial: str


def nik_sex(digits: str) -> str:
    """The sex a NIK's 16 digits carry, "L" or "P": a woman's day of birth has 40 added."""
    return "P" if int(digits[6:8]) > 40 else "L"


def parse_nik(text: str, *, today: date, birth_year: int | None = None) -> Nik:
    """Parse a NIK; `birth_year` (from a typed birth date or age) overrides the century."""
    digits = _sixteen_digits(text)
    day, month, year2 = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = nik_sex(digits)
    if sex == "P":
        day -= 40
    year = _century_year(year2, today)
    if birth_year is not None and birth_year % 100 == year2:
        year = birth_year
    born = _past_date(year, month, day, today=today, error="identifier.nik_bad_date")
    region, serial = _region_and_serial(digits)
    return Nik(digits=digits, region_code=region, sex=sex, birth_date=born, serial=serial)


@dataclass(frozen=True)
class KartuKeluarga:
    """A parsed Kartu Keluarga number."""

    digits: str
    region_code: str
    issued_on: date
    serial: str


def parse_kk(text: str, *, today: date) -> KartuKeluarga:
    """Parse a KK number: region, issue date DDMMYY (no +40), serial. One whose date is no
    issue date but a NIK's birth date (a woman's: day + 40) is taken for the NIK it likely
    is (`identifier.kk_looks_like_nik`)."""
    digits = _sixteen_digits(text)
    day, month, year2 = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    year = _century_year(year2, today)
    try:
        issued = _past_date(year, month, day, today=today, error="identifier.kk_bad_date")
    except IdentifierError:
        if _a_nik(digits, today=today):
            raise IdentifierError("identifier.kk_looks_like_nik") from None
        raise
    region, serial = _region_and_serial(digits)
    return KartuKeluarga(digits=digits, region_code=region, issued_on=issued, serial=serial)


def _a_nik(digits: str, *, today: date) -> bool:
    try:
        parse_nik(digits, today=today)
    except IdentifierError:
        return False
    return True


_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def parse_phone(text: str, *, mobile_only: bool = True) -> str:
    """An Indonesian mobile number (08..., +628..., 628...; dashes, spaces, brackets) as
    E.164 (+628...). `mobile_only=False` also takes a landline (a business's number)."""
    raw = compact_number(text).replace("(", "").replace(")", "")
    if raw.startswith("62") and not raw.startswith("+"):
        raw = "+" + raw
    if not re.fullmatch(r"\+?\d{8,15}", raw):
        raise IdentifierError("identifier.phone_invalid")
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise IdentifierError("identifier.phone_invalid") from exc
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise IdentifierError("identifier.phone_invalid")
    if mobile_only and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise IdentifierError("identifier.phone_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
