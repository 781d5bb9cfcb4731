"""max() and min() of a repeat group's question, read from outside the group (XLSForm's
aggregates over a repeat): on a small form of its own, driven through the engine, and the
checks that make a form using them wrongly fail to load."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import FormDriver, _q, t
from test_engine_features import make_form, repeat

from handlers.forms.loading import form_from_data
from handlers.forms.model import Form, FormError
from handlers.forms.state import prefilled_state

REFUSED = "⚠️ Semua anak: yang bersangkutan belum bisa setuju."


def consent_form() -> Form:
    """Children with an age; "sendiri" (the person) consents only if one is 18 or older."""
    return make_form(
        repeat(
            "anak",
            _q("text", "nama", "Nama?", "Nama"),
            _q("integer", "umur", "Umur (tahun)?", "Umur", required=False),
        ),
        _q(
            "select_one",
            "setuju",
            "Siapa yang setuju?",
            "Setuju",
            constraint=". != 'sendiri' or not(max(${umur}) < 18)",
            constraint_message={"id": "Semua anak: yang bersangkutan belum bisa setuju."},
            choices=[
                {"name": "sendiri", "label": {"id": "Sendiri"}},
                {"name": "wali", "label": {"id": "Wali"}},
            ],
        ),
    )


async def members(*ages: str | None) -> FormDriver:
    """The form started and its members given (None: the age skipped, unknown)."""
    driver = FormDriver(consent_form())
    await driver.start()
    for number, age in enumerate(ages):
        if number:
            await driver.tap("Ya")
        await driver.send_text(f"Anak {number + 1}")
        await driver.send_text(age if age is not None else t("form.skip"))
    await driver.tap("Tidak")
    assert driver.current() == "setuju"
    return driver


async def test_only_children_refuse_the_person_and_ask_again() -> None:
    driver = await members("5", "17")
    await driver.tap("Sendiri")
    assert driver.last_text.startswith(REFUSED)
    assert "Siapa yang setuju?" in driver.last_text
    assert "setuju" not in driver.answers
    await driver.tap("Wali")
    assert driver.answers["setuju"] == {"name": "wali", "label": "Wali"}


@pytest.mark.parametrize("ages", [("5", "18"), ("40",), ("5", None), (None,)])
async def test_an_adult_or_an_unknown_age_lets_the_person_consent(
    ages: tuple[str | None, ...],
) -> None:
    driver = await members(*ages)
    await driver.tap("Sendiri")
    assert driver.answers["setuju"] == {"name": "sendiri", "label": "Sendiri"}


async def test_an_age_changed_on_the_summary_is_checked_again_on_sending() -> None:
    form = consent_form()
    driver = FormDriver(form)
    answers: dict[str, Any] = {
        "anak": [{"nama": "Ayu", "umur": 30}],
        "setuju": {"name": "sendiri", "label": "Sendiri"},
    }
    driver.state = prefilled_state(form, answers)
    await driver.start()
    driver.state["answers"]["anak"][0]["umur"] = 7  # as an edit from the summary leaves it
    await driver.tap(t("form.submit"))
    assert not driver.finished
    assert driver.last_text.startswith(REFUSED)
    await driver.tap("Wali")
    await driver.tap(t("form.submit"))
    assert driver.finished


def _form_data(*items: dict[str, Any]) -> dict[str, Any]:
    return {"id": "agregat", "version": 1, "title": {"id": "Agregat"}, "items": list(items)}


def test_max_and_min_must_name_a_question_of_a_repeat_group() -> None:
    data = _form_data(
        _q("integer", "jumlah", "Jumlah?"),
        _q("integer", "lagi", "Lagi?", constraint=". >= min(${jumlah})"),
    )
    with pytest.raises(FormError, match=r"'jumlah' is no repeat group's question"):
        form_from_data(data, "agregat.yaml")
    grouped = _form_data(
        repeat("anak", _q("integer", "umur", "Umur?")),
        _q("integer", "lagi", "Lagi?", constraint=". >= max(${anak})"),
    )
    with pytest.raises(FormError, match=r"'anak' is no repeat group's question"):
        form_from_data(grouped, "agregat.yaml")


def test_a_repeat_question_read_outside_its_group_needs_max_or_min() -> None:
    data = _form_data(
        repeat("anak", _q("integer", "umur", "Umur?")),
        _q("integer", "lagi", "Lagi?", relevant="${umur} < 18"),
    )
    with pytest.raises(FormError, match=r"\$\{umur\} is a question of the repeat group 'anak'"):
        form_from_data(data, "agregat.yaml")
    inside = _form_data(  # inside its own group it is the item's answer
        repeat(
            "anak",
            _q("integer", "umur", "Umur?"),
            _q("text", "sekolah", "Sekolah?", relevant="${umur} >= 7"),
        ),
        _q("integer", "lagi", "Lagi?", relevant="max(${umur}) >= 7"),
    )
    assert form_from_data(inside, "agregat.yaml").question("sekolah").relevant
