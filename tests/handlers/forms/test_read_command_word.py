"""`FormEngine.read_command_word`: how a typed text reads at the question on screen, with
nothing stored. The router asks it for a command word typed amid a form: where it is no
answer ("jadwal" at the KK question), the command runs as a side trip; at free text, which
any text answers, a word alone is asked about (handlers/command_or_answer.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_engine import KK, NIK, FormDriver, _q
from test_engine_features import NOTE, make_form, repeat

from handlers.events import InboundKind
from handlers.forms.step import WordReading

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
COMMAND, ANSWER, EITHER = WordReading.COMMAND, WordReading.ANSWER, WordReading.EITHER
# (case, the question asked, texts answered first, the text typed, how it reads)
CASES: list[tuple[str, dict[str, Any], list[str], str, WordReading]] = [
    ("free text: a command word", _q("text", "alamat", "Alamat?", "Alamat"), [], "jadwal", EITHER),
    ("free text: words", _q("text", "alamat", "Alamat?"), [], "jadwal posyandu", EITHER),
    ("KK: a command word", _q("kk", "no_kk", "Nomor KK?"), [], "hadir", COMMAND),
    ("KK: the number", _q("kk", "no_kk", "Nomor KK?"), [], KK, ANSWER),
    ("NIK: a command word", _q("nik", "nik", "NIK?"), [], "saya", COMMAND),
    ("NIK: the number", _q("nik", "nik", "NIK?"), [], NIK, ANSWER),
    ("integer: a command word", _q("integer", "jumlah", "Berapa?"), [], "pengingat", COMMAND),
    ("integer: a number", _q("integer", "jumlah", "Berapa?"), [], "3", ANSWER),
    ("date: a command word", _q("date", "tanggal", "Tanggal?"), [], "jadwal", COMMAND),
    ("location: a command word", _q("geopoint", "lokasi", "Lokasi?"), [], "kontak", COMMAND),
    ("phone: a command word", _q("phone", "hp", "Nomor HP?"), [], "nomor", COMMAND),
    ("photo: a command word", _q("image", "foto", "Foto?", max_count=2), [], "jadwal", COMMAND),
    ("choice: no such option", CHOICE, [], "jadwal", COMMAND),
    ("choice: an option's name", CHOICE, [], "Hadir", ANSWER),
    ("multiple choice: no such option", MULTIPLE, [], "saya", COMMAND),
    ("multiple choice: options", MULTIPLE, [], "hadir, izin", ANSWER),
    (
        "optional: the skip word",
        _q("integer", "jumlah", "Berapa?", required=False),
        [],
        "lewati",
        ANSWER,
    ),
    ("add another?: a command word", MEMBERS, ["Ani"], "jadwal", COMMAND),
    ("add another?: no", MEMBERS, ["Ani"], "tidak", ANSWER),
]


@pytest.mark.parametrize(
    ("question", "before", "typed", "answer"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
async def test_how_a_typed_text_reads(
    question: dict[str, Any], before: list[str], typed: str, answer: WordReading
) -> None:
    driver = FormDriver(make_form(question, NOTE))
    await driver.start()
    for text in before:
        await driver.send_text(text)
    state = copy.deepcopy(driver.state)
    event = driver.event(InboundKind.TEXT, text=typed)
    assert await driver.engine().read_command_word(driver.state, event) == answer
    assert driver.state == state  # nothing stored


async def test_the_summary_takes_no_typed_words() -> None:
    driver = FormDriver(make_form(_q("text", "alamat", "Alamat?")))
    await driver.start()
    await driver.send_text("Jl. Siliwangi")
    assert driver.state["phase"] == "summary"
    event = driver.event(InboundKind.TEXT, text="jadwal")
    assert await driver.engine().read_command_word(driver.state, event) == COMMAND
