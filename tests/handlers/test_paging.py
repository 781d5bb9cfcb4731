"""The previous / next buttons under every paged list."""

from __future__ import annotations

import pytest

from handlers.i18n import Catalog
from handlers.paging import has_more, page_buttons, page_count, within

CATALOG = Catalog.load()


@pytest.mark.parametrize(
    ("page", "size", "total", "expected"),
    [
        pytest.param(0, 8, 0, [], id="empty"),
        pytest.param(0, 8, 8, [], id="one-full-page"),
        pytest.param(0, 8, 9, [("next", "x:1")], id="first"),
        pytest.param(3, 8, 33, [("previous", "x:2"), ("next", "x:4")], id="middle"),
        pytest.param(3, 8, 32, [("previous", "x:2")], id="last-full"),
        pytest.param(4, 8, 33, [("previous", "x:3")], id="last"),
        # A page fetched with one row more (8 + 1): the rows before it and those fetched.
        pytest.param(2, 8, 2 * 8 + 9, [("previous", "x:1"), ("next", "x:3")], id="one-more"),
        pytest.param(2, 8, 2 * 8 + 8, [("previous", "x:1")], id="no-more-fetched"),
    ],
)
def test_page_buttons(page, size, total, expected) -> None:
    def t(key: str) -> str:
        return CATALOG.text("id", key)

    row = page_buttons(t, page, size=size, total=total, data=lambda n: f"x:{n}")
    labels = {"previous": t("form.previous"), "next": t("form.next")}
    assert [(b.label, b.data) for b in row] == [(labels[k], d) for k, d in expected]
    assert has_more(page, size, total) == any(k == "next" for k, _ in expected)


@pytest.mark.parametrize(
    ("items", "size", "pages"), [(0, 8, 1), (1, 8, 1), (8, 8, 1), (9, 8, 2), (17, 8, 3)]
)
def test_page_count(items, size, pages) -> None:
    assert page_count(items, size) == pages


@pytest.mark.parametrize(("page", "pages", "shown"), [(0, 3, 0), (2, 3, 2), (7, 3, 2), (-1, 3, 0)])
def test_within(page, pages, shown) -> None:
    assert within(page, pages) == shown
