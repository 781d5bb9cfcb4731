"""A side trip amid a form whose answer is a numbered menu (WhatsApp: more than 10 options,
or titles alike) leaves the form waiting instead of asking its question below the menu: the
number typed next picks from the menu and is never stored as the form's answer (QA: "1"
typed to open a case was stored as "Jumlah penghuni: 1"). "lanjut" (or anything else but a
number) brings the question back. On Telegram the menu is tapped, and the question comes
back at once, as before."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.context import AppContext, Turn
from handlers.events import Button, Inbound, InboundKind, Outbound, Pick
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from handlers.forms.step import button_data
from handlers.i18n import Markup
from handlers.side_trip_menus import BELOW_SIDE_TRIP, wait_below_numbered_menu
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.handlers.training_turns import new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
WIB = ZoneInfo("Asia/Jakarta")
SIZE_QUESTION = "Berapa orang yang tinggal di rumah itu?"
# Two trainings the same day whose labels share their first words: on WhatsApp both rows
# would be titled "05-12 Penguatan", so the list is numbered text.
TITLES = ("Penguatan Kapasitas PSM Kecamatan Kadugede", "Penguatan Kapasitas PSM Kecamatan Cilimus")
DAY = (datetime(2026, 12, 5, 8, tzinfo=WIB), datetime(2026, 12, 5, 12, tzinfo=WIB))


async def _coordinator_at_the_household_size(db: Database, channel: str) -> User:
    """Ibu Sari (coordinator), her report waiting at the household size, and two trainings
    of her kabupaten."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        state = {**new_state(), "answers": dict(BEFORE_SIZE), "closed": ["members"]}
        await repos.forms.start(
            user_id=sari.id,
            form_id="case_report",
            form_version=load_forms()["case_report"].version,
            state=state,
            now=NOW,
        )
        for title in TITLES:
            await new_training(repos, sari, [DAY], title=title)
    return sari


async def _session_state(db: Database, user: User) -> dict[str, Any]:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state


def _waits(app: AppContext) -> str:
    what = Markup("laporan <b>Slamet Riyadi</b> (2 anggota)")
    return app.catalog.text("id", "form.waits_below_menu", what=what)


async def test_a_numbered_side_trip_leaves_the_form_waiting_below_it(world, channel):
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    trip = await send(db, app, sari, channel, text="bimtek")
    training = button(trip, "Kadugede")
    if channel == "telegram":  # buttons to tap: the question comes back below them at once
        assert SIZE_QUESTION in said(trip) and _waits(app) not in said(trip)
        assert BELOW_SIDE_TRIP not in (await _session_state(db, sari)).values()
        return
    menu = trip.replies[-1]
    assert app.channels[channel].prints_numbered_options(menu)  # type: ignore[misc]
    assert menu.text.endswith(_waits(app)), menu.text
    assert SIZE_QUESTION not in said(trip)
    assert (await _session_state(db, sari))["held"] == BELOW_SIDE_TRIP

    # "1" picks the training (WhatsApp hands the printed number over as its button).
    page = await send(db, app, sari, channel, data=training)
    assert TITLES[0] in said(page) and SIZE_QUESTION not in said(page)
    # A number the menu did not print, or a list: refused, nothing stored.
    for picks in ((Pick(number="7"),), (Pick(number="1", data=training), Pick(number="2"))):
        refused = said(await send(db, app, sari, channel, text="7", picks=picks))
        assert refused.startswith("⚠️") and "✓ Jumlah penghuni" not in refused
    state = await _session_state(db, sari)
    assert "household_size" not in state["answers"] and state["held"] == BELOW_SIDE_TRIP

    back = said(await send(db, app, sari, channel, text="lanjut"))
    assert SIZE_QUESTION in back and "Jumlah penghuni" not in back
    assert "held" not in await _session_state(db, sari)
    answered = said(await send(db, app, sari, channel, text="4"))
    assert "✓ Jumlah penghuni: 4" in answered
    assert (await _session_state(db, sari))["answers"]["household_size"] == 4


