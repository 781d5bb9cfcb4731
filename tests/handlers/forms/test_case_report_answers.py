"""The case report's own rules, on the real form (forms/case_report.yaml): household names
(letters of any script, no digits or emoji; commas since version 4), a household at least as
large as the members reported (count() of the members repeat), and answers from elsewhere (a
case sent back) checked against them before the report is sent."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_engine import FormDriver, t

from handlers.forms.loading import form_from_data, load_forms
from handlers.forms.model import FormError
from handlers.forms.state import prefilled_state
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST

FORM = load_forms()["case_report"]
NAME_REFUSED = "⚠️ Nama berisi huruf (minimal 2), boleh dengan spasi, titik, koma, tanda petik"


def driver_with(answers: dict[str, Any], *, closed: bool = True) -> FormDriver:
    """A session of the case report holding `answers` (the members said complete)."""
    driver = FormDriver(FORM)
    driver.state["answers"] = copy.deepcopy(answers)
    driver.state["closed"] = ["members"] if closed else []
    return driver


@pytest.mark.parametrize(
    "name",
    [
        "Hj. Siti",
        "Muh. Ali",
        "I Made",
        "Ni Luh Putu",
        "Slamet Riyadi",
        "Ma'ruf",
        "Ma’ruf",  # a phone's typographic apostrophe
        "Abdul-Rahman",
        "H. Ahmad Fauzi, S.Pd.",  # a degree after the name, as the KK writes it (version 4)
        "Dr. Siti Aminah, M.Kes.",
        "Ni",
        "Nyoman Sukadana.",
        "Çağrı",
        "张伟",
        "مريم",
    ],
)
async def test_household_names_are_taken(name: str) -> None:
    driver = FormDriver(FORM)
    await driver.start()
    await driver.send_text(name)
    assert driver.answers["head_name"] == name
    assert driver.current() == "no_kk"
    member = driver_with({"head_name": "Slamet Riyadi", "no_kk": "3208011210190005"}, closed=False)
    await member.start()
    await member.send_text(name)
    assert member.answers["members"][0]["member_name"] == name


@pytest.mark.parametrize(
    "name",
    [
        "😀😀",
        "Siti 😀",
        "Siti 2",
        "Budi123",
        "Agus ٣",  # an Arabic-Indic digit is a digit too
        "A",
        "A.",
        "- .",
        "Siti_Aminah",
        "Siti/Aminah",
        "@siti",
        "Siti\nAminah",
    ],
)
async def test_what_is_no_household_name_is_refused_and_asked_again(name: str) -> None:
    driver = FormDriver(FORM)
    await driver.start()
    await driver.send_text(name)
    assert "head_name" not in driver.answers
    assert driver.last_text.startswith(NAME_REFUSED)
    assert FORM.question("head_name").label["id"] in driver.last_text
    member = driver_with({"head_name": "Slamet Riyadi", "no_kk": "3208011210190005"}, closed=False)
    await member.start()
    await member.send_text(name)
    assert member.answers.get("members", [{}])[0].get("member_name") is None
    assert member.last_text.startswith(NAME_REFUSED)


def test_the_name_rule_is_said_in_both_languages() -> None:
    for name in ("head_name", "member_name"):
        message = FORM.question(name).constraint_message
        assert message is not None and set(message) == {"id", "en"}


async def test_a_household_smaller_than_the_members_reported_is_asked_again() -> None:
    driver = driver_with(BEFORE_SIZE)
    await driver.start()
    assert driver.current() == "household_size"
    for typed in ("1", "0", "41"):
        await driver.send_text(typed)
        assert "household_size" not in driver.answers
        assert driver.last_text.startswith(
            "⚠️ Mohon ketik jumlah penghuni dari 2 sampai 40 orang (anggota keluarga yang sudah"
            " dilaporkan: 2)."
        )
        assert FORM.question("household_size").label["id"] in driver.last_text
    await driver.send_text("2")  # the head may be one of the members
    assert driver.answers["household_size"] == 2
    assert driver.current() == "bansos"


async def test_the_message_names_how_many_members_were_reported() -> None:
    third = {**BEFORE_SIZE["members"][0], "member_nik": "3208014506230007"}
    driver = driver_with({**BEFORE_SIZE, "members": [*BEFORE_SIZE["members"], third]})
    await driver.start()
    await driver.send_text("2")
    assert "dari 3 sampai 40 orang" in driver.last_text
    await driver.send_text("3")
    assert driver.answers["household_size"] == 3
    english = FORM.question("household_size").constraint_message
    assert english is not None and "from ${members} to 40" in english["en"]


async def test_answers_from_elsewhere_meet_the_rules_before_the_report_is_sent() -> None:
    """A case sent back opens at the summary with its earlier answers (perhaps of an earlier
    version of the form): sending asks again each answer the rules now refuse."""
    answers = {**BEFORE_SIZE, **REST, "head_name": "😀😀", "household_size": 1}
    driver = FormDriver(FORM)
    driver.state = prefilled_state(FORM, copy.deepcopy(answers))
    await driver.start()
    await driver.tap(t("form.submit"))
    assert not driver.finished
    assert driver.last_text.startswith(NAME_REFUSED)
    await driver.send_text("Hj. Siti")
    assert driver.answers["head_name"] == "Hj. Siti"
    await driver.tap(t("form.submit"))
    assert not driver.finished
    assert "dari 2 sampai 40 orang" in driver.last_text
    assert FORM.question("household_size").label["id"] in driver.last_text
    await driver.send_text("4")
    await driver.tap(t("form.submit"))
    assert driver.finished
    assert driver.final_answers()["household_size"] == 4


async def test_a_skipped_optional_answer_is_not_checked_at_sending() -> None:
    answers = {**BEFORE_SIZE, **REST, "gps": None, "gps_reason": "Sinyal lemah"}
    driver = FormDriver(FORM)
    driver.state = prefilled_state(FORM, copy.deepcopy(answers))
    await driver.start()
    await driver.tap(t("form.submit"))
    assert driver.finished


def test_count_must_name_a_repeat_group_of_the_form() -> None:
    data = {
        "id": "hitung",
        "version": 1,
        "title": {"id": "Hitung"},
        "items": [
            {"type": "text", "name": "nama", "label": {"id": "Nama?"}},
            {
                "type": "integer",
                "name": "jumlah",
                "label": {"id": "Jumlah?"},
                "constraint": ". >= count(${nama})",
            },
        ],
    }
    with pytest.raises(FormError, match=r"count\(\$\{nama\}\): 'nama' is not a repeat group"):
        form_from_data(data, "hitung.yaml")
