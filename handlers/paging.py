"""The previous / next buttons under a paged list: one look and one rule for every list."""

from __future__ import annotations

from collections.abc import Callable

from handlers.events import Button


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
