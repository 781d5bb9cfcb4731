"""A training's page offers the check-in code and "🔒 Tutup absen" only from the day check-in
can open (a week ahead they only puzzle); "🔗 Tautan & QR" ends with « Kembali to the page
(on WhatsApp the page's list, once tapped, is gone)."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, send
from tests.handlers.training_turns import at, new_training


@pytest.mark.parametrize("channel", CHANNELS)
async def test_code_and_close_only_from_the_day_checkin_opens(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:  # check-in opens 8 Dec 07.00 (an hour ahead)
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
    for now, offered in (
        (at(1, 10), False),
        (at(7, 23), False),
        (at(8, 6), True),
        (at(8, 9), True),
    ):
        page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=now)
        shown = labels(page)
        assert ("🔑 Kode absen" in shown) is offered, (now, shown)
        assert ("🔒 Tutup absen" in shown) is offered, (now, shown)
        assert "🔔 Ingatkan" in shown and "📄 Ekspor" in shown, shown


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_links_end_with_a_way_back_to_the_page(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(1, 10))
    sent = await send(db, app, sari, channel, data=button(page, "Tautan & QR"), now=at(1, 10))
    last = sent.replies[-1]
    assert "bimtek " in (last.text or ""), last.text
    assert [[b.label for b in row] for row in last.buttons] == [["« Kembali"]]
    back = await send(db, app, sari, channel, data=last.buttons[0][0].data, now=at(1, 10))
    assert "🔔 Ingatkan" in labels(back)
