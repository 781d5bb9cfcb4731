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


def page_buttons(
    t: Callable[[str], str], page: int, *, more: bool, data: Callable[[int], str]
) -> list[Button]:
    """A button to the previous page (from the second page on) and one to the next (when
    there is `more`); `t` gives a catalogue text, `data(n)` the button data of page n."""
    row = []
    if page > 0:
        row.append(Button(label=t("form.previous"), data=data(page - 1)))
    if more:
        row.append(Button(label=t("form.next"), data=data(page + 1)))
    return row
