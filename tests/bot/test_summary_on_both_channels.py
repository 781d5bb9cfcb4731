"""A full case report's summary (ten members, long texts) as each channel sends it: every
answer before "Kirim", the buttons under the last part only, each part within the channel's
limit; on WhatsApp the summary and each page of the edit menu come as reply buttons or a list
(never numbered text), so a number typed there reaches the form as the summary's line."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from bot.channels.telegram.outbound import TEXT_LIMIT, _text_plan
from bot.channels.whatsapp.outbound import INTERACTIVE_BODY, render
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.forms.test_engine import FormDriver

CATALOG = Catalog.load()
FORM = load_forms()["case_report"]
MEMBER_WITHOUT_NIK: dict[str, Any] = {
    "member_name": "Bambang Sutrisno Wicaksono",
    "member_nik": {"missing": "tidak_tahu"},
    "member_nik_reason": "Belum direkam, dokumen hilang waktu pindah rumah ke desa ini " * 3,
    "member_sex": {"name": "L", "label": "Laki-laki"},
    "member_age": {"months": 500, "birth_date": "1985-01-01"},
    "member_relation": {"name": "famili_lain", "label": "Famili lain"},
}


async def _full_summary(members: int) -> FormDriver:
    answers = copy.deepcopy({**BEFORE_SIZE, **REST})
    answers["members"] = [copy.deepcopy(MEMBER_WITHOUT_NIK) for _ in range(members)]
    answers["household_size"] = members
    answers["description"] = "Atap bocor, dinding bambu lapuk, lantai tanah. " * 20
    driver = FormDriver(FORM)
    driver.state.update(answers=answers, closed=["members"], phase="summary")
    await driver.start()
    return driver


def _numbers(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


@pytest.mark.parametrize("members", [1, 10])
async def test_kirim_comes_after_every_answer_on_telegram(members: int) -> None:
    summary = (await _full_summary(members)).last
    assert summary is not None
    calls = _text_plan(summary)
    assert all(len(text) <= TEXT_LIMIT for text, _ in calls)
    assert [markup is None for _, markup in calls] == [True] * (len(calls) - 1) + [False]
    numbers = _numbers("\n".join(text for text, _ in calls))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 6 * members


@pytest.mark.parametrize("members", [1, 10])
async def test_kirim_comes_after_every_answer_on_whatsapp(members: int) -> None:
    language = "id"
    summary = (await _full_summary(members)).last
    assert summary is not None
    rendered = render(summary, CATALOG, language)
    *before, last = rendered.bodies
    assert all(body["type"] == "text" for body in before)
    assert last["type"] == "interactive" and last["interactive"]["type"] == "button"
    titles = [b["reply"]["title"] for b in last["interactive"]["action"]["buttons"]]
    assert titles == [CATALOG.text(language, "form.submit"), CATALOG.text(language, "form.edit")]
    assert len(last["interactive"]["body"]["text"]) <= INTERACTIVE_BODY
    texts = [b["text"]["body"] for b in before] + [last["interactive"]["body"]["text"]]
    numbers = _numbers("\n".join(texts))
    assert numbers == list(range(1, len(numbers) + 1))
    assert rendered.menu == {}  # no numbered options: "1" typed is the summary's line 1


async def test_every_page_of_the_edit_menu_is_a_whatsapp_list() -> None:
    driver = await _full_summary(10)
    await driver.send_text("ubah")
    pages = 1
    while "Berikutnya ›" in driver.labels():
        assert driver.last is not None
        rendered = render(driver.last, CATALOG, "id")
        assert rendered.menu == {}, rendered.bodies
        assert rendered.bodies[-1]["interactive"]["type"] == "list"
        await driver.tap("Berikutnya ›")
        pages += 1
    assert pages > 5
    await driver.send_text("20")  # a line of the summary, typed on another page
    assert driver.state["editing"] is not None
