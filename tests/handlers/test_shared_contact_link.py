"""A WhatsApp-only coordinator opens the bot on Telegram (as the WhatsApp export refusal
tells her): a stranger there, /start opens the registration; her own number shared at its
phone question links the Telegram account to her, as WhatsApp verified it (QA walk 12)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.channels.telegram.inbound import to_inbound
from handlers.events import Inbound
from storage.models import Role, UserStatus
from tests.handlers.account_turns import (
    WA_ID,
    audited,
    from_whatsapp,
    route,
    sari_on_whatsapp,
    silent_for,
    whatsapp_identity,
)
from tests.handlers.routed_turns import person, queued, said

TELEGRAM_ID = 7001


def _telegram(message: dict[str, Any], user_id: int = TELEGRAM_ID) -> Inbound:
    """A private message as the Telegram adapter hands it over."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Sari"}
    chat = {"id": user_id, "type": "private"}
    event = to_inbound({"message": {"message_id": 1, "from": sender, "chat": chat, **message}})
    assert event is not None
    return event


def _text(text: str) -> Inbound:
    if text.startswith("/"):
        entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return _telegram({"text": text, "entities": [entity]})
    return _telegram({"text": text})


def _contact(phone: str, *, own: bool = True) -> Inbound:
    owner = TELEGRAM_ID if own else TELEGRAM_ID + 1
    return _telegram({"contact": {"phone_number": phone, "first_name": "Sari", "user_id": owner}})


async def _at_the_phone_question(db, app) -> int:
    """A stranger on Telegram: /start, a name; the phone question is asked. Their user id."""
    start = await route(db, app, _text("/start"))
    assert start.user is not None and start.user.status == UserStatus.REGISTERING
    named = await route(db, app, _text("Sari Wulandari"))
    assert "nomor HP" in said(named)
    return start.user.id


