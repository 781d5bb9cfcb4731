"""Whose account a WhatsApp message is when numbers and accounts change hands: a recycled
number's new WhatsApp account (another BSUID) is a stranger, never the old owner; a link by
a phone another channel verified is told on that channel; Meta's own word that an account
changed number (a system message) keeps the person."""

from __future__ import annotations

import json

from bot.channels.whatsapp.inbound import to_inbound
from handlers.delivery import DeliveryKind, deliver
from handlers.events import InboundKind, Outbound
from storage.models import Role, UserStatus
from tests.handlers.account_turns import (
    NEW_WA_ID,
    WA_ID,
    audited,
    from_whatsapp,
    route,
    sari_on_whatsapp,
    silent_for,
    system_message,
    whatsapp_identity,
)
from tests.handlers.routed_turns import person, said
from tests.storage.seed_cases import NOW


async def test_a_new_whatsapp_account_at_her_number_is_a_stranger_not_sari(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:  # a notice for her, not sent yet
        await deliver(
            repos,
            user_id=sari.id,
            message=Outbound.say("Kasus KNG-2026-000001 menunggu validasi"),
            kind=DeliveryKind.NOTICE,
            now=NOW,
        )
    turn = await from_whatsapp(db, app, "ID.BSUID-B", WA_ID)
    assert turn.user is not None and turn.user.id != sari.id
    assert turn.user.status == UserStatus.REGISTERING and turn.user.role is None
    assert "Selamat datang" in said(turn)
    queue = await from_whatsapp(db, app, "ID.BSUID-B", WA_ID, text="/antrian")
    assert queue.user is not None and queue.user.id == turn.user.id
    assert "KNG-2026" not in said(queue)

    # Sari's account no longer writes to the number; her notice waits for her.
    mine = await whatsapp_identity(db, sari.id)
    assert mine.external_id == "ID.BSUID-A" and mine.chat_id is None
    assert not mine.phone_verified and mine.unreachable_at is not None
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT status, chat_id FROM outbox WHERE user_id = ?", (sari.id,)
        )
    assert [tuple(row) for row in rows] == [("waiting", None)]
    assert await audited(db, "user.number_taken") == [f"user:{sari.id}"]


async def test_her_telegram_phone_does_not_link_the_new_owner_either(world) -> None:
    """Sari shared the same number on Telegram: WhatsApp's new account at it is not hers."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        telegram = await repos.users.add_identity(
            user_id=sari.id, channel="telegram", external_id="7001", chat_id="7001", now=NOW
        )
        await repos.users.set_identity_phone(telegram.id, "+" + WA_ID, verified=True)
        await repos.users.update(sari.id, now=NOW, phone="+" + WA_ID, phone_verified=True)
    turn = await from_whatsapp(db, app, "ID.BSUID-B", WA_ID)
    assert turn.user is not None and turn.user.id != sari.id
    async with db.reading() as repos:
        assert await repos.users.verified_elsewhere("+" + WA_ID, other_than="whatsapp") is None
        assert await repos.people.verified_phone_owner("+" + WA_ID, other_than=turn.user.id) is None
        rows = await repos.conn.execute_fetchall(
            "SELECT channel, chat_id, message FROM outbox WHERE user_id = ?", (sari.id,)
        )
    # She is told on Telegram, where she still is; nothing goes to the number.
    [(channel, chat, message)] = [tuple(row) for row in rows]
    assert (channel, chat) == ("telegram", "7001")
    assert "+62812*****890" in message and "sekarang dipakai akun WhatsApp lain" in message


async def test_the_same_account_is_known_by_its_bsuid_then_and_without_it(world) -> None:
    """Known by the phone alone ("wa:" key): the BSUID replaces it. A payload without the
    BSUID from her number is still her, and her BSUID stays her key."""
    db, app = world
    sari = await sari_on_whatsapp(db, bsuid="wa:" + WA_ID)
    first = await from_whatsapp(db, app, "ID.BSUID-A", WA_ID)
    assert first.user is not None and first.user.id == sari.id
    assert (await whatsapp_identity(db, sari.id)).external_id == "ID.BSUID-A"
    again = await from_whatsapp(db, app, None, WA_ID)
    assert again.user is not None and again.user.id == sari.id
    assert (await whatsapp_identity(db, sari.id)).external_id == "ID.BSUID-A"
    assert await audited(db, "user.number_taken") == []


async def test_a_link_by_her_telegram_phone_is_told_on_telegram(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, "telegram")
    async with db.transaction() as repos:
        [telegram] = await repos.users.identities_of(ani.id)
        await repos.users.set_identity_phone(telegram.id, "+" + WA_ID, verified=True)
    turn = await from_whatsapp(db, app, "ID.BSUID-X", WA_ID)
    assert turn.user is not None and turn.user.id == ani.id
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT channel, chat_id, kind, message FROM outbox WHERE user_id = ?"
            " AND channel = 'telegram'",
            (ani.id,),
        )
    [(channel, chat, kind, message)] = [tuple(row) for row in rows]
    assert (channel, chat, kind) == ("telegram", telegram.chat_id, "notice")
    assert "Akun WhatsApp dengan nomor +62812*****890 baru saja terhubung" in message
    assert WA_ID not in message and "koordinator" in message


async def test_meta_says_she_changed_number_and_her_account_follows(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=sari.id,
            message=Outbound.say("Kasus KNG-2026-000001 menunggu validasi"),
            kind=DeliveryKind.NOTICE,
            now=NOW,
        )
    change = to_inbound(
        system_message(
            "user_changed_number",
            wa_id=NEW_WA_ID,
            user_id="ID.BSUID-C",
            previous_user_id="ID.BSUID-A",
        )
    )
    assert change is not None and change.kind == InboundKind.ACCOUNT_CHANGED
    turn = await route(db, app, change)
    assert turn.replies == [] and turn.user is None
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id, mine.phone, mine.phone_verified) == (
        "ID.BSUID-C",
        NEW_WA_ID,
        "+" + NEW_WA_ID,
        True,
    )
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT chat_id FROM outbox WHERE user_id = ?", (sari.id,)
        )
    assert [row[0] for row in rows] == [NEW_WA_ID]
    later = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    assert later.user is not None and later.user.id == sari.id
    assert await audited(db, "user.number_changed") == [f"user:{sari.id}"]


async def test_a_new_bsuid_from_her_number_keeps_it_verified(world) -> None:
    """`user_changed_user_id` (a new BSUID, no number shared) sent from the number her chat
    was at: her key follows and she is written to by it; the number is still hers, verified
    on her identity and her profile (review 8: it was unverified, and nothing verified her
    profile's number again)."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=NOW, phone="+" + WA_ID, phone_verified=True)
    change = to_inbound(
        system_message("user_changed_user_id", user_id="ID.BSUID-D", previous_user_id="ID.BSUID-A")
    )
    assert change is not None
    await route(db, app, change)
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id, mine.phone, mine.phone_verified) == (
        "ID.BSUID-D",
        "bsuid:ID.BSUID-D",
        "+" + WA_ID,
        True,
    )
    later = await from_whatsapp(db, app, "ID.BSUID-D", WA_ID)
    assert later.user is not None and later.user.id == sari.id
    async with db.reading() as repos:
        profile = await repos.users.get(sari.id)
    assert profile is not None and profile.phone_verified
    assert await audited(db, "user.number_taken") == []


