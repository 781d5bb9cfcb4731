"""Table-driven tests for the per-question-type answer parsers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from handlers.events import Inbound, InboundKind
from handlers.forms.answer_dates import age_fits, parse_age, parse_date, parse_time
from handlers.forms.answer_identifiers import (
    parse_kk_answer,
    parse_nik_answer,
    parse_phone_answer,
    typed_missing,
)
from handlers.forms.answer_location import parse_geopoint
from handlers.forms.answer_numbers import parse_decimal, parse_integer
from handlers.forms.answers import Answer, Invalid, clean_text, parse_image, parse_text
from handlers.i18n import Catalog

TODAY = date(2026, 11, 29)


def event(kind: InboundKind = InboundKind.TEXT, text: str | None = None, **fields: Any) -> Inbound:
    return Inbound(
        channel="test", external_user_id="1", chat_id="1", kind=kind, text=text, **fields
    )


def text(value: str | None) -> Inbound:
    return event(InboundKind.TEXT, value)


STICKER = event(InboundKind.OTHER, other_type="sticker")
PHOTO = event(InboundKind.PHOTO, photo_ref="AgACAgIAAxkBAAIB")
PHOTO_WITH_CAPTION = event(InboundKind.PHOTO, "3208014506230001", photo_ref="AgACAgIAAxkBAAIB")
LOCATION = event(InboundKind.LOCATION, latitude=-6.97, longitude=108.48)
CONTACT = event(InboundKind.CONTACT, contact_phone="6281234567890", contact_is_sender=True)
VOICE = event(InboundKind.OTHER, other_type="voice")
BUTTON = event(InboundKind.BUTTON, data="f:1:y")
COMMAND = event(InboundKind.COMMAND, "/start", command="start")
TEXT_NONE = text(None)


def assert_invalid(parse, inbound: Inbound, key: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse(inbound)
    assert caught.value.key == key
    return caught.value


# --------------------------------------------------------------------------------------
# parse_text
# (typed text, max_length, expected value)
# --------------------------------------------------------------------------------------
LONG = "a" * 4000
TEXT_VALID = [
    pytest.param("Budi Santoso", 100, "Budi Santoso", id="plain"),
    pytest.param("  Budi  ", 100, "Budi", id="trimmed"),
    pytest.param("Bu\x00di\x07", 100, "Budi", id="nul-and-bell-stripped"),
    pytest.param("Budi\x1b[31m", 100, "Budi[31m", id="escape-stripped"),
    pytest.param("a\tb", 100, "a b", id="tab-becomes-space"),
    pytest.param("baris 1\r\nbaris 2", 100, "baris 1\nbaris 2", id="cr-stripped-newline-kept"),
    pytest.param("a\u200bb", 100, "ab", id="zero-width-space-stripped"),
    pytest.param("Jose\u0301", 100, "José", id="nfc-normalised"),
    pytest.param("abcde", 5, "abcde", id="exactly-max-length"),
    pytest.param(LONG, 4000, LONG, id="4000-chars-at-limit-4000"),
    pytest.param("Rumah 🏠 bagus 👍🏽", 100, "Rumah 🏠 bagus 👍🏽", id="emoji-skin-tone"),
    pytest.param("❤️ 🇮🇩", 100, "❤️ 🇮🇩", id="emoji-variation-selector-and-flag"),
    pytest.param("👩‍💻 👨‍👩‍👧", 100, "👩‍💻 👨‍👩‍👧", id="emoji-zwj-sequences-kept"),
    pytest.param("🫨", 100, "🫨", id="emoji-unicode-15-kept"),
    pytest.param(
        "<b>tebal</b> & <script>x</script>", 100, "<b>tebal</b> & <script>x</script>",
        id="html-verbatim",
    ),
    pytest.param("*bold* _it_ `code` [a](b) ~s~", 100, "*bold* _it_ `code` [a](b) ~s~",
                 id="markdown-verbatim"),
    pytest.param("RT 03/RW 05, Dusun Kaler", 100, "RT 03/RW 05, Dusun Kaler", id="address"),
    pytest.param("Telp 0812 3456 7890", 100, "Telp 0812 3456 7890", id="phone-not-an-identifier"),
    pytest.param("Anak ke-2 lahir 17-08-2015", 100, "Anak ke-2 lahir 17-08-2015", id="date"),
    # A text that is no name or address (a description, a note) may cite an earlier report.
    pytest.param("sama dengan KNG-2026-000101", 1000, "sama dengan KNG-2026-000101",
                 id="case-number-within-a-long-text"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "max_length", "expected"), TEXT_VALID)
def test_parse_text_accepts(typed, max_length, expected):
    answer = parse_text(text(typed), max_length=max_length)
    assert answer == Answer(expected, expected)


# (event, max_length, key, values carried for the message)
TEXT_INVALID = [
    pytest.param(text(""), 100, "answer.empty", {}, id="empty"),
    pytest.param(text("   \n\t "), 100, "answer.empty", {}, id="whitespace-only"),
    pytest.param(text("\x00\x01\x7f"), 100, "answer.empty", {}, id="control-only"),
    pytest.param(text("\u200b\u200e"), 100, "answer.empty", {}, id="invisible-only"),
    pytest.param(text("abcdef"), 5, "answer.too_long", {"limit": 5, "length": 6}, id="over-5"),
    pytest.param(
        text("a" * 4001), 4000, "answer.too_long_text", {"limit": 4000, "length": 4001},
        id="4001-chars",
    ),
    pytest.param(
        text("a" * 5000), 4000, "answer.too_long_text", {"limit": 4000, "length": 5000},
        id="5000-chars",
    ),
    # The text comes back to copy, the number masked.
    pytest.param(text("Siti 3208014506230001"), 100, "answer.identifier_in_text",
                 {"text": "Siti 320801******0001"}, id="nik-in-a-name"),
    pytest.param(text("Dusun Kaler, KK 3208.01.150623.0002"), 100, "answer.identifier_in_text",
                 {"text": "Dusun Kaler, KK 320801******0002"}, id="kk-in-an-address"),
    # A report's number pasted alone is no name, address or note (QA walk 6: "✓ Alamat:
    # KNG-2026-000103"); named as issued.
    pytest.param(text("KNG-2026-000103"), 100, "answer.case_number.text",
                 {"number": "KNG-2026-000103"}, id="case-number-alone"),
    pytest.param(text("*kng-2026-103*"), 100, "answer.case_number.text",
                 {"number": "KNG-2026-000103"}, id="case-number-bold-short"),
    pytest.param(TEXT_NONE, 100, "answer.need_text", {}, id="text-kind-without-text"),
    pytest.param(STICKER, 100, "answer.need_text", {}, id="sticker"),
    pytest.param(VOICE, 100, "answer.need_text", {}, id="voice-note"),
    pytest.param(PHOTO, 100, "answer.need_text", {}, id="photo"),
    pytest.param(PHOTO_WITH_CAPTION, 100, "answer.need_text", {}, id="photo-with-caption"),
    pytest.param(LOCATION, 100, "answer.need_text", {}, id="location"),
    pytest.param(CONTACT, 100, "answer.need_text", {}, id="contact"),
    pytest.param(BUTTON, 100, "answer.need_text", {}, id="button"),
    pytest.param(COMMAND, 100, "answer.need_text", {}, id="command"),
]  # fmt: skip


@pytest.mark.parametrize(("inbound", "max_length", "key", "values"), TEXT_INVALID)
def test_parse_text_refuses(inbound, max_length, key, values):
    with pytest.raises(Invalid) as caught:
        parse_text(inbound, max_length=max_length)
    assert caught.value.key == key
    assert caught.value.values == values


# A report's number within words: refused in a name or an address, where it was meant for
# something else (QA walk 8: "✓ Alamat: tolong cek laporan KNG-2026-000101 ya"), however short;
# part of any other text, however short: a reason may cite the report (code review 11a).
# (typed, max_length, name_or_address, refused with the number, or None: taken)
CASE_NUMBER_WITHIN = [
    pytest.param("tolong cek laporan kng-2026-101 ya", 200, True, "KNG-2026-000101",
                 id="in-an-address"),
    pytest.param("Slamet KNG-2026-000101 KNG-2026-000102", 100, True, "KNG-2026-000101",
                 id="first-of-two-in-a-name"),
    pytest.param("KK sudah ada di laporan KNG-2026-000101", 200, False, None,
                 id="in-a-reason"),
    pytest.param("sama dengan kng-2026-101", 50, False, None, id="in-a-short-text"),
    pytest.param("sama dengan KNG-2026-000101", 1000, True, "KNG-2026-000101",
                 id="in-a-long-name-or-address"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "max_length", "name_or_address", "refused"), CASE_NUMBER_WITHIN)
def test_a_case_number_within_words(typed, max_length, name_or_address, refused):
    if refused is None:
        answer = parse_text(text(typed), max_length=max_length, name_or_address=name_or_address)
        assert answer.value == typed
        return
    with pytest.raises(Invalid) as caught:
        parse_text(text(typed), max_length=max_length, name_or_address=name_or_address)
    assert (caught.value.key, caught.value.values) == (
        "answer.case_number.within",
        {"number": refused},
    )


CLEAN_CASES = [
    pytest.param(" a\x00b\n", "ab", id="trim-and-nul"),
    pytest.param("a\nb", "a\nb", id="inner-newline-kept"),
    pytest.param("\u00a0x\u00a0", "x", id="nbsp-trimmed"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("raw", "expected"), CLEAN_CASES)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------
INTEGER_VALID = [
    pytest.param("3", 3, "3", id="single-digit"),
    pytest.param("0", 0, "0", id="zero"),
    pytest.param("1.234", 1234, "1234", id="thousands-dot"),
    pytest.param("1.234.567", 1234567, "1234567", id="millions-dots"),
    pytest.param("-5", -5, "-5", id="negative"),
    pytest.param("+7", 7, "7", id="explicit-plus"),
    pytest.param(" 12 ", 12, "12", id="surrounding-spaces"),
    pytest.param("1 000", 1000, "1000", id="space-thousands"),
    pytest.param("007", 7, "7", id="leading-zeros"),
    pytest.param("999999999999", 999999999999, "999999999999", id="12-digits"),
    pytest.param("3 orang", 3, "3", id="count-with-unit"),
    pytest.param("5 Jiwa.", 5, "5", id="count-with-unit-capital"),
    pytest.param("tiga", 3, "3", id="number-in-words"),
    pytest.param("Lima orang", 5, "5", id="words-with-unit"),
    pytest.param("sebelas", 11, "11", id="eleven-in-words"),
    pytest.param("dua  belas jiwa", 12, "12", id="teen-in-words"),
    pytest.param("dua puluh", 20, "20", id="twenty-in-words"),
    pytest.param("dua puluh satu", 21, "21", id="twenty-one-in-words"),
    pytest.param("tiga puluh", 30, "30", id="tens-in-words"),
    pytest.param("Empat puluh lima orang", 45, "45", id="tens-and-unit-in-words"),
    pytest.param("sembilanpuluh sembilan", 99, "99", id="tens-written-together"),
    pytest.param("sekitar 5 orang", 5, "5", id="about"),
    pytest.param("kurang lebih lima", 5, "5", id="more-or-less-in-words"),
    pytest.param("kira-kira 7", 7, "7", id="roughly"),
    pytest.param("±6 jiwa", 6, "6", id="plus-minus-sign"),
]


@pytest.mark.parametrize(("typed", "value", "display"), INTEGER_VALID)
def test_parse_integer_accepts(typed, value, display):
    assert parse_integer(text(typed)) == Answer(value, display)


INTEGER_INVALID = [
    pytest.param(text("abc"), "answer.need_integer", id="letters"),
    pytest.param(text("1,5"), "answer.need_integer", id="decimal-comma"),
    pytest.param(text("1.5"), "answer.need_integer", id="decimal-point"),
    pytest.param(text("12.34"), "answer.need_integer", id="two-decimals-not-thousands"),
    pytest.param(text("1.2345"), "answer.need_integer", id="bad-thousands-group"),
    pytest.param(text("3 anak"), "answer.need_integer", id="number-with-another-word"),
    pytest.param(text("sebelas puluh"), "answer.need_integer", id="tens-of-a-teen"),
    pytest.param(text("dua puluh sebelas"), "answer.need_integer", id="tens-and-a-teen"),
    pytest.param(text("sekitar"), "answer.need_integer", id="about-alone"),
    pytest.param(text("5-6 orang"), "typed_count.range", id="range-with-dash"),
    pytest.param(text("lima sampai enam"), "typed_count.range", id="range-in-words"),
    pytest.param(text("5 atau 6 jiwa"), "typed_count.range", id="range-with-or"),
    pytest.param(text("orang"), "answer.need_integer", id="unit-alone"),
    pytest.param(text("5 menit"), "answer.need_integer", id="minutes-are-no-count"),
    pytest.param(text("5 meter"), "answer.need_integer", id="metres-are-no-count"),
    pytest.param(text("1e3"), "answer.need_integer", id="exponent"),
    pytest.param(text("--5"), "answer.need_integer", id="double-minus"),
    pytest.param(text("9999999999999"), "answer.need_integer", id="13-digits"),
    pytest.param(text(""), "answer.need_integer", id="empty"),
    pytest.param(STICKER, "answer.need_integer", id="sticker"),
    pytest.param(PHOTO, "answer.need_integer", id="photo"),
]


@pytest.mark.parametrize(("inbound", "key"), INTEGER_INVALID)
def test_parse_integer_refuses(inbound, key):
    assert_invalid(parse_integer, inbound, key)


DECIMAL_VALID = [
    pytest.param("2,5", 2.5, "2,5", id="decimal-comma"),
    pytest.param("2.5", 2.5, "2,5", id="decimal-point"),
    pytest.param("3", 3.0, "3", id="whole"),
    pytest.param("-0,75", -0.75, "-0,75", id="negative"),
    pytest.param(" 36,5 ", 36.5, "36,5", id="spaces"),
    pytest.param("0,123456", 0.123456, "0,123456", id="six-decimals"),
]


@pytest.mark.parametrize(("typed", "value", "display"), DECIMAL_VALID)
def test_parse_decimal_accepts(typed, value, display):
    assert parse_decimal(text(typed)) == Answer(value, display)


# The restated value must be readable by the person who typed it: no "2,5e+06".
DECIMAL_DISPLAY = [
    pytest.param("2500000", 2500000.0, id="two-and-a-half-million"),
    pytest.param("123456789", 123456789.0, id="nine-digits"),
    pytest.param("1000000,5", 1000000.5, id="million-and-a-half"),
    pytest.param("0,000001", 0.000001, id="one-millionth"),
]


@pytest.mark.parametrize(("typed", "value"), DECIMAL_DISPLAY)
def test_parse_decimal_display_has_no_exponent(typed, value):
    answer = parse_decimal(text(typed))
    assert answer.value == value
    assert "e" not in answer.display.lower(), answer.display
    assert float(answer.display.replace(".", "").replace(",", ".")) == value


DECIMAL_INVALID = [
    pytest.param(text("abc"), "answer.need_decimal", id="letters"),
    pytest.param(text("2,5 m"), "answer.need_decimal", id="with-unit"),
    pytest.param(text("1.234,5"), "answer.need_decimal", id="thousands-and-comma"),
    pytest.param(text("1,2,3"), "answer.need_decimal", id="two-commas"),
    pytest.param(text("1e5"), "answer.need_decimal", id="exponent"),
    pytest.param(text("nan"), "answer.need_decimal", id="nan"),
    pytest.param(text("inf"), "answer.need_decimal", id="inf"),
    pytest.param(text(",5"), "answer.need_decimal", id="no-leading-digit"),
    pytest.param(text("0,1234567"), "answer.need_decimal", id="seven-decimals"),
    pytest.param(text(""), "answer.need_decimal", id="empty"),
    pytest.param(STICKER, "answer.need_decimal", id="sticker"),
]


@pytest.mark.parametrize(("inbound", "key"), DECIMAL_INVALID)
def test_parse_decimal_refuses(inbound, key):
    assert_invalid(parse_decimal, inbound, key)


# --------------------------------------------------------------------------------------
# Ages checked against a NIK's birth date (today is 2026-11-29)
AGES = [
    # (typed, born, fits): whole years fit the whole year; months only that month
    ("3 tahun", date(2023, 6, 5), True),  # 3 th 5 bln
    ("3", date(2022, 11, 30), True),  # 3 th 11 bln, a day short of 4
    ("3 tahun", date(2022, 11, 29), False),  # 4 today
    ("2 tahun", date(2023, 6, 5), False),
    ("41 bulan", date(2023, 6, 5), True),
    ("3 th 5 bln", date(2023, 6, 5), True),
    ("40 bulan", date(2023, 6, 5), False),
    ("2 tahun", date(1999, 12, 1), False),
    ("26 tahun", date(1999, 12, 1), True),
    ("126 tahun", date(2000, 2, 29), True),  # the NIK's "00" a century earlier: no 29-02-1900
]


@pytest.mark.parametrize(("typed", "born", "fits"), AGES)
def test_age_fits_a_birth_date(typed: str, born: date, fits: bool) -> None:
    answer = parse_age(text(typed), today=TODAY)
    assert age_fits(born, answer.value["months"], answer.age_slack, today=TODAY) is fits


# Dates (today is 2026-11-29)
# --------------------------------------------------------------------------------------
DATE_VALID = [
    pytest.param("17-08-1990", "1990-08-17", "17-08-1990", id="dd-mm-yyyy-dashes"),
    pytest.param("17/08/1990", "1990-08-17", "17-08-1990", id="dd-mm-yyyy-slashes"),
    pytest.param("17.08.1990", "1990-08-17", "17-08-1990", id="dd-mm-yyyy-dots"),
    pytest.param("1990-08-17", "1990-08-17", "17-08-1990", id="iso"),
    pytest.param("9-1-2024", "2024-01-09", "09-01-2024", id="single-digit-day-month"),
    pytest.param("17 Agustus 1990", "1990-08-17", "17-08-1990", id="indonesian-month-name"),
    pytest.param("17 agustus 1990", "1990-08-17", "17-08-1990", id="lower-case-month"),
    pytest.param("17 AGUSTUS 1990", "1990-08-17", "17-08-1990", id="upper-case-month"),
    pytest.param("17 Agt. 1990", "1990-08-17", "17-08-1990", id="abbreviated-with-dot"),
    pytest.param("17 Agustus, 1990", "1990-08-17", "17-08-1990", id="comma-before-year"),
    pytest.param("9 Jan 2024", "2024-01-09", "09-01-2024", id="short-month"),
    pytest.param("1 Mei 2000", "2000-05-01", "01-05-2000", id="mei"),
    pytest.param("5 Nopember 1975", "1975-11-05", "05-11-1975", id="old-spelling-nopember"),
    pytest.param("3 December 2001", "2001-12-03", "03-12-2001", id="english-month"),
    pytest.param("29-02-2024", "2024-02-29", "29-02-2024", id="leap-day"),
    pytest.param("29-11-2026", "2026-11-29", "29-11-2026", id="today"),
    pytest.param("01-01-1900", "1900-01-01", "01-01-1900", id="earliest-1900"),
    pytest.param("  17-08-1990  ", "1990-08-17", "17-08-1990", id="surrounding-spaces"),
]


@pytest.mark.parametrize(("typed", "value", "display"), DATE_VALID)
def test_parse_date_accepts(typed, value, display):
    assert parse_date(text(typed), today=TODAY) == Answer(value, display)


NEED_PAST_DATE = "answer.need_date_when.past"  # with examples near today: test_dates.py
DATE_INVALID = [
    pytest.param(text("31-02-2020"), "answer.date_impossible", id="31-february"),
    pytest.param(text("29-02-2023"), "answer.date_impossible", id="29-february-non-leap"),
    pytest.param(text("30 Februari 2020"), "answer.date_impossible", id="named-30-february"),
    pytest.param(text("00-01-2020"), "answer.date_impossible", id="day-zero"),
    pytest.param(text("2020-13-01"), "answer.date_impossible", id="iso-month-13"),
    pytest.param(text("17-13-1990"), "answer.date_impossible", id="month-13"),
    pytest.param(text("31-12-1899"), "answer.date_impossible", id="before-1900"),
    pytest.param(text("30-11-2026"), "answer.date_future", id="tomorrow"),
    pytest.param(text("01-01-2030"), "answer.date_future", id="future-year"),
    pytest.param(text("1 Desember 2026"), "answer.date_future", id="named-future"),
    pytest.param(text("kemarin sore"), NEED_PAST_DATE, id="words"),
    pytest.param(text("17 Foo 1990"), NEED_PAST_DATE, id="unknown-month"),
    pytest.param(text("17-08-90"), NEED_PAST_DATE, id="two-digit-year"),
    pytest.param(text("17081990"), NEED_PAST_DATE, id="no-separators"),
    pytest.param(text("1990"), NEED_PAST_DATE, id="year-only"),
    pytest.param(text(""), NEED_PAST_DATE, id="empty"),
    pytest.param(STICKER, NEED_PAST_DATE, id="sticker"),
    pytest.param(PHOTO, NEED_PAST_DATE, id="photo"),
]


@pytest.mark.parametrize(("inbound", "key"), DATE_INVALID)
def test_parse_date_refuses(inbound, key):
    with pytest.raises(Invalid) as caught:
        parse_date(inbound, today=TODAY)
    assert caught.value.key == key


# --------------------------------------------------------------------------------------
# Geopoints
# --------------------------------------------------------------------------------------
GEOPOINT_VALID = [
    pytest.param(LOCATION, -6.97, 108.48, "-6.97000, 108.48000", id="shared-location"),
    pytest.param(text("-6.97, 108.48"), -6.97, 108.48, "-6.97000, 108.48000", id="typed-comma"),
    pytest.param(text("-6.97;108.48"), -6.97, 108.48, "-6.97000, 108.48000", id="typed-semicolon"),
    pytest.param(text("-6.97 108.48"), -6.97, 108.48, "-6.97000, 108.48000", id="typed-space"),
    pytest.param(
        text("-6.9712345678, 108.4812345678"), -6.971235, 108.481235, "-6.97123, 108.48123",
        id="rounded-to-6-decimals",
    ),
    # Indonesia's far corners (Sabang, Pulau Rote, Merauke) and the box's own edges.
    pytest.param(text("5.89, 95.32"), 5.89, 95.32, "5.89000, 95.32000", id="sabang"),
    pytest.param(text("-10.75, 123.1"), -10.75, 123.1, "-10.75000, 123.10000", id="rote"),
    pytest.param(
        event(InboundKind.LOCATION, latitude=-8.49, longitude=140.4), -8.49, 140.4,
        "-8.49000, 140.40000", id="shared-merauke",
    ),
    pytest.param(text("6.5, 94.5"), 6.5, 94.5, "6.50000, 94.50000", id="box-north-west"),
    pytest.param(text("-11.5, 141.5"), -11.5, 141.5, "-11.50000, 141.50000", id="box-south-east"),
]  # fmt: skip


@pytest.mark.parametrize(("inbound", "lat", "lon", "display"), GEOPOINT_VALID)
def test_parse_geopoint_accepts(inbound, lat, lon, display):
    assert parse_geopoint(inbound) == Answer({"lat": lat, "lon": lon}, display)


@pytest.mark.parametrize("typed", ["108.48, -6.97", "108.48 -6.97", "108.48;-6.97"])
def test_parse_geopoint_takes_a_swapped_pair_with_a_warning(typed):
    """No latitude exceeds 90: "108.48, -6.97" can only be longitude first."""
    assert parse_geopoint(text(typed)) == Answer(
        {"lat": -6.97, "lon": 108.48}, "-6.97000, 108.48000", warnings=("answer.location_swapped",)
    )


OUTSIDE = "answer.location_outside_indonesia"
GEOPOINT_INVALID = [
    pytest.param(text("91, 0"), "answer.location_out_of_range", id="latitude-91"),
    pytest.param(text("-90.5, 0"), "answer.location_out_of_range", id="latitude-minus-90.5"),
    pytest.param(text("0, 181"), "answer.location_out_of_range", id="longitude-181"),
    pytest.param(text("0, -180.1"), "answer.location_out_of_range", id="longitude-minus-180.1"),
    pytest.param(text("200, 108"), "answer.location_out_of_range", id="neither-way-possible"),
    pytest.param(
        event(InboundKind.LOCATION, latitude=91.0, longitude=0.0),
        "answer.location_out_of_range",
        id="shared-latitude-91",
    ),
    pytest.param(
        event(InboundKind.LOCATION, latitude=-6.9, longitude=None),
        "answer.location_out_of_range",
        id="shared-without-longitude",
    ),
    pytest.param(text("48.85, 2.35"), OUTSIDE, id="typed-paris"),
    pytest.param(event(InboundKind.LOCATION, latitude=48.85, longitude=2.35), OUTSIDE,
                 id="shared-paris"),
    pytest.param(event(InboundKind.LOCATION, latitude=0.0, longitude=0.0), OUTSIDE,
                 id="shared-null-island-gps-not-locked"),
    pytest.param(text("0, 0"), OUTSIDE, id="typed-null-island"),
    pytest.param(text("14.6, 120.98"), OUTSIDE, id="manila-north-of-the-box"),
    pytest.param(text("-33.87, 151.21"), OUTSIDE, id="sydney"),
    pytest.param(text("6.6, 100"), OUTSIDE, id="just-north"),
    pytest.param(text("-11.6, 120"), OUTSIDE, id="just-south"),
    pytest.param(text("-2, 94.4"), OUTSIDE, id="just-west"),
    pytest.param(text("-6.97, 141.6"), OUTSIDE, id="just-east"),
    pytest.param(text("-90, 180"), OUTSIDE, id="extreme-sw"),
    pytest.param(text("90, -180"), OUTSIDE, id="extreme-ne"),
    pytest.param(event(InboundKind.LOCATION, latitude=-90.0, longitude=180.0), OUTSIDE,
                 id="shared-extreme"),
    # A shared location comes from the phone's GPS: never read swapped.
    pytest.param(event(InboundKind.LOCATION, latitude=108.48, longitude=-6.97),
                 "answer.location_out_of_range", id="shared-swapped-is-not-turned-round"),
    pytest.param(text("di rumah pak RT"), "answer.need_location", id="words"),
    pytest.param(text("-6.97"), "answer.need_location", id="latitude-only"),
    pytest.param(text("-6.97, 108.48, 5"), "answer.need_location", id="three-numbers"),
    pytest.param(text(""), "answer.need_location", id="empty"),
    pytest.param(STICKER, "answer.need_location", id="sticker"),
    pytest.param(PHOTO, "answer.need_location", id="photo"),
]  # fmt: skip


@pytest.mark.parametrize(("inbound", "key"), GEOPOINT_INVALID)
def test_parse_geopoint_refuses(inbound, key):
    assert_invalid(parse_geopoint, inbound, key)


# --------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------
IMAGE_CASES = [
    pytest.param(PHOTO, {"channel": "test", "ref": "AgACAgIAAxkBAAIB"}, None, id="photo"),
    pytest.param(
        PHOTO_WITH_CAPTION, {"channel": "test", "ref": "AgACAgIAAxkBAAIB"}, None,
        id="photo-with-caption",
    ),
    pytest.param(event(InboundKind.PHOTO, photo_ref=""), None, "answer.need_photo",
                 id="photo-without-ref"),
    pytest.param(event(InboundKind.PHOTO), None, "answer.need_photo", id="photo-ref-none"),
    pytest.param(text("foto rumah"), None, "answer.need_photo", id="text"),
    pytest.param(STICKER, None, "answer.need_photo", id="sticker"),
    pytest.param(event(InboundKind.OTHER, other_type="document"), None, "answer.need_photo",
                 id="document"),
    pytest.param(LOCATION, None, "answer.need_photo", id="location"),
]  # fmt: skip


@pytest.mark.parametrize(("inbound", "value", "key"), IMAGE_CASES)
def test_parse_image(inbound, value, key):
    if key is None:
        assert parse_image(inbound) == Answer(value, "📷")
    else:
        assert_invalid(parse_image, inbound, key)


# --------------------------------------------------------------------------------------
# NIK and KK answers: stored in full, restated masked
# --------------------------------------------------------------------------------------
NIK_ANSWER_VALID = [
    pytest.param(
        "3208014506230001", "3208014506230001", "320801******0001",
        {"sex": "P", "birth_date": "2023-06-05", "region": "32.08.01"}, id="girl-2023",
    ),
    pytest.param(
        "3208 0112 0395 0002", "3208011203950002", "320801******0002",
        {"sex": "L", "birth_date": "1995-03-12", "region": "32.08.01"}, id="man-1995-spaced",
    ),
    pytest.param(
        "31.71.01.250180.0004", "3171012501800004", "317101******0004",
        {"sex": "L", "birth_date": "1980-01-25", "region": "31.71.01"}, id="jakarta-dotted",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "value", "display", "extra"), NIK_ANSWER_VALID)
def test_parse_nik_answer_accepts(typed, value, display, extra):
    answer = parse_nik_answer(text(typed), today=TODAY)
    assert answer == Answer(value, display, extra)
    assert value not in answer.display


NIK_ANSWER_INVALID = [
    pytest.param(text("320801450623001"), "identifier.wrong_length", id="15-digits"),
    pytest.param(text("32080145062300011"), "identifier.wrong_length", id="17-digits"),
    pytest.param(text("3208O14506230001"), "identifier.not_digits", id="letter"),
    pytest.param(text("3208013102950001"), "identifier.nik_bad_date", id="31-february"),
    pytest.param(text("3208010112260001"), "identifier.nik_bad_date", id="future"),
    pytest.param(text("3208014506230000"), "identifier.bad_serial", id="serial-0000"),
    pytest.param(text(""), "identifier.not_digits", id="empty"),
    pytest.param(text("KNG-2026-000103"), "answer.case_number.nik", id="case-number"),
    pytest.param(STICKER, "answer.need_nik", id="sticker"),
    pytest.param(PHOTO_WITH_CAPTION, "answer.need_nik", id="photo-with-nik-caption"),
]


@pytest.mark.parametrize(("inbound", "key"), NIK_ANSWER_INVALID)
def test_parse_nik_answer_refuses(inbound, key):
    with pytest.raises(Invalid) as caught:
        parse_nik_answer(inbound, today=TODAY)
    assert caught.value.key == key


KK_ANSWER_VALID = [
    pytest.param("3208011506230001", "3208011506230001", "320801******0001", "32.08.01",
                 id="plain"),
    pytest.param("3171-0101-0110-0002", "3171010101100002", "317101******0002", "31.71.01",
                 id="dashes"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "value", "display", "region"), KK_ANSWER_VALID)
def test_parse_kk_answer_accepts(typed, value, display, region):
    answer = parse_kk_answer(text(typed), today=TODAY)
    assert answer == Answer(value, display, {"region": region})


KK_ANSWER_INVALID = [
    pytest.param(text("3208014506230001"), "identifier.kk_looks_like_nik", id="day-45-a-nik"),
    pytest.param(text("3208013506230001"), "identifier.kk_bad_date", id="day-35"),
    pytest.param(text("3208011506230000"), "identifier.bad_serial", id="serial-0000"),
    pytest.param(text("320801150623001"), "identifier.wrong_length", id="15-digits"),
    pytest.param(text("KK3208011506230001"), "identifier.not_digits", id="prefix"),
    pytest.param(text(" KNG-2026-103."), "answer.case_number.kk", id="case-number"),
    pytest.param(STICKER, "answer.need_kk", id="sticker"),
]


@pytest.mark.parametrize(("inbound", "key"), KK_ANSWER_INVALID)
def test_parse_kk_answer_refuses(inbound, key):
    with pytest.raises(Invalid) as caught:
        parse_kk_answer(inbound, today=TODAY)
    assert caught.value.key == key


MISSING_TYPED = [
    pytest.param("tidak ada", "tidak_punya", id="tidak-ada"),
    pytest.param("Tidak punya", "tidak_punya", id="button-label-typed"),
    pytest.param("belum ada", "tidak_punya", id="belum-ada"),
    pytest.param("BELUM PUNYA KK!", "tidak_punya", id="with-kk-and-shouting"),
    pytest.param("tdk ada nik", "tidak_punya", id="abbreviated-with-nik"),
    pytest.param("nggak punya nomor kartu keluarga", "tidak_punya", id="naming-the-card"),
    pytest.param("tidak tahu", "tidak_tahu", id="tidak-tahu"),
    pytest.param("gak tau", "tidak_tahu", id="gak-tau"),
    pytest.param("Lupa.", "tidak_tahu", id="lupa"),
    pytest.param("ada", None, id="ada"),
    pytest.param("tidak", None, id="tidak-alone"),
    pytest.param("kk", None, id="only-the-card"),
    pytest.param("3208011210190005", None, id="a-number"),
    pytest.param("tidak ada di rumah", None, id="a-sentence"),
]


@pytest.mark.parametrize(("typed", "missing"), MISSING_TYPED)
def test_typed_missing_number(typed, missing):
    assert typed_missing(text(typed)) == missing


def test_typed_missing_number_is_only_text():
    assert typed_missing(BUTTON) is None
    assert typed_missing(TEXT_NONE) is None


# --------------------------------------------------------------------------------------
# Phone answers
# --------------------------------------------------------------------------------------
PHONE_ANSWER_VALID = [
    pytest.param(CONTACT, "+6281234567890", True, id="contact-from-sender-verified"),
    pytest.param(
        event(InboundKind.CONTACT, contact_phone="+6281234567890", contact_is_sender=False),
        "+6281234567890", False, id="contact-of-someone-else-unverified",
    ),
    pytest.param(
        event(InboundKind.CONTACT, contact_phone="081234567890"), "+6281234567890", False,
        id="contact-default-not-sender",
    ),
    pytest.param(text("081234567890"), "+6281234567890", False, id="typed-unverified"),
    pytest.param(text("+62 812-3456-7890"), "+6281234567890", False, id="typed-e164-spaced"),
    pytest.param(text("(0812) 3456 7890"), "+6281234567890", False, id="typed-parentheses"),
    # WhatsApp vouches for the number a message comes from: typed, it is verified too.
    pytest.param(
        event(InboundKind.TEXT, text="0857-1234-5678", sender_phone="+6285712345678"),
        "+6285712345678", True, id="typed-sender-own-number-verified",
    ),
    pytest.param(
        event(InboundKind.TEXT, text="0812 3456 7890", sender_phone="+6285712345678"),
        "+6281234567890", False, id="typed-other-than-sender-unverified",
    ),
    pytest.param(
        event(InboundKind.CONTACT, contact_phone="081234567890", sender_phone="6281234567890"),
        "+6281234567890", True, id="contact-equal-to-sender-verified",
    ),
    # One number in a sentence is that number (QA walk 15: "tidak dikenali").
    pytest.param(text("ini no sy 0812-3450-0001"), "+6281234500001", False, id="in-a-sentence"),
    pytest.param(
        text("HP saya +62 812 3450 0001 pak"), "+6281234500001", False, id="e164-in-a-sentence"
    ),
    pytest.param(
        text("wa 081234500001 / 0812 3450 0001"), "+6281234500001", False, id="twice-the-same"
    ),
]  # fmt: skip


@pytest.mark.parametrize(("inbound", "e164", "verified"), PHONE_ANSWER_VALID)
def test_parse_phone_answer_accepts(inbound, e164, verified):
    answer = parse_phone_answer(inbound)
    assert answer == Answer({"e164": e164, "verified": verified}, e164)
    assert answer.value["verified"] is verified


PHONE_ANSWER_INVALID = [
    pytest.param(text("0221234567"), "identifier.phone_not_mobile", id="typed-landline"),
    pytest.param(
        event(InboundKind.CONTACT, contact_phone="62221234567", contact_is_sender=True),
        "identifier.phone_not_mobile",
        id="shared-landline",
    ),
    pytest.param(text("0812"), "identifier.phone_invalid", id="too-short"),
    pytest.param(text("nomor saya"), "identifier.phone_invalid", id="words"),
    pytest.param(
        text("081234500001 atau 081234500002"), "identifier.phone_invalid", id="two-numbers"
    ),
    pytest.param(text("no sy 08123"), "identifier.phone_invalid", id="short-in-a-sentence"),
    pytest.param(text(""), "identifier.phone_invalid", id="empty"),
    pytest.param(
        event(InboundKind.CONTACT, contact_phone=None), "answer.need_phone", id="contact-no-phone"
    ),
    pytest.param(STICKER, "answer.need_phone", id="sticker"),
    pytest.param(PHOTO, "answer.need_phone", id="photo"),
]


@pytest.mark.parametrize(("inbound", "key"), PHONE_ANSWER_INVALID)
def test_parse_phone_answer_refuses(inbound, key):
    assert_invalid(parse_phone_answer, inbound, key)


# --------------------------------------------------------------------------------------
# A sticker or photo where text is expected: each text-reading parser says what its own
# question wants typed (QA walk 3: "Mohon jawab dengan mengetik teks." at a location question)
# --------------------------------------------------------------------------------------
TEXT_PARSERS = [
    pytest.param(lambda e: parse_text(e, max_length=100), "answer.need_text", id="text"),
    pytest.param(parse_integer, "answer.need_integer", id="integer"),
    pytest.param(parse_decimal, "answer.need_decimal", id="decimal"),
    pytest.param(lambda e: parse_date(e, today=TODAY), NEED_PAST_DATE, id="date"),
    pytest.param(lambda e: parse_age(e, today=TODAY), "answer.need_age", id="age"),
    pytest.param(parse_geopoint, "answer.need_location", id="geopoint"),
    pytest.param(lambda e: parse_nik_answer(e, today=TODAY), "answer.need_nik", id="nik"),
    pytest.param(lambda e: parse_kk_answer(e, today=TODAY), "answer.need_kk", id="kk"),
    pytest.param(parse_phone_answer, "answer.need_phone", id="phone"),
    pytest.param(parse_time, "answer.need_time", id="time"),
]
NON_TEXT_EVENTS = [
    pytest.param(STICKER, id="sticker"),
    pytest.param(PHOTO, id="photo"),
    pytest.param(PHOTO_WITH_CAPTION, id="photo-with-caption"),
    pytest.param(VOICE, id="voice"),
]


@pytest.mark.parametrize("inbound", NON_TEXT_EVENTS)
@pytest.mark.parametrize(("parse", "key"), TEXT_PARSERS)
def test_non_text_where_text_expected(parse, key, inbound):
    assert_invalid(parse, inbound, key)


@pytest.mark.parametrize(
    ("typed", "value", "display"),
    [
        ("08.00", "08:00", "08.00"),
        ("8", "08:00", "08.00"),
        ("8:30", "08:30", "08.30"),
        ("0830", "08:30", "08.30"),
        ("1600", "16:00", "16.00"),
        ("jam 8 pagi", "08:00", "08.00"),  # it was "too long (10 huruf)"
        ("Pukul 08.00 WIB", "08:00", "08.00"),
        ("jam 3 sore", "15:00", "15.00"),
        ("1 siang", "13:00", "13.00"),
        ("12 siang", "12:00", "12.00"),
        ("7 malam", "19:00", "19.00"),
        ("12 malam", "00:00", "00.00"),
        ("setengah 9", "08:30", "08.30"),  # half (an hour before) nine
        ("setengah 1 siang", "12:30", "12.30"),
        ("15.00 sore", "15:00", "15.00"),
        ("23.59", "23:59", "23.59"),
        ("setengah 12 malam", "23:30", "23.30"),
        ("8 pagi.", "08:00", "08.00"),
        ("16.00 WIB.", "16:00", "16.00"),
    ],
)
def test_parse_time_accepts(typed, value, display):
    answer = parse_time(text(typed))
    assert (answer.value, answer.display) == (value, display)


TIME_INVALID = [
    pytest.param(text("25"), "answer.time_impossible", id="hour-25"),
    pytest.param(text("8.75"), "answer.time_impossible", id="minute-75"),
    pytest.param(text("15 pagi"), "answer.time_impossible", id="afternoon-hour-in-the-morning"),
    pytest.param(text("9 sore"), "answer.time_impossible", id="nine-in-the-afternoon"),
    pytest.param(text("setengah 8.30"), "answer.time_impossible", id="half-with-minutes"),
    pytest.param(text("delapan"), "answer.need_time", id="in-words"),
    pytest.param(text("8 9"), "answer.need_time", id="two-numbers"),
    pytest.param(text("jam"), "answer.need_time", id="no-number"),
]


@pytest.mark.parametrize(("inbound", "key"), TIME_INVALID)
def test_parse_time_refuses(inbound, key):
    assert_invalid(parse_time, inbound, key)


def test_invalid_carries_key_and_values():
    error = Invalid("answer.too_long", limit=5, length=6)
    assert isinstance(error, ValueError)
    assert error.key == "answer.too_long"
    assert error.values == {"limit": 5, "length": 6}


def _all_expected_keys() -> set[str]:
    tables = [
        TEXT_INVALID,
        INTEGER_INVALID,
        DECIMAL_INVALID,
        DATE_INVALID,
        TIME_INVALID,
        GEOPOINT_INVALID,
        NIK_ANSWER_INVALID,
        KK_ANSWER_INVALID,
        PHONE_ANSWER_INVALID,
    ]
    keys = {value for table in tables for p in table for value in p.values if _is_key(value)}
    keys |= {p.values[2] for p in IMAGE_CASES if p.values[2]}
    return keys


def _is_key(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("answer.", "identifier."))


def test_every_expected_key_is_in_the_catalogue():
    catalog = Catalog.load()
    keys = _all_expected_keys()
    assert len(keys) > 15
    assert sorted(key for key in keys if not catalog.has(key)) == []


def test_too_long_values_fill_the_catalogue_text():
    catalog = Catalog.load()
    with pytest.raises(Invalid) as caught:
        parse_text(text("abcdef"), max_length=5)
    message = catalog.text("id", caught.value.key, **caught.value.values)
    assert "5" in message and "6" in message


@pytest.mark.parametrize(
    ("typed", "value"), [("45 menit", 45), ("45menit", 45), ("45 Menit.", 45), ("lima menit", 5)]
)
def test_parse_integer_drops_the_question_s_own_unit(typed, value):
    assert parse_integer(text(typed), ["menit"]).value == value
