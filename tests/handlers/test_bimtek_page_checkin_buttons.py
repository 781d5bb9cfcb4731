"""A training's page offers the check-in code and "🔒 Tutup absen" only on the day check-in
opens, until it closes (a week ahead they only puzzle; closed, nothing is left to close);
"🔔 Ingatkan" until the answers' deadline; "🔗 Tautan & QR" ends with « Kembali to the page
(on WhatsApp the page's list, once tapped, is gone). An old page's "Kode absen" tapped when
the page would not offer it shows no code: it says why."""

from __future__ import annotations

import pytest

from handlers.trainings.codes import current_code
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
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
async def test_an_old_code_button_shows_a_code_only_when_the_page_offers_it(world, channel) -> None:
    """Two days, 8 and 10 Dec (check-in from 07.00); "🔑 Kode absen" kept from the page of
    8 Dec 09.00 and tapped again later: a code while day 1's check-in is open, then refused,
    kindly, with the same rule the page offers the button by."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(
            repos, sari, [(at(8, 8), at(8, 12)), (at(10, 8), at(10, 12))], deadline=at(7, 0)
        )
        secret = (await repos.trainings.get(training_id)).secret
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(8, 9))
    old_button = button(page, "Kode absen")
    shown = await send(db, app, sari, channel, data=old_button, now=at(8, 9, 30))
    assert current_code(secret, at(8, 9, 30)) in said(shown), said(shown)
    refusals = {
        at(8, 13): "Absen Bimtek Uji hari ini sudah ditutup, jadi kode absen tidak ditampilkan",
        at(9, 10): "Hari ini tidak ada absen Bimtek Uji. Kode absen bisa dilihat di sini pada"
        " hari bimtek, Kamis, 10 Desember 2026.",
        at(11, 10): "Tidak ada absen Bimtek Uji hari ini, jadi tidak ada kode absen.",
    }
    for now, why in refusals.items():
        tapped = await send(db, app, sari, channel, data=old_button, now=now)
        assert why in said(tapped).replace("<b>", "").replace("</b>", ""), (now, said(tapped))
        assert current_code(secret, now) not in said(tapped)
        page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=now)
        assert "🔑 Kode absen" not in labels(page)  # the one rule: not offered either
    # Day 2's check-in closed by hand at 09.00: a code no more that day.
    closing = await send(db, app, sari, channel, data=f"tp:{training_id}:x", now=at(10, 9))
    assert "Absen hari 2 ditutup" in said(closing), said(closing)
    after = await send(db, app, sari, channel, data=old_button, now=at(10, 9, 5))
    assert "hari ini sudah ditutup" in said(after), said(after)
    # That was the last day: the training is closed. Days later it is not "today" that closed.
    later = await send(db, app, sari, channel, data=old_button, now=at(14, 10))
    assert said(later).replace("<b>", "").replace("</b>", "") == (
        "Absen Bimtek Uji sudah ditutup, jadi kode absen tidak ditampilkan lagi."
    ), said(later)
    assert current_code(secret, at(14, 10)) not in said(later)


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
