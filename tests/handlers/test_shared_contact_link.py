"""A WhatsApp-only coordinator opens the bot on Telegram (as the WhatsApp export refusal
tells her): a stranger there, /start opens the registration; her own number shared at its
phone question links the Telegram account to her, as WhatsApp verified it (QA walk 12)."""

from __future__ import annotations

from typing import Any

from bot.channels.telegram.inbound import to_inbound
from handlers.events import Inbound
from storage.models import Role, UserStatus
from tests.handlers.account_turns import WA_ID, audited, route, sari_on_whatsapp
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
