"""A training's page offers the check-in code and "🔒 Tutup absen" only on the day check-in
opens, until it closes (a week ahead they only puzzle; closed, nothing is left to close);
"🔔 Ingatkan" until the answers' deadline; "🔗 Tautan & QR" ends with « Kembali to the page
(on WhatsApp the page's list, once tapped, is gone)."""

from __future__ import annotations

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, send
from tests.handlers.training_turns import at, new_training


@pytest.mark.parametrize("channel", CHANNELS)
async def test_code_and_close_only_on_the_day_until_checkin_closes(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:  # check-in opens 8 Dec 07.00 (an hour ahead)
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
    for now, offered, remind in (
        (at(1, 10), False, True),
        (at(6, 23), False, True),
        (at(7, 23), False, False),  # the answers closed at 7 Dec 00.00
        (at(8, 6), True, False),
        (at(8, 9), True, False),
        (at(8, 13), False, False),  # the day is over: check-in closed
    ):
        page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=now)
        shown = labels(page)
        assert ("🔑 Kode absen" in shown) is offered, (now, shown)
        assert ("🔒 Tutup absen" in shown) is offered, (now, shown)
        assert ("🔔 Ingatkan" in shown) is remind, (now, shown)
        assert "📄 Ekspor" in shown, shown


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
