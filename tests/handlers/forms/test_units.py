"""A number question's `unit` ("menit"): shown after the number wherever the answer is shown
(the acknowledgement, the summary, the default's button), allowed after the number when
typed ("45 menit"), and checked when the form is loaded (only number questions; a short,
non-empty word with an Indonesian text)."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import FormDriver, _q, summary_line

from handlers.forms.loading import form_from_data
from handlers.forms.model import Form, FormError


def _form(*items: dict[str, Any]) -> Form:
    data = {"id": "satuan", "version": 1, "title": {"id": "Satuan"}, "confirm": True}
    return form_from_data({**data, "items": list(items)}, "test_units")


MINUTES = {"id": "menit", "en": "minutes"}
FORM = _form(
    _q("integer", "open_minutes", "Absen dibuka berapa menit sebelum mulai?", "Absen dibuka",
       unit=MINUTES, default="60"),
    _q("decimal", "weight", "Berat badan?", "Berat", unit={"id": "kg"}),
    _q("integer", "household", "Jumlah penghuni?", "Penghuni"),
)  # fmt: skip


async def test_the_unit_follows_the_number_wherever_it_is_shown() -> None:
    driver = FormDriver(FORM)
    await driver.start()
    assert driver.labels()[0] == "✓ 60 menit"  # the default's button
    tapped = await driver.tap("✓ 60 menit")
    assert "Absen dibuka: 60 menit" in "\n".join(m.text or "" for m in tapped.messages)
    await driver.send_text("12,5")
    await driver.send_text("4")
    lines = (driver.last.text or "").splitlines() if driver.last else []
    assert any(summary_line("Absen dibuka", "60 menit").match(line) for line in lines)
    assert any(summary_line("Berat", "12,5 kg").match(line) for line in lines)
    assert any(summary_line("Penghuni", "4").match(line) for line in lines)  # none: bare


@pytest.mark.parametrize("typed", ["45 menit", "45 Menit.", "45menit", " 45 MINUTES "])
async def test_a_number_typed_with_its_unit_is_the_number(typed: str) -> None:
    driver = FormDriver(FORM)
    await driver.start()
    await driver.send_text(typed)
    assert driver.state["answers"]["open_minutes"] == 45


@pytest.mark.parametrize("typed", ["45 jam", "menit", "45 menit lagi"])
async def test_another_word_is_no_number(typed: str) -> None:
    driver = FormDriver(FORM)
    await driver.start()
    await driver.send_text(typed)
    assert "open_minutes" not in driver.state["answers"]
    assert driver.last is not None and "Absen dibuka berapa menit" in (driver.last.text or "")


@pytest.mark.parametrize(
    ("question", "error"),
    [
        (_q("text", "nama", "Nama?", unit=MINUTES), "unit is for integer and decimal"),
        (_q("integer", "n", "Berapa?", unit={"en": "minutes"}), "needs an Indonesian"),
        (_q("integer", "n", "Berapa?", unit={"id": " "}), "unit is a word"),
        (_q("integer", "n", "Berapa?", unit={"id": "menit sebelum mulai"}), "at most 12"),
    ],
)
def test_a_wrong_unit_is_refused_when_the_form_is_loaded(question: dict, error: str) -> None:
    with pytest.raises(FormError, match=error):
        _form(question)
