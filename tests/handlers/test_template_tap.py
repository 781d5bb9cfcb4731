"""A WhatsApp template's "Buka pesan" tapped when what it announced is no longer held (a
routine reminder past its lifetime): QA walk 4 got only the help menu, the news announced
("1 draf laporan belum selesai") never said to be over. Now: the news has passed, and what
waits now (the reminder's standing lines and buttons), or the menu when nothing does."""

from __future__ import annotations

from handlers.events import OPEN_WAITING
from storage.models import Role
from tests.handlers.routed_turns import labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

CHANNEL = "whatsapp"  # only WhatsApp announces held messages with a template


async def test_a_tap_releasing_nothing_says_the_news_passed_and_what_waits_now(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, CHANNEL, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, CHANNEL, text="lapor")
    await send(db, app, ani, CHANNEL, text="Slamet Riyadi")  # a draft

    tapped = await send(db, app, ani, CHANNEL, data=OPEN_WAITING)

    answered = said(tapped)
    assert answered.startswith(app.catalog.text("id", "template_tap.now_waiting")), answered
    assert "• 1 laporan belum selesai (draf)." in answered
    assert labels(tapped) == ["📋 Draf"]


async def test_a_tap_with_nothing_waiting_says_so_with_the_menu(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, CHANNEL, kecamatan=KADUGEDE, desa=BABATAN)

    tapped = await send(db, app, ani, CHANNEL, data=OPEN_WAITING)

    answered = said(tapped)
    assert answered.startswith(app.catalog.text("id", "template_tap.nothing_waits")), answered
    assert app.catalog.text("id", "menu.title") in answered
    assert labels(tapped) == ["📝 Buat laporan baru", "📋 Draf", "📁 Laporan saya"]
