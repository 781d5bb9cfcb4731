"""A reply typed to WhatsApp's numbered text is read against what was printed
(bot/channels/whatsapp/menu.py): one printed number is that button; a list, or a number not
printed, is handed on number by number with the button printed next to each."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.channels.whatsapp.inbound import to_inbound
from bot.channels.whatsapp.menu import Menu, read_reply, typed_numbers
from bot.channels.whatsapp.outbound import render
from handlers.events import Button, InboundKind, Outbound, Pick
from handlers.forms.engine import FormEngine, StepContext, new_state
from handlers.forms.loading import load_form
from handlers.forms.model import FORMS_DIR
from handlers.i18n import Catalog
from tests.e2e.whatsapp import body_of

CATALOG = Catalog.load()
MENU = Menu({"1": "f3:o0", "2": "f3:o1", "8": "f3:p1", "11": "f3:d"}, message=42)


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        ("1, 8", ["1", "8"]),
        ("1,8", ["1", "8"]),
        ("1 8", ["1", "8"]),
        ("1;8.", ["1", "8"]),
        ("1 dan 8", ["1", "8"]),
        (" 08 , 1 , 8 ", ["8", "1"]),  # each once, in order
        ("99", ["99"]),
        ("389262", None),  # a check-in code, not a pick
        ("1, Stunting", None),
        ("-6.97, 108.48", None),
        ("", None),
    ],
)
def test_typed_numbers(typed: str, numbers: list[str] | None) -> None:
    assert typed_numbers(typed) == numbers


@pytest.mark.parametrize(
    ("typed", "fields"),
    [
        ("8", {"menu_data": "f3:p1"}),
        ("8.", {"menu_data": "f3:p1"}),
        ("08", {"menu_data": "f3:p1"}),
        (
            "1, 8",
            {"menu_picks": [["1", "f3:o0"], ["8", "f3:p1"]], "menu_message": 42},
        ),
        ("99", {"menu_picks": [["99", None]], "menu_message": 42}),
        ("1, 99", {"menu_picks": [["1", "f3:o0"], ["99", None]], "menu_message": 42}),
        ("halo", {}),
        ("Stunting", {}),
    ],
)
def test_a_reply_read_against_the_menu(typed: str, fields: dict) -> None:
    assert read_reply(MENU, typed) == fields


def test_words_only_menus_leave_numbers_as_text() -> None:
    """A location request offers "Lewati" as a word: typed coordinates stay an answer."""
    words = Menu({"lewati": "f3:s"}, message=7)
    assert read_reply(words, "lewati") == {"menu_data": "f3:s"}
    assert read_reply(words, "1, 2") == {}


def test_menus_stored_before_the_message_id_are_still_read() -> None:
    assert Menu.parse(json.dumps({"1": "cp:5"})) == Menu({"1": "cp:5"})
    assert Menu.parse(MENU.stored()) == MENU
    assert Menu.parse("{}") == Menu() and Menu().stored() == "{}"
    assert Menu.parse("not json") == Menu()


def test_the_picks_reach_the_neutral_event() -> None:
    payload = {
        "message": {"from": "628120", "id": "wamid.1", "type": "text", "text": {"body": "1, 8"}},
        "contact": {"wa_id": "628120"},
        **read_reply(MENU, "1, 8"),
    }
    event = to_inbound(payload)
    assert event is not None and event.kind == InboundKind.TEXT and event.text == "1, 8"
    assert event.picks == (Pick(number="1", data="f3:o0"), Pick(number="8", data="f3:p1"))
    assert event.picked_from == 42


def _options(count: int, *, several: bool) -> Outbound:
    buttons = [[Button(label=f"Pilihan nomor {n}", data=f"x:{n}")] for n in range(count)]
    return Outbound(text="Pilih:", buttons=buttons, several=several)


def test_the_several_hint_only_where_several_may_be_picked() -> None:
    single = body_of(render(_options(12, several=False), CATALOG, "id").bodies[-1])
    several = body_of(render(_options(12, several=True), CATALOG, "id").bodies[-1])
    assert CATALOG.text("id", "whatsapp.type_number") in single and "1,3,5" not in single
    assert CATALOG.text("id", "whatsapp.type_numbers") in several and "1,3,5" in several


async def test_the_case_report_categories_read_as_printed() -> None:
    """The QA's screen: "1, 8" is Stunting and the "PPKS anak" group, as printed."""
    form = load_form(FORMS_DIR / "case_report.yaml")
    state = new_state()
    state["editing"] = ["categories", None, 0]
    context = StepContext(
        catalog=CATALOG,
        language="id",
        today=date(2026, 12, 1),
        choices=None,  # type: ignore[arg-type]  # static choices: no source asked
        session_id=1,
        next_rev=3,
    )
    question = (await FormEngine(form, context).start(state)).messages[0]
    assert question.several
    rendered = render(question, CATALOG, "id")
    lines = body_of(rendered.bodies[-1]).splitlines()
    assert "1. Stunting" in lines and "8. PPKS anak" in lines
    assert CATALOG.text("id", "whatsapp.type_numbers") in lines
    fields = read_reply(Menu(rendered.menu, message=5), "1, 8")
    by_label = {b.label: b.data for row in question.buttons for b in row}
    assert fields["menu_picks"] == [["1", by_label["Stunting"]], ["8", by_label["PPKS anak"]]]
