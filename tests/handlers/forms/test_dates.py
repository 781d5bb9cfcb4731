"""Dates as people type them, read in the question's direction (handlers/forms/dates.py):
relative words, weekdays and a day and month without the year. Today is Wednesday
2 December 2026 (Monday-to-Sunday week: Mon 30-11 .. Sun 6-12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from handlers.events import Inbound, InboundKind
from handlers.forms.answer_dates import TwoDates, parse_date
from handlers.forms.answers import Answer, Invalid
from handlers.forms.dates import day_and_date
from handlers.i18n import Catalog

TODAY = date(2026, 12, 2)
CATALOG = Catalog.load()


def _text(text: str) -> Inbound:
    return Inbound(
        channel="telegram", external_user_id="1", chat_id="1", kind=InboundKind.TEXT, text=text
    )


# (typed, the question's direction, the date understood)
READ = [
    ("hari ini", "future", "2026-12-02"),
    ("Hari ini", "past", "2026-12-02"),
    ("besok", "future", "2026-12-03"),
    ("Besok.", "future", "2026-12-03"),
    ("bsk", "future", "2026-12-03"),
    ("tomorrow", "any", "2026-12-03"),
    ("lusa", "future", "2026-12-04"),
    ("kemarin", "past", "2026-12-01"),
    ("kemaren", "any", "2026-12-01"),
    ("kemarin lusa", "past", "2026-11-30"),
    ("kemarin  dulu", "past", "2026-11-30"),
    # "<hari> depan": next week's; Monday is never this week's any more.
    ("senin depan", "future", "2026-12-07"),
    ("Senin Depan", "any", "2026-12-07"),
    ("hari selasa depan", "future", "2026-12-08"),
    ("rabu depan", "future", "2026-12-09"),
    # "<hari>" or "<hari> ini": the coming one for a plan, the last one for a record.
    ("jumat ini", "future", "2026-12-04"),
    ("Jum'at", "future", "2026-12-04"),
    ("sabtu", "future", "2026-12-05"),
    ("hari minggu", "future", "2026-12-06"),
    ("ahad", "future", "2026-12-06"),
    ("senin", "future", "2026-12-07"),
    ("rabu", "future", "2026-12-02"),
    ("senin ini", "past", "2026-11-30"),
    ("jumat", "past", "2026-11-27"),
    ("rabu ini", "any", "2026-12-02"),
    # "<hari> lalu": last week's.
    ("jumat lalu", "past", "2026-11-27"),
    ("rabu kemarin", "past", "2026-11-25"),
    # A day and month without the year: the next one (future), the last one (past), this
    # year's (any).
    ("13/12", "future", "2026-12-13"),
    ("13-12", "future", "2026-12-13"),
    ("13.12", "future", "2026-12-13"),
    ("2-12", "future", "2026-12-02"),
    ("30/11", "future", "2027-11-30"),
    ("5/1", "future", "2027-01-05"),
    ("13 Desember", "future", "2026-12-13"),
    ("13 des.", "future", "2026-12-13"),
    ("29/2", "future", "2028-02-29"),
    ("13/12", "past", "2025-12-13"),
    ("30/11", "past", "2026-11-30"),
    ("2 Desember", "past", "2026-12-02"),
    ("29-2", "past", "2024-02-29"),
    ("13/12", "any", "2026-12-13"),
    ("5 Jan", "any", "2026-01-05"),
    # Full dates are read as before.
    ("9-1-2027", "future", "2027-01-09"),
    ("9 Januari 2027", "future", "2027-01-09"),
]


@pytest.mark.parametrize(("typed", "when", "meant"), READ)
def test_the_date_understood(typed: str, when: str, meant: str) -> None:
    shown = date.fromisoformat(meant).strftime("%d-%m-%Y")
    assert parse_date(_text(typed), today=TODAY, when=when) == Answer(meant, shown)


FUTURE = {"date": "9-12-2026", "day_month": "9-12"}
PAST = {"date": "1-12-2026", "day_month": "1-12"}
ANY = {"date": "2-12-2026", "day_month": "2-12"}
# (typed, direction, catalogue key, its values)
REFUSED = [
    ("besok", "past", "answer.date_future", {}),
    ("lusa", "past", "answer.date_future", {}),
    ("senin depan", "past", "answer.date_future", {}),
    ("jumat depan", "past", "answer.date_future", {}),
    ("kemarin", "future", "answer.date_past", {}),
    ("kemarin lusa", "future", "answer.date_past", {}),
    ("senin lalu", "future", "answer.date_past", {}),
    ("jumat lalu", "future", "answer.date_past", {}),
    # Two dates it may mean: this week's or next (last) week's. Asked, not guessed.
    ("Jumat depan", "future", "answer.date_two_readings",
     {"typed": "Jumat depan", "first": "4-12-2026", "second": "11-12-2026"}),
    ("senin lalu", "past", "answer.date_two_readings",
     {"typed": "senin lalu", "first": "30-11-2026", "second": "23-11-2026"}),
    ("senin", "any", "answer.date_two_readings",
     {"typed": "senin", "first": "30-11-2026", "second": "7-12-2026"}),
    # Last Sunday is this week's as wall calendars count weeks (Sunday to Saturday).
    ("hari minggu lalu", "past", "answer.date_two_readings",
     {"typed": "hari minggu lalu", "first": "29-11-2026", "second": "22-11-2026"}),
    # "minggu depan" is next week, not a Sunday.
    ("minggu depan", "future", "answer.date_week", {"typed": "minggu depan", **FUTURE}),
    ("Minggu ini", "future", "answer.date_week", {"typed": "Minggu ini", **FUTURE}),
    ("minggu lalu", "past", "answer.date_week", {"typed": "minggu lalu", **PAST}),
    ("31/4", "future", "answer.date_impossible", {}),
    ("29/2", "any", "answer.date_impossible", {}),
    ("13/13", "future", "answer.date_impossible", {}),
    ("0-12", "future", "answer.date_impossible", {}),
    # Not a date: the examples are dates near today in the question's direction.
    ("besok pagi", "future", "answer.need_date_when.future", FUTURE),
    ("bulan depan", "future", "answer.need_date_when.future", FUTURE),
    ("kemarin sore", "past", "answer.need_date_when.past", PAST),
    ("13", "any", "answer.need_date_when.any", ANY),
    ("13 Foo", "future", "answer.need_date_when.future", FUTURE),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "when", "key", "values"), REFUSED)
def test_refused(typed: str, when: str, key: str, values: dict[str, str]) -> None:
    with pytest.raises(Invalid) as refused:
        parse_date(_text(typed), today=TODAY, when=when)
    assert (refused.value.key, refused.value.values) == (key, values)
    CATALOG.text("id", key, **values)  # every placeholder is given


@pytest.mark.parametrize("when", ["past", "future", "any"])
def test_the_examples_of_a_refusal_are_answers_the_question_takes(when: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_date(_text("entah"), today=TODAY, when=when)
    for example in refused.value.values.values():
        assert parse_date(_text(example), today=TODAY, when=when)
    word = {"past": "kemarin", "future": "besok", "any": "hari ini"}[when]
    message = CATALOG.text("id", refused.value.key, **refused.value.values)
    assert word in message and "1990" not in message
    assert parse_date(_text(word), today=TODAY, when=when)


SUNDAY = date(2026, 12, 6)
# Said on Sunday 6 December 2026: Monday to Saturday are next week's (Monday to Sunday
# weeks) or this week's (Sunday to Saturday weeks), so "<hari> depan" means one of two.
ON_A_SUNDAY = [
    ("senin depan", ("2026-12-07", "2026-12-14")),
    ("Sabtu depan", ("2026-12-12", "2026-12-19")),
    ("senin", "2026-12-07"),  # the coming Monday, whichever week it is in
    ("hari minggu depan", "2026-12-13"),  # next week's either way
]


@pytest.mark.parametrize(("typed", "meant"), ON_A_SUNDAY)
def test_a_weekday_said_on_a_sunday(typed: str, meant: str | tuple[str, str]) -> None:
    if isinstance(meant, str):
        assert parse_date(_text(typed), today=SUNDAY, when="future").value == meant
        return
    with pytest.raises(TwoDates) as asked:
        parse_date(_text(typed), today=SUNDAY, when="future")
    assert tuple(day.isoformat() for day in asked.value.readings) == meant


def test_minggu_depan_said_on_a_sunday_is_still_a_week() -> None:
    with pytest.raises(Invalid) as refused:
        parse_date(_text("minggu depan"), today=SUNDAY, when="future")
    assert refused.value.key == "answer.date_week"


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_date_shown_back_names_its_day_and_fits_a_button(language: str) -> None:
    week = [date(2026, 12, 6) + timedelta(days=n) for n in range(7)]  # Sunday .. Saturday
    shown = [day_and_date(day, language) for day in week]
    assert shown[1] == {"id": "Senin, 07-12-2026", "en": "Mon, 07-12-2026"}[language]
    for label in shown:  # a suggested date's button, "✓ Minggu, 06-12-2026"
        assert len(CATALOG.text(language, "form.use_default", value=label)) <= 20, label
