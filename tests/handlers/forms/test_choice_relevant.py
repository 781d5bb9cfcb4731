"""A static option's own `relevant` (XLSForm's choice_filter): offered only when it holds,
read against the answers and the person's context; a broken one is refused at load."""

from __future__ import annotations

import pytest
from test_engine import FormDriver, _q, option_labels

from handlers.forms.loading import form_from_data
from handlers.forms.model import FormError


def _form(relevant: str) -> dict:
    return {
        "id": "pick",
        "version": 1,
        "title": {"id": "Pilih"},
        "items": [
            _q(
                "select_one",
                "kind",
                "Jenis?",
                choices=[
                    {"name": "a", "label": {"id": "A"}},
                    {"name": "b", "label": {"id": "B"}},
                ],
            ),
            _q(
                "select_one",
                "item",
                "Yang mana?",
                choices=[
                    {"name": "x", "label": {"id": "X"}},
                    {"name": "y", "label": {"id": "Y"}, "relevant": relevant},
                ],
            ),
        ],
    }


@pytest.mark.parametrize(("kind", "offered"), [("A", ["X", "Y"]), ("B", ["X"])])
async def test_an_option_is_offered_only_while_its_relevant_holds(
    kind: str, offered: list[str]
) -> None:
    driver = FormDriver(form_from_data(_form("${kind} = 'a'"), "test"))
    await driver.start()
    await driver.tap(kind)
    assert driver.last is not None and option_labels(driver.last) == offered


def test_a_broken_option_relevant_is_refused_at_load() -> None:
    with pytest.raises(FormError, match="relevant"):
        form_from_data(_form("${kind} = "), "test")
