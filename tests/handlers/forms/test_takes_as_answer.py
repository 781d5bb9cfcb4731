"""`FormEngine.takes_as_answer`: whether a typed text reads as the answer to the question on
screen, with nothing stored. The router asks it for a command word typed amid a form: where
it is no answer ("jadwal" at the KK question), the command runs as a side trip."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_engine import KK, NIK, FormDriver, _q
from test_engine_features import NOTE, make_form, repeat

from handlers.events import InboundKind

CHOICE = _q(
    "select_one",
    "status",
    "Status kehadiran?",
    "Status",
    choices=[
        {"name": "hadir", "label": {"id": "Hadir"}},
        {"name": "izin", "label": {"id": "Izin"}},
    ],
)
MULTIPLE = {**CHOICE, "type": "select_multiple", "name": "statuses"}
MEMBERS = repeat("anggota", _q("text", "nama", "Nama anggota?", "Nama"))
# (case, the question asked, texts answered first, the text typed, whether it is an answer)
CASES: list[tuple[str, dict[str, Any], list[str], str, bool]] = [
    ("free text: a command word", _q("text", "alamat", "Alamat?", "Alamat"), [], "jadwal", True),
    ("free text: words", _q("text", "alamat", "Alamat?"), [], "jadwal posyandu", True),
    ("KK: a command word", _q("kk", "no_kk", "Nomor KK?"), [], "hadir", False),
    ("KK: the number", _q("kk", "no_kk", "Nomor KK?"), [], KK, True),
    ("NIK: a command word", _q("nik", "nik", "NIK?"), [], "saya", False),
    ("NIK: the number", _q("nik", "nik", "NIK?"), [], NIK, True),
    ("integer: a command word", _q("integer", "jumlah", "Berapa?"), [], "pengingat", False),
    ("integer: a number", _q("integer", "jumlah", "Berapa?"), [], "3", True),
    ("date: a command word", _q("date", "tanggal", "Tanggal?"), [], "jadwal", False),
    ("location: a command word", _q("geopoint", "lokasi", "Lokasi?"), [], "kontak", False),
    ("phone: a command word", _q("phone", "hp", "Nomor HP?"), [], "nomor", False),
    ("photo: a command word", _q("image", "foto", "Foto?", max_count=2), [], "jadwal", False),
    ("choice: no such option", CHOICE, [], "jadwal", False),
    ("choice: an option's name", CHOICE, [], "Hadir", True),
    ("multiple choice: no such option", MULTIPLE, [], "saya", False),
    ("multiple choice: options", MULTIPLE, [], "hadir, izin", True),
    (
        "optional: the skip word",
        _q("integer", "jumlah", "Berapa?", required=False),
        [],
        "lewati",
        True,
    ),
    ("add another?: a command word", MEMBERS, ["Ani"], "jadwal", False),
    ("add another?: no", MEMBERS, ["Ani"], "tidak", True),
]


@pytest.mark.parametrize(
    ("question", "before", "typed", "answer"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
async def test_a_typed_text_reads_as_the_answer_or_not(
    question: dict[str, Any], before: list[str], typed: str, answer: bool
) -> None:
    driver = FormDriver(make_form(question, NOTE))
    await driver.start()
    for text in before:
        await driver.send_text(text)
    state = copy.deepcopy(driver.state)
    event = driver.event(InboundKind.TEXT, text=typed)
    assert await driver.engine().takes_as_answer(driver.state, event) is answer
    assert driver.state == state  # nothing stored


async def test_the_summary_takes_no_typed_words() -> None:
    driver = FormDriver(make_form(_q("text", "alamat", "Alamat?")))
    await driver.start()
    await driver.send_text("Jl. Siliwangi")
    assert driver.state["phase"] == "summary"
    event = driver.event(InboundKind.TEXT, text="jadwal")
    assert await driver.engine().takes_as_answer(driver.state, event) is False