async def test_a_new_bsuid_from_no_number_leaves_her_number_unvouched(world) -> None:
    """A new BSUID alone, from no number (`from` is her BSUID): the number may have changed
    unseen; it is no longer vouched for. She is written to by her new key."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    change = to_inbound(
        system_message(
            "user_changed_user_id",
            sender="ID.BSUID-A",
            user_id="ID.BSUID-D",
            previous_user_id="ID.BSUID-A",
        )
    )
    assert change is not None
    await route(db, app, change)
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id, mine.phone_verified) == (
        "ID.BSUID-D",
        "bsuid:ID.BSUID-D",
        False,
    )
    later = await from_whatsapp(db, app, "ID.BSUID-D", NEW_WA_ID)
    assert later.user is not None and later.user.id == sari.id


async def test_a_notice_before_august_2026_finds_her_by_her_old_number(world) -> None:
    """Without `previous_user_id` nor a new BSUID: her old number finds her, the new one
    keys her ("wa:") until her next message names her new BSUID."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    older = to_inbound(system_message("user_changed_number", wa_id=NEW_WA_ID))
    assert older is not None and older.external_user_id == "wa:" + NEW_WA_ID
    await route(db, app, older)
    assert (await whatsapp_identity(db, sari.id)).chat_id == NEW_WA_ID
    later = await from_whatsapp(db, app, "ID.BSUID-E", NEW_WA_ID)
    assert later.user is not None and later.user.id == sari.id
    assert (await whatsapp_identity(db, sari.id)).external_id == "ID.BSUID-E"


