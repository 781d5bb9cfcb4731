"""Numbers typed to a menu outside a form, one option at a time: "1,2" on WhatsApp's
numbered search results or case actions got "belum mengerti" and the whole help; now it
gets "type one number" and the same menu again. Telegram prints no numbers: unchanged."""

from __future__ import annotations

import pytest

from handlers.delivery import DeliveryKind, deliver
from handlers.events import Button, Outbound, Pick
from handlers.i18n import Catalog
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import NOW

CATALOG = Catalog.load()


def t(key: str, **values: object) -> str:
    return CATALOG.text("id", key, **values)


MENU = Outbound(
    text="Hasil pencarian:",
    buttons=[
        [Button(label="KNG-2026-000001 · Babatan", data="cp:1")],
        [Button(label="KNG-2026-000002 · Babatan", data="cp:2")],
    ],
)


async def _printed(db, user, *, message: Outbound = MENU) -> int:
    """The menu as delivered to the person's WhatsApp chat; its outbox id."""
    async with db.transaction() as repos:
        item = await deliver(
            repos,
            user_id=user.id,
            message=message,
            kind=DeliveryKind.REPLY,
            now=NOW,
            channel="whatsapp",
            chat_id=str(user.id),
        )
    assert item is not None
    return item


async def test_a_list_gets_type_one_number_and_the_same_menu(world) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, "whatsapp")
    printed = await _printed(db, coordinator)
    picks = (Pick(number="1", data="cp:1"), Pick(number="2", data="cp:2"))
    turn = await send(
        db, app, coordinator, "whatsapp", text="1,2", picks=picks, picked_from=printed
    )
    (reply,) = turn.replies
    assert reply.text == "⚠️ " + t("answer.one_number") + "\n\nHasil pencarian:"
    assert reply.buttons == MENU.buttons
    assert t("errors.not_understood") not in said(turn)
    async with db.reading() as repos:
        assert await repos.audit.entries("case.view") == []  # nothing opened


async def test_a_number_not_printed_is_named(world) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, "whatsapp")
    printed = await _printed(db, coordinator)
    turn = await send(
        db,
        app,
        coordinator,
        "whatsapp",
        text="7",
        picks=(Pick(number="7", data=None),),
        picked_from=printed,
    )
    (reply,) = turn.replies
    assert reply.text.startswith("⚠️ " + t("answer.number_not_listed", number="7"))
    assert reply.buttons == MENU.buttons


async def test_someone_elses_message_is_not_shown_again(world) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, "whatsapp")
    other = await person(db, "Pak Tono", Role.COORDINATOR, "whatsapp")
    theirs = await _printed(db, other)
    picks = (Pick(number="1", data="cp:1"), Pick(number="2", data="cp:2"))
    turn = await send(db, app, coordinator, "whatsapp", text="1,2", picks=picks, picked_from=theirs)
    assert said(turn) == "⚠️ " + t("answer.one_number")
    assert all(not reply.buttons for reply in turn.replies)


async def test_telegram_numbers_outside_a_form_are_not_understood_as_before(
    world,
) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, "telegram")
    turn = await send(db, app, coordinator, "telegram", text="1,2")
    assert said(turn).startswith(t("errors.not_understood"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_number_at_buttons_that_act_at_once_asks_to_tap(world, channel) -> None:
    """/pengguna's menu (buttons, no numbers printed on either channel): "1" opens nothing
    (such buttons act at once: approve, attend), and the person is told to tap the button,
    with a line pointing to the help, not the whole help (QA walk 9: a screen for a digit)."""
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    menu = await send(db, app, coordinator, channel, command="pengguna")
    assert any(reply.buttons for reply in menu.replies)
    turn = await send(db, app, coordinator, channel, text="1")
    expected = t("errors.not_understood") + " " + t("errors.number_tap_button")
    assert said(turn) == expected + "\n" + t("errors.help_pointer"), said(turn)
    assert "Ketik /bantuan untuk melihat daftar perintah." in said(turn)
    assert len(turn.replies) == 1 and "/lapor" not in said(turn)
    words = await send(db, app, coordinator, channel, text="qwerty")
    assert t("errors.number_tap_button") not in said(words)  # for numbers only
    assert "/lapor" in said(words)  # words not understood still get the whole help
