"""The previous / next buttons under every paged list."""

from __future__ import annotations

import pytest

from handlers.i18n import Catalog
from handlers.paging import page_buttons, page_count, within

CATALOG = Catalog.load()


@pytest.mark.parametrize(
    ("page", "more", "expected"),
    [
        pytest.param(0, False, [], id="one-page"),
        pytest.param(0, True, [("next", "x:1")], id="first"),
        pytest.param(3, True, [("previous", "x:2"), ("next", "x:4")], id="middle"),
        pytest.param(4, False, [("previous", "x:3")], id="last"),
    ],
)
def test_page_buttons(page, more, expected) -> None:
    def t(key: str) -> str:
        return CATALOG.text("id", key)

    row = page_buttons(t, page, more=more, data=lambda n: f"x:{n}")
    labels = {"previous": t("form.previous"), "next": t("form.next")}
    assert [(b.label, b.data) for b in row] == [(labels[k], d) for k, d in expected]


@pytest.mark.parametrize(
    ("items", "size", "pages"), [(0, 8, 1), (1, 8, 1), (8, 8, 1), (9, 8, 2), (17, 8, 3)]
)
def test_page_count(items, size, pages) -> None:
    assert page_count(items, size) == pages


@pytest.mark.parametrize(("page", "pages", "shown"), [(0, 3, 0), (2, 3, 2), (7, 3, 2), (-1, 3, 0)])
def test_within(page, pages, shown) -> None:
    assert within(page, pages) == shown
