"""Paged lists: how many pages, which page, and the previous / next buttons under it, one
rule and one look for every list."""

from __future__ import annotations

from collections.abc import Callable

from handlers.events import Button


def page_count(items: int, size: int) -> int:
    """How many pages `items` fill at `size` a page (an empty list still shows one)."""
    return max(1, -(-items // size))


def within(page: int, pages: int) -> int:
    """A page asked for (an old button's, a typed one), kept between the first and the last."""
    return min(max(0, page), pages - 1)


def has_more(page: int, size: int, total: int) -> bool:
    """Whether items follow page `page` (from 0) of a list of `total` items, `size` a page."""
    return (page + 1) * size < total


def page_buttons(
    t: Callable[[str], str], page: int, *, size: int, total: int, data: Callable[[int], str]
) -> list[Button]:
    """A button to the previous page (from the second page on) and one to the next (when
    items follow: `has_more`); `t` gives a catalogue text, `data(n)` the button data of page
    n. `total` is the list's length, or, for a list fetched a page and one row more at a
    time, the rows before the page and those fetched (enough to tell whether more follow)."""
    row = []
    if page > 0:
        row.append(Button(label=t("form.previous"), data=data(page - 1)))
    if has_more(page, size, total):
        row.append(Button(label=t("form.next"), data=data(page + 1)))
    return row
