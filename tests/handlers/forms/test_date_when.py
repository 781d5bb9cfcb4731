"""Date questions accept past dates by default; `when: future` / `any` for plans (trainings)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.events import Inbound, InboundKind
from handlers.forms.answer_dates import parse_date
from handlers.forms.answers import Invalid
from handlers.forms.loading import form_from_data
from handlers.forms.model import FormError

TODAY = date(2026, 12, 1)


def _text(text: str) -> Inbound:
    return Inbound(
        channel="telegram", external_user_id="1", chat_id="1", kind=InboundKind.TEXT, text=text
    )


def test_past_is_the_default() -> None:
    assert parse_date(_text("30-11-2026"), today=TODAY).value == "2026-11-30"
    with pytest.raises(Invalid) as refused:
        parse_date(_text("2-12-2026"), today=TODAY)
    assert refused.value.key == "answer.date_future"


def test_future_accepts_today_and_later_only() -> None:
    assert parse_date(_text("1-12-2026"), today=TODAY, when="future").value == "2026-12-01"
    assert parse_date(_text("8 Desember 2026"), today=TODAY, when="future").value == "2026-12-08"
    with pytest.raises(Invalid) as refused:
        parse_date(_text("30-11-2026"), today=TODAY, when="future")
    assert refused.value.key == "answer.date_past"


def test_any_accepts_both() -> None:
    for text in ("30-11-2026", "8-12-2026"):
        parse_date(_text(text), today=TODAY, when="any")


def test_when_is_only_for_date_questions() -> None:
    question = {"type": "text", "name": "x", "label": {"id": "X"}, "when": "future"}
    with pytest.raises(FormError, match="when is for date questions"):
        form_from_data({"id": "f", "version": 1, "title": {"id": "F"}, "items": [question]}, "t")
