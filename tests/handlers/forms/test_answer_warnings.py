"""A question's `warning`: an answer it holds for is taken, and `warning_message` is told with
it, the way an age that does not fit the NIK is (a doubt, not a refusal)."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import FormDriver, _edit, _q, t
from test_engine_features import make_form, repeat

from handlers.forms.loading import form_from_data
from handlers.forms.model import Form, FormError

WARNED = "⚠️ Masih anak &amp; sudah istri: periksa lagi."  # the form's text, escaped


def relation_form() -> Form:
    return make_form(
        repeat(
            "anggota",
            _q("integer", "umur", "Umur (tahun)?", "Umur"),
            _q(
                "select_one",
                "hubungan",
                "Hubungan?",
                "Hubungan",
                warning="${umur} < 18 and . = 'istri'",
                warning_message={"id": "Masih anak & sudah istri: periksa lagi."},
                choices=[
                    {"name": "anak", "label": {"id": "Anak"}},
                    {"name": "istri", "label": {"id": "Istri"}},
                ],
            ),
        ),
        _q(
            "integer",
            "penghuni",
            "Penghuni?",
            "Penghuni",
            warning=". > 20",
            warning_message={"id": "Lebih dari 20 orang (${anggota} dilaporkan): benar?"},
        ),
    )


async def _relation(age: str, relation: str) -> FormDriver:
    driver = FormDriver(relation_form())
    await driver.start()
    await driver.send_text(age)
    await driver.tap(relation)
    return driver


@pytest.mark.parametrize(
    ("age", "relation", "warned"),
    [("15", "Istri", True), ("15", "Anak", False), ("30", "Istri", False)],
)
async def test_a_choice_the_warning_holds_for_is_taken_with_the_message(
    age: str, relation: str, warned: bool
) -> None:
    driver = await _relation(age, relation)
    item: dict[str, Any] = driver.answers["anggota"][0]
    assert item["hubungan"]["label"] == relation  # taken either way
    assert (WARNED in driver.last_text) is warned
    assert "Tambah anggota lain?" in driver.last_text  # the form goes on


async def test_a_typed_answer_the_warning_holds_for_is_taken_with_the_message() -> None:
    driver = await _relation("30", "Anak")
    await driver.tap("Tidak")
    await driver.send_text("25")
    assert driver.answers["penghuni"] == 25
    assert "⚠️ Lebih dari 20 orang (1 dilaporkan): benar?" in driver.last_text


async def _at_summary(age: str, relation: str) -> FormDriver:
    driver = await _relation(age, relation)
    await driver.tap("Tidak")
    await driver.send_text("3")
    assert t("form.submit") in driver.labels()
    return driver


async def test_an_edited_answer_that_makes_another_answer_warn_tells_its_warning() -> None:
    """An age edited from the summary under "Istri" is taken with the relation's warning,
    named by its question (the relation was answered when the age was an adult's)."""
    driver = await _at_summary("30", "Istri")
    await _edit(driver, "Umur (1)")
    await driver.send_text("15")
    assert driver.answers["anggota"][0]["umur"] == 15  # taken: a doubt, not a refusal
    assert "⚠️ Hubungan (1): " + WARNED.removeprefix("⚠️ ") in driver.last_text
    assert t("form.submit") in driver.labels()  # back at the summary
    await _edit(driver, "Umur (1)")
    await driver.send_text("16")  # the warning held already: not told again
    assert "Masih anak" not in driver.last_text
    await _edit(driver, "Penghuni")
    await driver.send_text("4")  # an edit that warns about nothing new
    assert "⚠️" not in driver.last_text


async def test_an_edit_that_clears_a_warning_or_warns_itself_tells_no_other() -> None:
    driver = await _at_summary("15", "Istri")
    await _edit(driver, "Umur (1)")
    await driver.send_text("30")
    assert "⚠️" not in driver.last_text
    await _edit(driver, "Penghuni")
    await driver.send_text("25")  # its own warning, once
    assert driver.last_text.count("⚠️") == 1 and "Lebih dari 20 orang" in driver.last_text


def test_a_warning_needs_its_message() -> None:
    data = {
        "id": "peringatan",
        "version": 1,
        "title": {"id": "Peringatan"},
        "items": [_q("integer", "umur", "Umur?", warning=". > 100")],
    }
    with pytest.raises(FormError, match="warning and warning_message go together"):
        form_from_data(data, "peringatan.yaml")
