"""A relative day ("Hari ini", "Kemarin") means the day it was picked, even when the form
is sent after midnight (a TKSK recording a visit late in the evening)."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.events import Inbound, InboundKind
from handlers.forms.engine import FormEngine, StepContext, new_state
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from handlers.review.visits import visit_date
from tests.handlers.forms.test_engine import StubChoices

PICKED_ON = date(2026, 12, 1)
SENT_ON = PICKED_ON + timedelta(days=1)
CATALOG = Catalog.load()


def _engine(today: date, rev: int) -> FormEngine:
    context = StepContext(
        catalog=CATALOG,
        language="id",
        today=today,
        choices=StubChoices(),
        session_id=1,
        next_rev=rev + 1,
    )
    return FormEngine(load_forms()["followup_visit"], context)


def _text(text: str) -> Inbound:
    return Inbound(
        channel="telegram", external_user_id="1", chat_id="1", kind=InboundKind.TEXT, text=text
    )


async def _picked(word: str) -> dict:
    started = await _engine(PICKED_ON, 0).start(new_state())
    return (await _engine(PICKED_ON, 1).step(started.state, _text(word), 1)).state


async def test_kemarin_is_the_day_before_the_pick_not_before_the_sending() -> None:
    state = await _picked("kemarin")
    derived = state["derived"]["visit_day"]
    assert derived == {"day": "2026-11-30"}
    assert visit_date(state["answers"], SENT_ON, derived) == date(2026, 11, 30)


async def test_hari_ini_is_the_day_it_was_picked() -> None:
    state = await _picked("hari ini")
    assert visit_date(state["answers"], SENT_ON, state["derived"]["visit_day"]) == PICKED_ON


def test_a_form_of_the_first_version_counts_from_the_sending() -> None:
    answers = {"visit_day": {"name": "yesterday", "label": "Kemarin"}}
    assert visit_date(answers, SENT_ON) == PICKED_ON
