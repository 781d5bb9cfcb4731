"""Version 3 of the case report, on the real form (forms/case_report.yaml): "Yang
bersangkutan" consents only when a member reported is 18 or older (UU PDP Ps. 25: a child's
data needs a parent's or guardian's consent), and a member's relation must fit their age
(under 10 no spouse, head, parent or in-law; 10-17 a spouse or head is taken with a warning)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_engine import FormDriver, t

from handlers.forms.loading import load_forms
from handlers.forms.state import prefilled_state
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST

FORM = load_forms()["case_report"]
CONSENT = FORM.question("consent_by")
RELATION = FORM.question("member_relation")
CONSENT_REFUSED = "⚠️ Semua anggota yang dilaporkan masih anak (di bawah 18 tahun)"
RELATION_REFUSED = "⚠️ Umurnya di bawah 10 tahun, jadi tidak mungkin menjadi Suami"
CHILD_WARNING = "⚠️ Anggota ini masih anak (di bawah 18 tahun)."
BEFORE_CONSENT = {**BEFORE_SIZE, "household_size": 5, "bansos": REST["bansos"]}


def ages(*months: int | None) -> list[dict[str, Any]]:
    """Members aged so many months (None: the age is not known)."""
    return [
        {
            "member_name": f"Anggota {'ABCDEFGHIJ'[number]}",
            "member_nik": f"320801450623{number + 1:04d}",
            "member_age": None if age is None else {"months": age, "birth_date": None},
            "member_relation": {"name": "anak", "label": "Anak"},
        }
        for number, age in enumerate(months)
    ]


async def at_consent(members: list[dict[str, Any]]) -> FormDriver:
    driver = FormDriver(FORM)
    driver.state["answers"] = {**copy.deepcopy(BEFORE_CONSENT), "members": members}
    driver.state["closed"] = ["members"]
    await driver.start()
    assert driver.current() == "consent_by"
    return driver


async def test_the_person_concerned_cannot_consent_for_children_only() -> None:
    driver = await at_consent(BEFORE_SIZE["members"])  # two children of 3 years
    await driver.tap("Yang bersangkutan")
    assert "consent_by" not in driver.answers
    assert driver.last_text.startswith(CONSENT_REFUSED)
    for who in ("Kepala keluarga", "Orang tua/wali", "Wali pelaku masalah"):
        assert who in driver.last_text  # who may consent instead
    assert CONSENT.label["id"] in driver.last_text  # asked again
    await driver.send_text("Yang bersangkutan")  # typed, as on WhatsApp's numbered list
    assert "consent_by" not in driver.answers
    assert driver.last_text.startswith(CONSENT_REFUSED)
    await driver.tap("Orang tua/wali")
    assert driver.answers["consent_by"]["name"] == "orang_tua_wali"
    assert driver.current() == "consent_method"


async def test_seventeen_years_and_eleven_months_is_still_a_child() -> None:
    driver = await at_consent(ages(41, 215))
    await driver.tap("Yang bersangkutan")
    assert "consent_by" not in driver.answers
    assert driver.last_text.startswith(CONSENT_REFUSED)


@pytest.mark.parametrize(
    "months",
    [
        (41, 216),  # an adult (18 years) among the members
        (240,),
        (41, None),  # an age not known does not refuse
        (None,),
    ],
)
async def test_the_person_concerned_consents_when_a_member_may_be_an_adult(
    months: tuple[int | None, ...],
) -> None:
    driver = await at_consent(ages(41, 120))
    await driver.tap("Yang bersangkutan")
    assert driver.last_text.startswith(CONSENT_REFUSED)
    # The members as an edit of them from the summary would leave them.
    driver.state["answers"]["members"] = ages(*months)
    await driver.tap("Yang bersangkutan")
    assert driver.answers["consent_by"]["name"] == "yang_bersangkutan"
    assert CONSENT_REFUSED not in driver.last_text
    assert driver.current() == "consent_method"


def test_the_consent_message_is_in_both_languages() -> None:
    assert CONSENT.constraint_message is not None
    english = CONSENT.constraint_message["en"]
    assert "Family head" in english and "Parent/guardian" in english
    assert "Guardian at fault" in english


async def test_a_consent_from_elsewhere_for_children_only_is_asked_again_on_sending() -> None:
    """A case sent back (or a draft of version 2) holds "Yang bersangkutan" for children."""
    answers = {**BEFORE_SIZE, **REST, "consent_by": {"name": "yang_bersangkutan", "label": "x"}}
    driver = FormDriver(FORM)
    driver.state = prefilled_state(FORM, copy.deepcopy(answers))
    await driver.start()
    await driver.tap(t("form.submit"))
    assert not driver.finished
    assert driver.last_text.startswith(CONSENT_REFUSED)
    await driver.tap("Kepala keluarga")
    await driver.tap(t("form.submit"))
    assert driver.finished
    assert driver.final_answers()["consent_by"]["name"] == "kepala_keluarga"


async def at_relation(months: int | None) -> FormDriver:
    """The first member's relation asked; the member is `months` old (None: not known)."""
    member = ages(months)[0]
    del member["member_relation"]
    driver = FormDriver(FORM)
    driver.state["answers"] = {
        "head_name": "Slamet Riyadi",
        "no_kk": "3208011210190005",
        "members": [member],
    }
    await driver.start()
    assert driver.current() == "member_relation"
    return driver


