"""Table-driven tests for NIK, KK and phone parsing (domain.md section 3)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.i18n import Catalog
from handlers.identifiers import IdentifierError, parse_kk, parse_nik, parse_phone

TODAY = date(2026, 11, 29)
D = date

# --------------------------------------------------------------------------------------
# NIK: accepted
# (text, birth_year override, digits, region_code, sex, birth_date, serial)
# --------------------------------------------------------------------------------------
NIK_VALID = [
    pytest.param(
        "3208014506230001", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="girl-born-2023-day45-is-5",
    ),
    pytest.param(
        "3208011203950002", None, "3208011203950002", "32.08.01", "L", D(1995, 3, 12), "0002",
        id="man-born-1995",
    ),
    pytest.param(
        "3523015708880003", None, "3523015708880003", "35.23.01", "P", D(1988, 8, 17), "0003",
        id="woman-day57-is-17-tuban",
    ),
    pytest.param(
        "3208014101850008", None, "3208014101850008", "32.08.01", "P", D(1985, 1, 1), "0008",
        id="woman-day41-is-1st",
    ),
    pytest.param(
        "3208017101850007", None, "3208017101850007", "32.08.01", "P", D(1985, 1, 31), "0007",
        id="woman-day71-is-31st",
    ),
    pytest.param(
        "3208013112850009", None, "3208013112850009", "32.08.01", "L", D(1985, 12, 31), "0009",
        id="man-day31-december",
    ),
    pytest.param(
        "3171012501800004", None, "3171012501800004", "31.71.01", "L", D(1980, 1, 25), "0004",
        id="other-province-jakarta-3171",
    ),
    pytest.param(
        "1271016912990005", None, "1271016912990005", "12.71.01", "P", D(1999, 12, 29), "0005",
        id="other-province-medan-1271",
    ),
    pytest.param(
        "9471015010000006", None, "9471015010000006", "94.71.01", "P", D(2000, 10, 10), "0006",
        id="other-province-jayapura-9471-yy00-is-2000",
    ),
    pytest.param(
        "3208016902000009", None, "3208016902000009", "32.08.01", "P", D(2000, 2, 29), "0009",
        id="woman-leap-day-2000",
    ),
    pytest.param(
        "3208012911260001", None, "3208012911260001", "32.08.01", "L", TODAY, "0001",
        id="born-today-accepted",
    ),
    pytest.param(
        "3208010101260001", None, "3208010101260001", "32.08.01", "L", D(2026, 1, 1), "0001",
        id="yy-equal-current-yy-earlier-this-year-is-2026",
    ),
    pytest.param(
        "3208010101270001", None, "3208010101270001", "32.08.01", "L", D(1927, 1, 1), "0001",
        id="century-yy27-greater-than-26-is-1927",
    ),
    pytest.param(
        "3208010101990001", None, "3208010101990001", "32.08.01", "L", D(1999, 1, 1), "0001",
        id="century-yy99-is-1999",
    ),
    pytest.param(
        "3208010101200001", None, "3208010101200001", "32.08.01", "L", D(2020, 1, 1), "0001",
        id="century-yy20-without-override-is-2020",
    ),
    pytest.param(
        "3208010101200001", 1920, "3208010101200001", "32.08.01", "L", D(1920, 1, 1), "0001",
        id="birth-year-override-1920",
    ),
    pytest.param(
        "3208014101200001", 2020, "3208014101200001", "32.08.01", "P", D(2020, 1, 1), "0001",
        id="birth-year-override-same-century-2020",
    ),
    pytest.param(
        "3208010112260001", 1926, "3208010112260001", "32.08.01", "L", D(1926, 12, 1), "0001",
        id="birth-year-1926-allows-december-26",
    ),
    pytest.param(
        "3208010101200001", 1975, "3208010101200001", "32.08.01", "L", D(2020, 1, 1), "0001",
        id="birth-year-with-other-yy-is-ignored",
    ),
    pytest.param(
        "3208011203959999", None, "3208011203959999", "32.08.01", "L", D(1995, 3, 12), "9999",
        id="serial-9999",
    ),
    pytest.param(
        "3208 0145 0623 0001", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="separator-spaces",
    ),
    pytest.param(
        "32.08.01.450623.0001", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="separator-dots",
    ),
    pytest.param(
        "3208-0145-0623-0001", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="separator-dashes",
    ),
    pytest.param(
        "32.08.01-450623 0001", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="separator-mixed",
    ),
    pytest.param(
        "  3208014506230001\n", None, "3208014506230001", "32.08.01", "P", D(2023, 6, 5), "0001",
        id="surrounding-whitespace",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "birth_year", "digits", "region", "sex", "born", "serial"), NIK_VALID
)
def test_parse_nik_accepts(text, birth_year, digits, region, sex, born, serial):
    nik = parse_nik(text, today=TODAY, birth_year=birth_year)
    assert nik.digits == digits
    assert nik.region_code == region
    assert nik.sex == sex
    assert nik.birth_date == born
    assert nik.serial == serial


# --------------------------------------------------------------------------------------
# NIK: refused (text, birth_year override, catalogue key)
# --------------------------------------------------------------------------------------
NIK_INVALID = [
    pytest.param("3208013102950001", None, "identifier.nik_bad_date", id="man-31-february"),
    pytest.param("3208017102950001", None, "identifier.nik_bad_date", id="woman-31-february"),
    pytest.param("3208012902230001", None, "identifier.nik_bad_date", id="29-february-2023"),
    pytest.param("3208012902000001", 1900, "identifier.nik_bad_date", id="29-february-1900"),
    pytest.param("3208010001950001", None, "identifier.nik_bad_date", id="day-00"),
    pytest.param("3208013201950001", None, "identifier.nik_bad_date", id="day-32"),
    pytest.param("3208014001950001", None, "identifier.nik_bad_date", id="day-40"),
    pytest.param("3208017201950001", None, "identifier.nik_bad_date", id="day-72"),
    pytest.param("3208019901950001", None, "identifier.nik_bad_date", id="day-99"),
    pytest.param("3208011013950001", None, "identifier.nik_bad_date", id="month-13"),
    pytest.param("3208011000950001", None, "identifier.nik_bad_date", id="month-00"),
    pytest.param("3208010112260001", None, "identifier.nik_bad_date", id="future-december-2026"),
    pytest.param("3208013011260001", None, "identifier.nik_bad_date", id="future-tomorrow"),
    pytest.param("3208017011260001", None, "identifier.nik_bad_date", id="future-girl-tomorrow"),
    pytest.param("3208014506230000", None, "identifier.bad_serial", id="serial-0000"),
    pytest.param("3208 0145 0623 0000", None, "identifier.bad_serial", id="serial-0000-spaced"),
    pytest.param("32080145062300O1", None, "identifier.not_digits", id="letter-O-for-zero"),
    pytest.param("NIK 3208014506230001", None, "identifier.not_digits", id="leading-word"),
    pytest.param("+3208014506230001", None, "identifier.not_digits", id="plus-sign"),
    pytest.param("3208/0145/0623/0001", None, "identifier.not_digits", id="slash-separator"),
    pytest.param("3208_0145_0623_0001", None, "identifier.not_digits", id="underscore"),
    pytest.param("", None, "identifier.not_digits", id="empty"),
    pytest.param("   ", None, "identifier.not_digits", id="only-spaces"),
    pytest.param("abcdefghijklmnop", None, "identifier.not_digits", id="sixteen-letters"),
    pytest.param("320801450623001", None, "identifier.wrong_length", id="15-digits"),
    pytest.param("32080145062300011", None, "identifier.wrong_length", id="17-digits"),
    pytest.param("3208 0145 0623 001", None, "identifier.wrong_length", id="15-digits-spaced"),
    pytest.param("1", None, "identifier.wrong_length", id="one-digit"),
]


@pytest.mark.parametrize(("text", "birth_year", "key"), NIK_INVALID)
def test_parse_nik_refuses(text, birth_year, key):
    with pytest.raises(IdentifierError) as caught:
        parse_nik(text, today=TODAY, birth_year=birth_year)
    assert caught.value.key == key


# Characters that str.isdigit() accepts but that are not the ASCII digits 0-9 of a NIK.
# A parser may refuse them or normalise them, but it must either raise IdentifierError or
# return 16 ASCII digits (never a stored NIK in fullwidth/Arabic-Indic digits, never a bare
# ValueError that the form engine does not catch).
_BASE = "3208011506230001"  # a valid NIK (man born 2023-06-15) and a valid KK (issued then)
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
UNICODE_DIGIT_TEXTS = [
    pytest.param(_BASE.translate(_FULLWIDTH), id="fullwidth-digits"),
    pytest.param(_BASE.translate(_ARABIC_INDIC), id="arabic-indic-digits"),
    pytest.param("320801150623000²", id="superscript-in-serial"),
    pytest.param("3208011²06230001", id="superscript-in-date"),
    pytest.param("32080115062300①1", id="circled-digit-in-serial"),
]


@pytest.mark.parametrize("parse", [parse_nik, parse_kk], ids=["nik", "kk"])
@pytest.mark.parametrize("text", UNICODE_DIGIT_TEXTS)
def test_non_ascii_digits_are_refused_or_normalised(parse, text):
    try:
        parsed = parse(text, today=TODAY)
    except IdentifierError:
        return
    assert re.fullmatch(r"[0-9]{16}", parsed.digits), parsed
    assert re.fullmatch(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}", parsed.region_code), parsed


# --------------------------------------------------------------------------------------
# KK: issue date DDMMYY without +40
# (text, digits, region_code, issued_on, serial)
# --------------------------------------------------------------------------------------
KK_VALID = [
    pytest.param(
        "3208011506230001", "3208011506230001", "32.08.01", D(2023, 6, 15), "0001",
        id="issued-2023-06-15",
    ),
    pytest.param(
        "3171010101100002", "3171010101100002", "31.71.01", D(2010, 1, 1), "0002",
        id="jakarta-issued-2010",
    ),
    pytest.param(
        "3523013112990003", "3523013112990003", "35.23.01", D(1999, 12, 31), "0003",
        id="issued-1999-12-31",
    ),
    pytest.param(
        "3208012911260004", "3208012911260004", "32.08.01", TODAY, "0004",
        id="issued-today",
    ),
    pytest.param(
        "3208 0115 0623 0001", "3208011506230001", "32.08.01", D(2023, 6, 15), "0001",
        id="separator-spaces",
    ),
    pytest.param(
        "32.08.01.150623.0001", "3208011506230001", "32.08.01", D(2023, 6, 15), "0001",
        id="separator-dots",
    ),
    pytest.param(
        "3208-0115-0623-0001", "3208011506230001", "32.08.01", D(2023, 6, 15), "0001",
        id="separator-dashes",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "digits", "region", "issued", "serial"), KK_VALID)
def test_parse_kk_accepts(text, digits, region, issued, serial):
    kk = parse_kk(text, today=TODAY)
    assert kk.digits == digits
    assert kk.region_code == region
    assert kk.issued_on == issued
    assert kk.serial == serial


KK_INVALID = [
    # No plus 40 for a KK: such a date is a woman's NIK's, said to be one (QA 13).
    pytest.param("3208014106230001", "identifier.kk_looks_like_nik", id="day-41-a-nik"),
    pytest.param("3208014506230001", "identifier.kk_looks_like_nik", id="day-45-a-nik"),
    pytest.param("3208017101230001", "identifier.kk_looks_like_nik", id="day-71-a-nik"),
    pytest.param("3208017201230001", "identifier.kk_bad_date", id="day-72-no-nik-either"),
    pytest.param("3208017002300001", "identifier.kk_bad_date", id="a-nik-born-february-30"),
    pytest.param("3208013102230001", "identifier.kk_bad_date", id="31-february"),
    pytest.param("3208010001230001", "identifier.kk_bad_date", id="day-00"),
    pytest.param("3208011513230001", "identifier.kk_bad_date", id="month-13"),
    pytest.param("3208011500230001", "identifier.kk_bad_date", id="month-00"),
    # A card cannot be issued after today (the NIK rule refuses future birth dates too).
    pytest.param("3208011512260001", "identifier.kk_bad_date", id="issued-later-this-year"),
    pytest.param("3208011506230000", "identifier.bad_serial", id="serial-0000"),
    pytest.param("32080115O6230001", "identifier.not_digits", id="letter-O"),
    pytest.param("KK 3208011506230001", "identifier.not_digits", id="leading-word"),
    pytest.param("", "identifier.not_digits", id="empty"),
    pytest.param("320801150623001", "identifier.wrong_length", id="15-digits"),
    pytest.param("32080115062300011", "identifier.wrong_length", id="17-digits"),
]


@pytest.mark.parametrize(("text", "key"), KK_INVALID)
def test_parse_kk_refuses(text, key):
    with pytest.raises(IdentifierError) as caught:
        parse_kk(text, today=TODAY)
    assert caught.value.key == key


# --------------------------------------------------------------------------------------
# Phone numbers -> E.164
# --------------------------------------------------------------------------------------
PHONE_VALID = [
    pytest.param("081234567890", "+6281234567890", id="national-08"),
    pytest.param("+6281234567890", "+6281234567890", id="e164-plus-628"),
    pytest.param("6281234567890", "+6281234567890", id="whatsapp-628-no-plus"),
    pytest.param("0812 3456 7890", "+6281234567890", id="spaces"),
    pytest.param("0812-3456-7890", "+6281234567890", id="dashes"),
    pytest.param("0812.3456.7890", "+6281234567890", id="dots"),
    pytest.param("(0812) 3456-7890", "+6281234567890", id="parentheses"),
    pytest.param("+62 812-3456-7890", "+6281234567890", id="plus-62-with-dashes"),
    pytest.param("+62 (812) 3456 7890", "+6281234567890", id="plus-62-parentheses"),
    pytest.param("62 812 3456 7890", "+6281234567890", id="62-with-spaces"),
    pytest.param(" 081234567890 ", "+6281234567890", id="surrounding-spaces"),
    pytest.param("0811234567", "+62811234567", id="shortest-10-digits"),
    pytest.param("0881234567890", "+62881234567890", id="smartfren-088-13-digits"),
    pytest.param("085712345678", "+6285712345678", id="indosat-0857"),
]


@pytest.mark.parametrize(("text", "e164"), PHONE_VALID)
def test_parse_phone_accepts(text, e164):
    assert parse_phone(text) == e164


PHONE_INVALID = [
    pytest.param("0221234567", "identifier.phone_not_mobile", id="landline-bandung-022"),
    pytest.param("(022) 7654321", "identifier.phone_not_mobile", id="landline-parentheses"),
    pytest.param("021-5551234", "identifier.phone_not_mobile", id="landline-jakarta-021"),
    pytest.param("+62 21 5551234", "identifier.phone_not_mobile", id="landline-plus-62"),
    pytest.param("0812", "identifier.phone_invalid", id="too-short-4"),
    pytest.param("081 234 567", "identifier.phone_invalid", id="too-short-9"),
    pytest.param("08112345678901", "identifier.phone_invalid", id="too-long-14"),
    pytest.param("081234567890123456", "identifier.phone_invalid", id="far-too-long"),
    pytest.param("0841234567", "identifier.phone_invalid", id="unallocated-084"),
    pytest.param("abc", "identifier.phone_invalid", id="letters"),
    pytest.param("0812abc7890", "identifier.phone_invalid", id="letters-inside"),
    pytest.param("hp 081234567890", "identifier.phone_invalid", id="leading-word"),
    pytest.param("", "identifier.phone_invalid", id="empty"),
    pytest.param("+62", "identifier.phone_invalid", id="country-code-only"),
    pytest.param("----", "identifier.phone_invalid", id="only-separators"),
]


@pytest.mark.parametrize(("text", "key"), PHONE_INVALID)
def test_parse_phone_refuses(text, key):
    with pytest.raises(IdentifierError) as caught:
        parse_phone(text)
    assert caught.value.key == key


# Domain: accept 08..., +628..., 628... only; the docstring promises an Indonesian mobile.
FOREIGN_MOBILES = [
    pytest.param("+6591234567", id="singapore-mobile"),
    pytest.param("+60123456789", id="malaysia-mobile"),
    pytest.param("+14155550123", id="usa-number"),
]


@pytest.mark.parametrize("text", FOREIGN_MOBILES)
def test_parse_phone_refuses_foreign_numbers(text):
    with pytest.raises(IdentifierError) as caught:
        parse_phone(text)
    assert caught.value.key in {"identifier.phone_invalid", "identifier.phone_not_mobile"}


# --------------------------------------------------------------------------------------
# IdentifierError
# --------------------------------------------------------------------------------------
def test_identifier_error_carries_key():
    error = IdentifierError("identifier.bad_serial")
    assert isinstance(error, ValueError)
    assert error.key == "identifier.bad_serial"
    assert str(error) == "identifier.bad_serial"


def test_every_expected_key_is_in_the_catalogue():
    catalog = Catalog.load()
    keys = {p.values[-1] for p in NIK_INVALID + KK_INVALID + PHONE_INVALID}
    keys |= {"identifier.phone_invalid", "identifier.phone_not_mobile"}
    missing = sorted(key for key in keys if not catalog.has(key))
    assert missing == []


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
regions = st.from_regex(r"[1-9][0-9]{5}", fullmatch=True)
serials = st.integers(min_value=1, max_value=9999).map(lambda n: f"{n:04d}")
# Within the last century the NIK alone decides the year (1927 .. today).
birth_dates = st.dates(min_value=date(1927, 1, 1), max_value=TODAY)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(region=regions, born=birth_dates, female=st.booleans(), serial=serials)
def test_nik_round_trip(region, born, female, serial):
    day = born.day + (40 if female else 0)
    digits = f"{region}{day:02d}{born:%m%y}{serial}"
    nik = parse_nik(digits, today=TODAY)
    assert nik.birth_date == born
    assert nik.sex == ("P" if female else "L")
    assert nik.serial == serial
    assert nik.region_code == f"{region[:2]}.{region[2:4]}.{region[4:]}"


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    region=regions,
    issued=st.dates(min_value=date(1927, 1, 1), max_value=TODAY),
    serial=serials,
)
def test_kk_round_trip(region, issued, serial):
    kk = parse_kk(f"{region}{issued:%d%m%y}{serial}", today=TODAY)
    assert kk.issued_on == issued


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(born=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_nik_never_returns_a_future_birth_date(born):
    try:
        nik = parse_nik(f"320801{born:%d%m%y}0001", today=TODAY)
    except IdentifierError as exc:
        assert exc.key == "identifier.nik_bad_date"
    else:
        assert nik.birth_date <= TODAY


digit_like = st.one_of(
    st.sampled_from("0123456789"),
    st.sampled_from("0123456789 .-"),
    st.characters(categories=["Nd", "No"]),
    st.characters(),
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(text=st.lists(digit_like, min_size=0, max_size=22).map("".join))
def test_nik_and_kk_raise_only_identifier_error(text):
    for parse in (parse_nik, parse_kk):
        try:
            parsed = parse(text, today=TODAY)
        except IdentifierError:
            continue
        assert re.fullmatch(r"[0-9]{16}", parsed.digits)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(text=st.text(alphabet=st.sampled_from("0123456789+()- .x"), max_size=20))
def test_parse_phone_returns_e164_or_identifier_error(text):
    try:
        phone = parse_phone(text)
    except IdentifierError as exc:
        assert exc.key in {"identifier.phone_invalid", "identifier.phone_not_mobile"}
    else:
        assert re.fullmatch(r"\+628[1-35-9][0-9]{7,10}", phone), phone
