"""The ways back of `WaysBack` (handlers/forms/ways_back.py), question type by question type
on a small form of their own (the case report's are walked on both channels in
tests/handlers/test_form_ways_back.py): answered, opened from the summary, "‹ Ke ringkasan"
tapped or "kembali" typed gives the summary back with the answer as it was; the form's
`confirm: false` reads "kembali" as any text (no summary to speak of)."""

from __future__ import annotations

from typing import Any

import pytest
from test_engine import _q, t
from test_engine_features import make_form, started

# (question, a typed answer it takes)
TYPES = [
    (_q("text", "catatan", "Catatan?", "Catatan"), "rumah bocor"),
    (_q("integer", "jumlah", "Berapa orang?", "Jumlah"), "4"),
    (_q("decimal", "berat", "Berat badan (kg)?", "Berat"), "12,5"),
    (_q("date", "tanggal", "Tanggal kunjungan?", "Tanggal", when="past"), "12-11-2026"),
    (_q("time", "jam", "Jam berapa?", "Jam"), "09.30"),
    (_q("age", "umur", "Umurnya?", "Umur"), "5 tahun"),
    (_q("nik", "nik", "NIK?", "NIK", allow_missing=True), "3208014506230003"),
    (_q("kk", "kk", "Nomor KK?", "KK"), "3208011203150002"),
    (_q("phone", "hp", "Nomor HP?", "HP"), "081234567890"),
    (_q("geopoint", "gps", "Lokasi?", "Lokasi"), "-6.97, 108.48"),
]


async def _edited(question: dict[str, Any], typed: str):
    """The form answered and its only question opened again from the summary."""
    driver = await started(make_form(question))
    await driver.send_text(typed)
    assert t("form.summary_title") in driver.last_text, driver.last_text
    answers = dict(driver.answers)
    await driver.send_text("1")
    assert question["label"]["id"] in driver.last_text, driver.last_text
    return driver, answers


@pytest.mark.parametrize("way", ["button", "kembali", "batal ubah"])
@pytest.mark.parametrize(("question", "typed"), TYPES, ids=[q["type"] for q, _ in TYPES])
async def test_every_type_goes_back_to_the_summary_unchanged(question, typed, way) -> None:
    driver, answers = await _edited(question, typed)
    assert driver.labels()[-1] == t("form.to_summary"), driver.labels()
    if way == "button":
        await driver.tap(t("form.to_summary"))
    else:
        await driver.send_text(way)
    assert driver.last_text.startswith(f"<b>{t('form.summary_title')}</b>"), driver.last_text
    assert driver.answers == answers and driver.state["editing"] is None


async def test_kembali_while_filling_is_told_the_summary_comes() -> None:
    driver = await started(make_form(TYPES[3][0], TYPES[1][0]))
    await driver.send_text("12-11-2026")
    await driver.send_text("kembali")
    assert driver.last_text.startswith(t("form.back_later")), driver.last_text
    assert "Berapa orang?" in driver.last_text and t("form.to_summary") not in driver.labels()
    assert "jumlah" not in driver.answers and driver.answers["tanggal"] == "2026-11-12"


async def test_a_form_with_no_summary_takes_kembali_as_its_answer() -> None:
    driver = await started(make_form(TYPES[0][0], confirm=False))
    await driver.send_text("kembali")
    assert driver.finished and driver.answers["catatan"] == "kembali"