@pytest.mark.parametrize(
    "relation", ["Suami", "Istri", "Kepala keluarga", "Orang tua", "Mertua", "Menantu"]
)
@pytest.mark.parametrize("months", [0, 60, 119])  # under 10 years
async def test_a_young_child_cannot_be_a_spouse_head_parent_or_in_law(
    relation: str, months: int
) -> None:
    driver = await at_relation(months)
    await driver.tap(relation)
    assert "member_relation" not in driver.answers["members"][0]
    assert driver.last_text.startswith(RELATION_REFUSED)
    assert RELATION.label["id"] in driver.last_text  # asked again
    await driver.tap("Anak")
    assert driver.answers["members"][0]["member_relation"]["name"] == "anak"
    assert CHILD_WARNING not in driver.last_text


@pytest.mark.parametrize(
    "cases",
    [
        # 10 years: child marriage is reported, not refused; a parent or in-law left alone
        [(120, "Istri", True), (120, "Orang tua", False), (120, "Menantu", False)],
        [(180, "Suami", True), (180, "Istri", True), (180, "Anak", False), (180, "Menantu", False)],
        # a child heading the household; from 18 an adult
        [
            (150, "Kepala keluarga", True),
            (215, "Kepala keluarga", True),
            (216, "Kepala keluarga", False),
            (216, "Suami", False),
            (60, "Cucu", False),
        ],
    ],
)
async def test_a_relation_the_age_allows_is_taken_an_older_child_spouse_or_head_warned(
    cases: list[tuple[int, str, bool]],
) -> None:
    for months, relation, warned in cases:
        driver = await at_relation(months)
        await driver.tap(relation)
        assert driver.answers["members"][0]["member_relation"]["label"] == relation
        assert (CHILD_WARNING in driver.last_text) is warned, (months, relation)
        assert RELATION_REFUSED not in driver.last_text


@pytest.mark.parametrize("relation", ["Suami", "Orang tua"])
async def test_an_age_not_known_refuses_and_warns_of_nothing(relation: str) -> None:
    driver = await at_relation(60)
    await driver.tap(relation)
    assert driver.last_text.startswith(RELATION_REFUSED)
    # The age as an answer from elsewhere may hold it: not known.
    driver.state["answers"]["members"][0]["member_age"] = None
    await driver.tap(relation)
    assert driver.answers["members"][0]["member_relation"]["label"] == relation
    assert CHILD_WARNING not in driver.last_text and RELATION_REFUSED not in driver.last_text


def test_the_relation_messages_are_in_both_languages() -> None:
    assert RELATION.constraint_message is not None and RELATION.warning_message is not None
    assert "Under 10" in RELATION.constraint_message["en"]
    assert "under 18" in RELATION.warning_message["en"]
