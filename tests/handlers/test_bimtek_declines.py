"""The organiser sees who declined and why: the first five on the training's page (reason cut
short, a NIK in it masked), everyone a page at a time behind "🙏 Yang berhalangan", which
comes only when the page cannot name them all, the page still within a WhatsApp list's 10
rows. Telegram and WhatsApp."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NIK = "3208014501900003"
FULL = at(8, 6)  # the page's every button: the day check-in opens (07.00), before it does
# Answers until 8 Dec 07.30 (no form sets a deadline on the day any more; an older training
# may have one): at FULL "🔔 Ingatkan" and "🔑 Kode absen" are both offered.
DEADLINE = at(8, 7, 30)


async def _declined(db, channel, count: int):
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=DEADLINE)
    for number in range(count):
        psm = await person(db, f"PSM Nomor {number}", Role.PSM, channel, kecamatan=KADUGEDE)
        async with db.transaction() as repos:
            await repos.trainings.invite(training_id, [psm.id], NOW)
            answered = NOW + timedelta(minutes=number)
            await repos.trainings.set_rsvp(training_id, psm.id, "berhalangan", answered)
            reason = f"demam {number}, NIK {NIK}, " + "sudah ke puskesmas " * 5
            await repos.trainings.set_reason(training_id, psm.id, "sakit", reason, answered)
    return sari, training_id


async def test_a_few_declines_are_named_with_their_reason_masked(world, channel):
    db, app = world
    sari, training_id = await _declined(db, channel, 2)
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(5, 10))
    text = said(page)
    assert "Berhalangan: 2" in text and "• PSM Nomor 1 (Sakit): <i>demam 1, NIK" in text, text
    assert NIK not in text and "PSM Nomor 0 (Sakit)" in text
    assert "…</i>" in text  # cut short
    assert "🙏 Yang berhalangan" not in labels(page)


async def test_many_declines_are_listed_a_page_at_a_time(world, channel):
    db, app = world
    sari, training_id = await _declined(db, channel, 12)
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(5, 10))
    assert said(page).count("(Sakit)") == 5 and "dan 7 lagi" in said(page), said(page)
    first = await send(db, app, sari, channel, data=button(page, "Yang berhalangan"), now=at(5, 10))
    assert said(first).count("(Sakit)") == 10 and "(12)" in said(first), said(first)
    assert NIK not in said(first) and "PSM Nomor 11" in said(first)  # the latest first
    second = await send(db, app, sari, channel, data=button(first, "Berikut"), now=at(5, 10))
    assert said(second).count("(Sakit)") == 2 and "PSM Nomor 0" in said(second), said(second)
    assert "Kembali" in " ".join(labels(second))


async def test_the_declines_button_keeps_the_page_within_ten_buttons(world, channel):
    """Six declines on a page that already offers everything (the morning of the day,
    check-in not open yet: the code and "Tutup absen" offered, still cancellable):
    "🙏 Yang berhalangan" takes the room of "🔗 Tautan & QR", which stays under "➕ Undang",
    so WhatsApp shows the page as a list, never as numbered text."""
    db, app = world
    sari, training_id = await _declined(db, channel, 6)
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=FULL)
    shown = labels(page)
    assert len(shown) == 10 and "🙏 Yang berhalangan" in shown, shown
    assert "❌ Batalkan" in shown and not any("Tautan" in label for label in shown), shown
    numbered = app.channels[channel].prints_numbered_options
    assert numbered is None or not numbered(page.replies[-1])
    invite = await send(db, app, sari, channel, data=button(page, "Undang"), now=FULL)
    sent = await send(db, app, sari, channel, data=button(invite, "Tautan & QR"), now=FULL)
    assert "bimtek " in said(sent) or "start=bt-" in said(sent), said(sent)


async def test_with_room_to_spare_the_page_keeps_its_links(world, channel):
    """Two declines: no button to the list, the links on the page as ever (and under
    "➕ Undang" too)."""
    db, app = world
    sari, training_id = await _declined(db, channel, 2)
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=FULL)
    assert "🔗 Tautan & QR" in labels(page) and len(labels(page)) == 10, labels(page)
    invite = await send(db, app, sari, channel, data=button(page, "Undang"), now=FULL)
    assert "🔗 Tautan & QR" in labels(invite) and "tautan & kode QR" in said(invite)