async def test_a_change_for_an_account_never_known_or_an_id_taken_changes_nothing(world) -> None:
    """The new id is someone's who already sent a registration: nothing changes, the admins
    are told who it is (not only a log line, nor "#2")."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    admin = await person(db, "Pak Admin", Role.ADMIN, "telegram")
    stranger = await from_whatsapp(db, app, "ID.BSUID-Z", NEW_WA_ID)  # wrote first
    assert stranger.user is not None
    async with db.transaction() as repos:  # and sent a registration
        await repos.users.update(
            stranger.user.id,
            now=NOW,
            full_name="Budi Santoso",
            requested_role=Role.PSM,
            kabupaten_code="32.08",
            status=UserStatus.PENDING,
        )
    unknown = to_inbound(
        system_message(
            "user_changed_number", wa_id="6289900001111", user_id="ID.N", previous_user_id="X"
        )
    )
    taken = to_inbound(
        system_message(
            "user_changed_number",
            wa_id=NEW_WA_ID,
            user_id="ID.BSUID-Z",
            previous_user_id="ID.BSUID-A",
        )
    )
    assert unknown is not None and taken is not None
    await route(db, app, unknown)
    await route(db, app, taken)
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id) == ("ID.BSUID-A", WA_ID)
    assert (await whatsapp_identity(db, stranger.user.id)).external_id == "ID.BSUID-Z"
    async with db.reading() as repos:
        [told] = [i.message["text"] for i in await repos.outbox.for_user(admin.id)]
    assert "Ibu Sari pindah ke nomor +62857*****000" in told and NEW_WA_ID not in told
    assert "akun Budi Santoso (Menunggu persetujuan)" in told


def test_other_system_messages_are_not_answered() -> None:
    assert to_inbound(system_message("customer_identity_changed", identity="abc")) is None
    assert to_inbound(system_message("user_changed_number")) is None  # names no new number or id


async def test_her_new_bsuid_writing_before_metas_word_leaves_no_number_taken_notice(
    world,
) -> None:
    """Her account's new BSUID (number unchanged) writes before Meta's `user_changed_user_id`:
    for now a stranger at her number, so the number is taken from her account and her notice
    of that waits its grace; Meta's word merges the stranger into her and drops the notice
    unsent. She ends as when the word comes first: her new key, the number hers, verified
    on her identity and her profile; nobody told the number was taken."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=sari.id, channel="telegram", external_id="7001", chat_id="7001", now=NOW
        )
        await repos.users.update(sari.id, now=NOW, phone="+" + WA_ID, phone_verified=True)
    first = await from_whatsapp(db, app, "ID.BSUID-D", WA_ID)
    assert first.user is not None and first.user.id != sari.id  # a stranger, for now
    change = to_inbound(
        system_message("user_changed_user_id", user_id="ID.BSUID-D", previous_user_id="ID.BSUID-A")
    )
    assert change is not None
    moved = await route(db, app, change)
    assert said(moved).startswith("✅ Akun Bapak/Ibu sudah tersambung lagi")
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT status FROM outbox WHERE user_id = ? AND message LIKE '%dipakai akun%'",
            (sari.id,),
        )
        profile = await repos.users.get(sari.id)
    assert [row[0] for row in rows] == ["expired"]  # never sent
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.phone, mine.phone_verified) == ("ID.BSUID-D", "+" + WA_ID, True)
    assert profile is not None and profile.phone_verified
    later = await from_whatsapp(db, app, "ID.BSUID-D", WA_ID, text="menu")
    assert later.user is not None and later.user.id == sari.id
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT detail FROM audit_log WHERE action = 'user.number_changed'"
        )
    assert [json.loads(row[0]) for row in rows] == [
        {"channel": "whatsapp", "number_taken_undone": True}
    ]


async def test_a_number_her_silent_telegram_verified_links_no_new_whatsapp(world) -> None:
    """Bu Ani verified her number on Telegram and has not written for over a year; the
    number's new owner writes on WhatsApp from it: a stranger, and Ani is told on Telegram
    (free to write to), the number no longer hers."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, "telegram")
    async with db.transaction() as repos:
        [telegram] = await repos.users.identities_of(ani.id)
        await repos.users.set_identity_phone(telegram.id, "+" + WA_ID, verified=True)
    await silent_for(db, ani.id, 400)
    turn = await from_whatsapp(db, app, "ID.BSUID-X", WA_ID)
    assert turn.user is not None and turn.user.id != ani.id
    assert turn.user.status == UserStatus.REGISTERING and "Selamat datang" in said(turn)
    async with db.reading() as repos:
        assert await repos.users.verified_elsewhere("+" + WA_ID, other_than="whatsapp") is None
        rows = await repos.conn.execute_fetchall(
            "SELECT channel, chat_id, message FROM outbox WHERE user_id = ?", (ani.id,)
        )
    [(channel, chat, message)] = [tuple(row) for row in rows]
    assert (channel, chat) == ("telegram", telegram.chat_id)
    assert "+62812*****890" in message and WA_ID not in message
    assert "dipakai untuk mendaftar di WhatsApp oleh orang lain" in message
    assert await audited(db, "user.link_refused") == [f"user:{ani.id}"]
    assert (await whatsapp_identity(db, turn.user.id)).phone_verified


async def test_a_whatsapp_account_is_linked_within_sixty_days_of_her_telegram(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, "telegram")
    async with db.transaction() as repos:
        [telegram] = await repos.users.identities_of(ani.id)
        await repos.users.set_identity_phone(telegram.id, "+" + WA_ID, verified=True)
    await silent_for(db, ani.id, 59)
    turn = await from_whatsapp(db, app, "ID.BSUID-X", WA_ID)
    assert turn.user is not None and turn.user.id == ani.id
    assert await audited(db, "user.link_refused") == []