async def test_her_own_number_shared_on_telegram_links_her_whatsapp_account(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    stranger = await _at_the_phone_question(db, app)
    linked = await route(db, app, _contact(WA_ID))
    assert linked.user is not None and linked.user.id == sari.id
    answer = said(linked)
    assert "Akun Telegram ini sekarang tersambung dengan akun WhatsApp Bapak/Ibu" in answer
    assert "mendaftar sebagai apa" not in answer and "Nomor HP" not in answer
    async with db.reading() as repos:
        telegram = await repos.users.identity("telegram", str(TELEGRAM_ID))
        assert repos is not None and await repos.forms.active(stranger) is None
    assert telegram is not None and telegram.user_id == sari.id
    assert (telegram.phone, telegram.phone_verified) == ("+" + WA_ID, True)
    [notice] = [m.text or "" for m in await queued(db, sari) if "terhubung" in (m.text or "")]
    assert "Akun Telegram dengan nomor +62812*****890 baru saja terhubung" in notice
    assert await audited(db, "user.channel_linked") == [f"user:{sari.id}"]

    # From now on Telegram is her: a coordinator's queue, not a registration.
    queue = await route(db, app, _text("/antrian"))
    assert queue.user is not None and queue.user.id == sari.id
    assert "Selamat datang" not in said(queue) and "nama lengkap" not in said(queue)


async def test_a_contact_not_her_own_or_a_number_nobody_verified_links_nobody(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    stranger = await _at_the_phone_question(db, app)
    someone_elses = await route(db, app, _contact(WA_ID, own=False))
    assert someone_elses.user is not None and someone_elses.user.id == stranger
    assert "tersambung" not in said(someone_elses)
    unknown = await route(db, app, _contact("6285700001111"))
    assert unknown.user is not None and unknown.user.id == stranger
    assert "mendaftar sebagai apa" in said(unknown)
    async with db.reading() as repos:
        telegram = await repos.users.identity("telegram", str(TELEGRAM_ID))
    assert telegram is not None and telegram.user_id == stranger
    assert [m for m in await queued(db, sari) if "terhubung" in (m.text or "")] == []


async def test_a_telegram_user_further_along_is_not_linked(world) -> None:
    """Someone registered on Telegram already (a PSM) sharing a number WhatsApp verified for
    Sari stays who they are: only a stranger still registering is linked."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    budi = await person(db, "Pak Budi", Role.PSM, "telegram")
    shared = _telegram(
        {"contact": {"phone_number": WA_ID, "first_name": "Budi", "user_id": budi.id}},
        user_id=budi.id,
    )
    turn = await route(db, app, shared)
    assert turn.user is not None and turn.user.id == budi.id
    assert "tersambung" not in said(turn)
    assert [m for m in await queued(db, sari) if "terhubung" in (m.text or "")] == []


@pytest.mark.parametrize(("days", "unreachable"), [(400, False), (61, False), (3, True)])
async def test_a_recycled_number_does_not_take_a_silent_account(world, days, unreachable) -> None:
    """Sari changed SIM: her WhatsApp has been silent for months (or WhatsApp cannot reach
    her); the new owner of her old number registers on Telegram and shares his own contact.
    He stays a stranger registering; the number is no longer Sari's."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    await silent_for(db, sari.id, days, unreachable=unreachable)
    stranger = await _at_the_phone_question(db, app)
    turn = await route(db, app, _contact(WA_ID))
    assert turn.user is not None and turn.user.id == stranger
    assert "tersambung" not in said(turn) and "mendaftar sebagai apa" in said(turn)
    async with db.reading() as repos:
        telegram = await repos.users.identity("telegram", str(TELEGRAM_ID))
        assert await repos.users.verified_elsewhere("+" + WA_ID, other_than="telegram") is None
    assert telegram is not None and telegram.user_id == stranger
    assert not (await whatsapp_identity(db, sari.id)).phone_verified
    assert await audited(db, "user.link_refused") == [f"user:{sari.id}"]
    assert await audited(db, "user.channel_linked") == []
    # Her only chat is WhatsApp, months silent: no paid template to tell her.
    assert await queued(db, sari) == []

    # Later messages are the stranger's registration, never her queue.
    queue = await route(db, app, _text("/antrian"))
    assert queue.user is not None and queue.user.id == stranger


async def test_her_contact_within_sixty_days_of_her_last_message_still_links(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    await silent_for(db, sari.id, 59)
    await _at_the_phone_question(db, app)
    linked = await route(db, app, _contact(WA_ID))
    assert linked.user is not None and linked.user.id == sari.id
    assert await audited(db, "user.link_refused") == []


async def test_a_forwarded_contact_links_nobody(world) -> None:
    """Her own contact card forwarded from another chat vouches for nobody here."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    stranger = await _at_the_phone_question(db, app)
    contact = {"phone_number": WA_ID, "first_name": "Sari", "user_id": TELEGRAM_ID}
    origin = {"type": "user", "date": 1780000000, "sender_user": {"id": 1, "is_bot": False}}
    turn = await route(db, app, _telegram({"contact": contact, "forward_origin": origin}))
    assert turn.event.forwarded and turn.event.contact_is_sender
    assert turn.user is not None and turn.user.id == stranger
    assert "tersambung" not in said(turn)
    assert [m for m in await queued(db, sari) if "terhubung" in (m.text or "")] == []
    assert (await whatsapp_identity(db, sari.id)).phone_verified


async def test_a_silent_admins_number_shared_on_telegram_is_given_up(world) -> None:
    """The admin the setting names by number went silent; the number's new owner shares it
    on Telegram: not linked, and the admins are told to remove it from the setting."""
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    first = await from_whatsapp(db, app, "ID.ADMIN", WA_ID)
    assert first.user is not None and first.user.role == Role.ADMIN
    other = await person(db, "Bu Admin", Role.ADMIN, "telegram")
    await silent_for(db, first.user.id, 400)
    stranger = await _at_the_phone_question(db, app)
    turn = await route(db, app, _contact(WA_ID))
    assert turn.user is not None and turn.user.id == stranger and turn.user.role is None
    told = [m.text or "" for m in await queued(db, other)]
    assert any("ADMIN_WHATSAPP_PHONES" in text and "+62812*****890" in text for text in told)
    assert await audited(db, "user.admin_number_left") == ["admin-number:+" + WA_ID]