async def test_an_answer_typed_below_the_menu_asks_the_question_again(world, channel):
    """ "5 orang" typed while the question is not on screen: the question comes back, the
    answer is not stored (the person answers it where they see it). On Telegram the question
    is on screen below the menu: it is the answer."""
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    await send(db, app, sari, channel, text="bimtek")
    typed = said(await send(db, app, sari, channel, text="5 orang"))
    answers = (await _session_state(db, sari))["answers"]
    if channel == "telegram":
        assert "✓ Jumlah penghuni: 5" in typed and answers["household_size"] == 5
    else:
        assert SIZE_QUESTION in typed and "✓ Jumlah penghuni" not in typed
        assert "household_size" not in answers


async def test_a_side_trip_shown_as_a_list_asks_the_question_again_below_it(world, channel):
    """The queue's rows ("KNG-2026-000001 · Babatan", too long for a title alone) are a list
    on WhatsApp, tapped, never typed: the form's question comes back at once."""
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number="KNG-2026-000001")
    trip = await send(db, app, sari, channel, text="antrian")
    queue = next(reply for reply in trip.replies if reply.buttons)
    numbered = app.channels[channel].prints_numbered_options
    assert numbered is None or not numbered(queue)
    assert SIZE_QUESTION in said(trip) and _waits(app) not in said(trip)
    assert "held" not in await _session_state(db, sari)


async def test_a_numbered_menu_reached_by_a_button_leaves_the_form_waiting_below_it(world, channel):
    """The trainings list reached by its page button (not typed) while the report is open:
    on WhatsApp the same wait as after a typed side trip; "12" (not printed) or "5 orang"
    typed at the menu never answer the question higher up. On Telegram nothing changes: the
    buttons are tapped, the question stays on screen above them."""
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    tapped = await send(db, app, sari, channel, data="tp:l:0")  # the list's page button
    assert button(tapped, "Kadugede")
    assert SIZE_QUESTION not in said(tapped)
    if channel == "telegram":
        assert _waits(app) not in said(tapped)
        assert "held" not in await _session_state(db, sari)
        return
    menu = tapped.replies[-1]
    assert app.channels[channel].prints_numbered_options(menu)  # type: ignore[misc]
    assert menu.text.endswith(_waits(app)), menu.text
    assert (await _session_state(db, sari))["held"] == BELOW_SIDE_TRIP

    refused = said(await send(db, app, sari, channel, text="12", picks=(Pick(number="12"),)))
    assert refused.startswith("⚠️") and "✓ Jumlah penghuni" not in refused
    typed = said(await send(db, app, sari, channel, text="5 orang"))
    assert SIZE_QUESTION in typed and "✓ Jumlah penghuni" not in typed
    assert "household_size" not in (await _session_state(db, sari))["answers"]


async def test_a_button_keeps_a_cancel_question_held_beside_the_form(world, channel):
    """ "Batalkan isian ini?" waits beside the report when a numbered menu comes by a button:
    that question keeps what is typed next (never the form's question), and the menu does
    not promise "lanjut"."""
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    await send(db, app, sari, channel, command="batal")
    held = (await _session_state(db, sari))["held"]
    tapped = await send(db, app, sari, channel, data="tp:l:0")
    assert _waits(app) not in said(tapped)
    assert (await _session_state(db, sari))["held"] == held != BELOW_SIDE_TRIP


@pytest.mark.parametrize("own", [True, False], ids=["the-form-s-question", "a-side-trip-menu"])
async def test_the_form_s_own_question_is_never_held_as_a_menu(world, channel, own):
    """A button that asks the open form's question again ("Perbaiki" on a correction begun,
    "Ganti penerima"): eleven options of the form's own (numbered text on WhatsApp) are the
    question to answer, not a side trip's menu; eleven of another list are."""
    db, app = world
    sari = await _coordinator_at_the_household_size(db, channel)
    async with db.transaction() as repos:
        session = await repos.forms.active(sari.id)
        assert session is not None

        def data(n: int) -> str:
            return button_data(session.id, session.rev, f"o{n}") if own else f"tp:{n}"

        options = [[Button(label=f"Pilihan nomor {n}", data=data(n))] for n in range(11)]
        event = Inbound(
            channel=channel,
            external_user_id=str(sari.id),
            chat_id=str(sari.id),
            message_id="m-own",
            kind=InboundKind.BUTTON,
            data="tp:1",
        )
        turn = Turn(app=app, repos=repos, event=event, now=NOW, user=sari)
        turn.reply(Outbound.say("Pilih satu", options))
        waits = await wait_below_numbered_menu(turn, session)
    assert waits is (channel == "whatsapp" and not own)
    assert ("held" in await _session_state(db, sari)) is waits
