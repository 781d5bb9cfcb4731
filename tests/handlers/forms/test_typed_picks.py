"""Numbers typed back to options a channel printed as numbered text (`Inbound.picks`): the
channel read each number as the button printed next to it; the engine takes a list as that
many taps on a multiple choice's options, and refuses by its number anything else in it (a
number not printed, a choice group, "done", an older list), storing nothing.

The case report's categories question is the real one (choice groups, as the WhatsApp QA
found it: "1, 8" stored "Stunting, Balita telantar" while 8 on screen was "PPKS anak")."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import FormDriver, t
from test_engine_features import NOTE, make_form

from handlers.events import InboundKind, Pick
from handlers.forms.loading import load_form
from handlers.forms.model import FORMS_DIR

CATEGORIES = load_form(FORMS_DIR / "case_report.yaml").question("categories")
CATEGORY_FORM = make_form(CATEGORIES.model_dump(exclude_none=True), NOTE)
SINGLE_FORM = make_form(
    {
        "type": "select_one",
        "name": "urgency",
        "label": {"id": "Seberapa mendesak?"},
        "short": {"id": "Urgensi"},
        "choices": [{"name": n, "label": {"id": n.title()}} for n in ("biasa", "segera")],
    },
    NOTE,
)


async def _categories() -> FormDriver:
    driver = FormDriver(CATEGORY_FORM)
    await driver.start()
    return driver


async def _type(driver: FormDriver, *picks: tuple[str, str | None], text: str = "") -> None:
    """Typed numbers as the channel read them: (number, button data printed next to it)."""
    typed = text or ", ".join(number for number, _ in picks)
    event = driver.event(
        InboundKind.TEXT,
        text=typed,
        picks=tuple(Pick(number=number, data=data) for number, data in picks),
    )
    await driver.send(event)


def _data(driver: FormDriver, label: str) -> str:
    return driver.button(label).data


async def test_each_number_is_a_tap_on_the_option_printed_next_to_it() -> None:
    driver = await _categories()
    await _type(driver, ("1", _data(driver, "Stunting")), ("5", _data(driver, "Rumah tak layak")))
    assert driver.state["picking"] == ["stunting", "rtlh"]
    assert "categories" not in driver.answers  # still open: "done" closes it
    assert driver.last is not None and driver.last.type == "text"  # not an edit of their text
    assert t("form.picked_so_far", chosen="Stunting, Rumah tak layak huni") in driver.last_text
    await _type(
        driver, ("1", _data(driver, "Stunting")), ("3", _data(driver, "Sulit akses berobat"))
    )
    assert driver.state["picking"] == ["rtlh", "sulit_akses_kesehatan"]  # 1 unticked


async def test_the_qa_journey_a_group_in_the_list_stores_nothing() -> None:
    """ "1, 8" where 8 is "PPKS anak" (a group header), then the group opened, then "1"
    (Stunting, not on that screen): each refused by its number, nothing ticked or stored."""
    driver = await _categories()
    await _type(driver, ("1", _data(driver, "Stunting")), ("8", _data(driver, "PPKS anak")))
    assert driver.last_text.startswith("⚠️ " + t("answer.number_not_an_option", number="8"))
    assert driver.state["picking"] == [] and "categories" not in driver.answers

    await driver.tap("PPKS anak")
    assert "Balita telantar" in driver.labels()
    await _type(driver, ("1", None))  # not printed on this screen
    assert driver.last_text.startswith("⚠️ " + t("answer.number_not_listed", number="1"))
    assert driver.state["picking"] == [] and "categories" not in driver.answers

    await _type(
        driver, ("8", _data(driver, "Balita telantar")), ("9", _data(driver, "Anak telantar"))
    )
    await driver.tap(t("form.done_picking"))
    assert [v["name"] for v in driver.answers["categories"]] == [
        "anak_balita_telantar",
        "anak_telantar",
    ]


@pytest.mark.parametrize(
    ("label", "key"),
    [
        (None, "answer.number_not_listed"),
        ("done", "answer.number_not_an_option"),
        ("PPKS lainnya", "answer.number_not_an_option"),
        ("old", "answer.number_outdated"),
    ],
)
async def test_anything_but_an_option_refuses_the_whole_list(label: str | None, key: str) -> None:
    driver = await _categories()
    await driver.tap("Stunting")  # ticked before: stays ticked, nothing else changes
    picking = list(driver.state["picking"])
    data: Any
    if label == "done":
        data = _data(driver, t("form.done_picking"))
    elif label == "old":
        data = driver.data("o2", driver.rev - 1)  # the option, from the list before the tick
    elif label is not None:
        data = _data(driver, label)
    else:
        data = None
    await _type(driver, ("4", _data(driver, "Sulit akses sekolah")), ("12", data))
    assert driver.last_text.startswith("⚠️ " + t(key, number="12"))
    assert driver.state["picking"] == picking and "categories" not in driver.answers


async def test_a_list_on_a_single_choice_asks_for_one_number() -> None:
    driver = FormDriver(SINGLE_FORM)
    await driver.start()
    await _type(driver, ("1", _data(driver, "Biasa")), ("2", _data(driver, "Segera")))
    assert driver.last_text.startswith("⚠️ " + t("answer.one_number"))
    assert "urgency" not in driver.answers and option_count(driver) == 2
    await _type(driver, ("7", None))
    assert driver.last_text.startswith("⚠️ " + t("answer.number_not_listed", number="7"))
    assert "urgency" not in driver.answers


def option_count(driver: FormDriver) -> int:
    return sum(1 for label in driver.labels() if label in ("Biasa", "Segera"))


@pytest.mark.parametrize("typed", ["8", "1, 8", "8 9"])
async def test_a_number_beyond_the_group_on_screen_is_refused(typed: str) -> None:
    """Telegram prints no numbers: a number counts the option buttons of the choice group on
    screen (7 local priorities), so 8 is none of them, whatever the form's own index: refused
    by its number, nothing ticked or stored; the 8th button is the next group's, named so
    (QA walk 10)."""
    driver = await _categories()
    await driver.send_text(typed)
    refused = t("answer.number_is_a_button", number="8", numbers="1–7", button="PPKS anak")
    assert driver.last_text.startswith("⚠️ " + refused), driver.last_text
    assert driver.state["picking"] == [] and "categories" not in driver.answers


async def test_typed_numbers_count_the_group_on_screen() -> None:
    """ "1" on the first group ticks Stunting; the "PPKS anak" group opened, "1, 2" ticks its
    first two buttons (not the form's options 1 and 2); the ticks add up, "done" closes."""
    driver = await _categories()
    await driver.send_text("1")
    assert driver.state["picking"] == ["stunting"] and "categories" not in driver.answers
    await driver.tap("PPKS anak")
    await driver.send_text("1, 2")
    assert driver.state["picking"] == ["stunting", "anak_balita_telantar", "anak_telantar"]
    await driver.tap(t("form.done_picking"))
    assert [v["name"] for v in driver.answers["categories"]] == [
        "stunting",
        "anak_balita_telantar",
        "anak_telantar",
    ]


async def test_names_still_pick_across_groups() -> None:
    driver = await _categories()
    await driver.send_text("stunting, balita telantar")
    assert [v["name"] for v in driver.answers["categories"]] == [
        "stunting",
        "anak_balita_telantar",
    ]


async def test_numbers_count_a_flat_screen_as_shown() -> None:
    """All options on one screen, no groups: "2" is the second option shown."""
    driver = FormDriver(SINGLE_FORM)
    await driver.start()
    await driver.send_text("2")
    assert driver.answers["urgency"] == {"name": "segera", "label": "Segera"}
