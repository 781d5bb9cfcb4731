"""English counts agree with their noun: "1 row", "2 rows" (QA walk 12: "1 rows."). A
number placeholder before a plural noun takes the catalogue's plural form
(`{rows} {rows:row|rows}`); Indonesian has none and needs none."""

from __future__ import annotations

import re

import pytest

from handlers.i18n import Catalog

# Plural nouns a count stands before in our texts (with an adjective or two between).
PLURAL_NOUNS = (
    "rows|photos|reports|drafts|cases|days|hours|minutes|weeks|characters|metres|people"
    "|messages|files|trainings|invitations|visits|numbers"
)
COUNT_BEFORE_NOUN = re.compile(rf"\{{([a-z_]+)\}}((?: [a-z]+){{0,2}}? (?:{PLURAL_NOUNS}))\b")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_every_english_count_before_a_plural_noun_has_its_plural_form(catalog) -> None:
    unpluralised = {
        key: match.group(0)
        for key, text in catalog.texts["en"].items()
        for match in COUNT_BEFORE_NOUN.finditer(text)
        if "{" + match.group(1) + ":" not in text
    }
    assert unpluralised == {}


@pytest.mark.parametrize(
    ("key", "values", "one", "more"),
    [
        ("export.caption", {"filters": "all", "rows": 1}, "all. 1 row. NIK", "3 rows. NIK"),
        (
            "review.changes.photos",
            {"label": "Foto", "old": 2, "new": 1},
            "(2 → 1 photo)",
            "(2 → 3 photos)",
        ),
        ("people.work.both", {"cases": 1, "drafts": 1}, "1 open report and 1 draft", None),
        ("audit.export.disappears", {"at": "10.00", "hours": 1}, "(in 1 hour)", "(in 3 hours)"),
    ],
)
def test_one_and_more(catalog, key, values, one, more) -> None:
    assert one in catalog.text("en", key, **values)
    if more is not None:
        many = {name: 3 if value == 1 else value for name, value in values.items()}
        assert more in catalog.text("en", key, **many)
