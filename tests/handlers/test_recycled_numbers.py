"""Numbers that change hands, made safe (reviews 7 and 8): Meta's word that someone moved to
a number another person of ours held; the old number left verified behind; the system
message coming after the first message from the new number (a name typed meanwhile, a
report left open on the old number); a person still known by the number alone; a darurat
alert queued for a number that is taken; an admin's number recycled."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.channels.whatsapp.inbound import to_inbound
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.models import Role, UserStatus
from tests.handlers.account_turns import (
    NEW_WA_ID,
    WA_ID,
    audited,
    from_whatsapp,
    route,
    sari_on_whatsapp,
    system_message,
    whatsapp_identity,
)
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW


def _moved(previous_user_id: str = "ID.BSUID-A"):
    """Meta: Sari's account (at WA_ID) is at NEW_WA_ID now, known by ID.BSUID-C."""
    event = to_inbound(
        system_message(
            "user_changed_number",
            wa_id=NEW_WA_ID,
            user_id="ID.BSUID-C",
            previous_user_id=previous_user_id,
        )
    )
    assert event is not None
    return event


async def _outbox(db, user_id: int) -> list[tuple]:
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT channel, chat_id, status, kind FROM outbox WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
    return [tuple(row) for row in rows]


async def test_moving_to_a_number_rudi_held_takes_it_from_rudi(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    rudi = await person(db, "Pak Rudi", Role.TKSK, "whatsapp")
    async with db.transaction() as repos:
        [held] = await repos.users.identities_of(rudi.id)
        await repos.conn.execute(
            "UPDATE channel_identities SET external_id = 'ID.Z', chat_id = ?, phone = ?,"
            " phone_verified = 1 WHERE id = ?",
            (NEW_WA_ID, "+" + NEW_WA_ID, held.id),
        )
    await route(db, app, _moved())
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=rudi.id,
            message=Outbound.say("Kasus KNG-2026-000002 menunggu verifikasi"),
            kind=DeliveryKind.NOTICE,
            now=NOW,
        )
    assert (await whatsapp_identity(db, sari.id)).chat_id == NEW_WA_ID
    his = await whatsapp_identity(db, rudi.id)
    assert his.chat_id is None and not his.phone_verified
    assert [row[1] for row in await _outbox(db, rudi.id)] == [None]  # not to Sari's phone
    assert await audited(db, "user.number_taken") == [f"user:{rudi.id}"]


async def test_her_old_number_links_nobody_to_her_after_she_moved(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        telegram = await repos.users.add_identity(
            user_id=sari.id, channel="telegram", external_id="7001", chat_id="7001", now=NOW
        )
        await repos.users.set_identity_phone(telegram.id, "+" + WA_ID, verified=True)
        await repos.users.update(sari.id, now=NOW, phone="+" + WA_ID, phone_verified=True)
    await route(db, app, _moved())
    async with db.reading() as repos:
        assert await repos.users.verified_elsewhere("+" + WA_ID, other_than="whatsapp") is None
        profile = await repos.users.get(sari.id)
    assert profile is not None and not profile.phone_verified
    newcomer = await from_whatsapp(db, app, "ID.STRANGER", WA_ID)
    assert newcomer.user is not None and newcomer.user.id != sari.id
    assert newcomer.user.status == UserStatus.REGISTERING


async def test_her_first_message_before_metas_word_is_merged_into_her(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    first = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    assert first.user is not None and first.user.id != sari.id  # a stranger, for now
    await route(db, app, _moved())
    later = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID, text="menu")
    assert later.user is not None and later.user.id == sari.id
    assert "Selamat datang" not in "".join(r.text or "" for r in later.replies)
    async with db.reading() as repos:
        assert await repos.users.identities_of(first.user.id) == []
    assert await audited(db, "user.stranger_merged") == [f"user:{sari.id}"]


async def test_a_psm_who_answered_a_question_before_metas_word_is_merged_into_her(
    world,
) -> None:
    """Review 8: Sari, a PSM, writes from her new number, is welcomed as a stranger and types
    her name; then Meta's word comes. It vouches she is Sari: the stranger, still only
    registering, is merged into her (the registration cancelled, audited), her account
    follows to the new number, and she is told there, with her menu. Her next message is
    Sari's, and the window her first message opened is her account's."""
    db, app = world
    sari = await sari_on_whatsapp(db, role=Role.PSM)
    async with db.transaction() as repos:  # she last wrote from her old number days ago
        await repos.conn.execute(
            "UPDATE channel_identities SET last_inbound_at = '2026-01-01T00:00:00+00:00'"
            " WHERE user_id = ?",
            (sari.id,),
        )
    first = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    assert first.user is not None and first.user.id != sari.id
    assert "Siapa nama lengkap" in said(first)
    named = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID, text="Sari Wulandari")
    assert "Siapa nama lengkap" not in said(named)  # the name taken, the next question asked
    stranger = first.user.id
    async with db.reading() as repos:
        registration = await repos.forms.active(stranger)
    assert registration is not None and registration.state["answers"]

    moved = await route(db, app, _moved())
    assert moved.user is not None and moved.user.id == sari.id
    assert said(moved).startswith("✅ Akun Bapak/Ibu sudah tersambung lagi dengan nomor baru")
    assert "Buat laporan baru" in " ".join(labels(moved))  # her menu, a PSM's
    assert len(moved.replies) == 1
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id, mine.phone_verified) == ("ID.BSUID-C", NEW_WA_ID, True)
    assert mine.last_inbound_at == NOW  # the window her first message opened
    async with db.reading() as repos:
        assert await repos.users.identities_of(stranger) == []
        assert (await repos.forms.get(registration.id)).status == "cancelled"
        rows = await repos.conn.execute_fetchall(
            "SELECT subject, detail FROM audit_log WHERE action = 'user.stranger_merged'"
        )
    [(subject, detail)] = [tuple(row) for row in rows]
    assert subject == f"user:{sari.id}"
    assert json.loads(detail)["stranger"] == stranger and json.loads(detail)["answers_dropped"]

    later = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID, text="menu")
    assert later.user is not None and later.user.id == sari.id
    assert "Buat laporan baru" in " ".join(labels(later))
    assert "Siapa nama lengkap" not in said(later) and "Selamat datang" not in said(later)


async def test_her_report_begun_before_she_moved_is_asked_again_after_the_merge(
    world,
) -> None:
    """She had a report open on her old number: after the merge its question is asked
    again on the new one, under the word that her account is found, not her menu."""
    db, app = world
    sari = await sari_on_whatsapp(db, role=Role.PSM)
    begun = await from_whatsapp(db, app, "ID.BSUID-A", WA_ID, text="lapor")
    question = said(begun).split("\n")[-1]
    await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    moved = await route(db, app, _moved())
    assert moved.user is not None and moved.user.id == sari.id
    assert said(moved).startswith("✅ Akun Bapak/Ibu sudah tersambung lagi")
    assert "Isian Bapak/Ibu masih berjalan" in said(moved) and question in said(moved)


async def test_a_suspended_person_merged_is_told_in_her_language_what_her_status_allows(
    world,
) -> None:
    """Not active: the word that her account is found, in her language, with what her status
    lets her do; no menu."""
    db, app = world
    sari = await sari_on_whatsapp(db, role=Role.PSM)
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=NOW, status=UserStatus.SUSPENDED, language="en")
    await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    moved = await route(db, app, _moved())
    assert said(moved).startswith("✅ Your account is connected again, with your new number.")
    assert "suspended" in said(moved) and labels(moved) == []


async def test_a_stranger_with_another_account_stays_and_the_admins_are_told_who(
    world,
) -> None:
    """The new id's person also has a Telegram account: not merged (it is more than a
    registration begun). The admins are told, naming them by the name they typed."""
    db, app = world
    sari = await sari_on_whatsapp(db)
    admin = await person(db, "Pak Admin", Role.ADMIN, "telegram")
    first = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID, text="Budi Santoso")
    assert first.user is not None
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=first.user.id, channel="telegram", external_id="7002", chat_id="7002", now=NOW
        )
    moved = await route(db, app, _moved())
    assert moved.replies == []
    assert (await whatsapp_identity(db, sari.id)).chat_id == WA_ID
    assert (await whatsapp_identity(db, first.user.id)).external_id == "ID.BSUID-C"
    async with db.reading() as repos:
        [told] = [i.message["text"] for i in await repos.outbox.for_user(admin.id)]
    assert "akun Budi Santoso (Sedang mendaftar)" in told
    assert await audited(db, "user.stranger_merged") == []


async def test_a_person_known_by_the_number_alone_is_found_by_it(world) -> None:
    """`previous_user_id` names a BSUID we never saw (she wrote before BSUIDs came): `from`,
    her old number, finds her; the number's next owner is a stranger."""
    db, app = world
    sari = await sari_on_whatsapp(db, bsuid="wa:" + WA_ID)
    await route(db, app, _moved())
    mine = await whatsapp_identity(db, sari.id)
    assert (mine.external_id, mine.chat_id) == ("ID.BSUID-C", NEW_WA_ID)
    newcomer = await from_whatsapp(db, app, "ID.NEXT-OWNER", WA_ID)
    assert newcomer.user is not None and newcomer.user.id != sari.id
    assert (await whatsapp_identity(db, sari.id)).external_id == "ID.BSUID-C"


async def test_another_accounts_bsuid_at_her_old_number_is_not_her(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db, bsuid="ID.BSUID-A")
    await route(db, app, _moved(previous_user_id="ID.SOMEONE-ELSE"))
    assert (await whatsapp_identity(db, sari.id)).chat_id == WA_ID


async def test_an_alert_for_a_taken_number_goes_by_telegram(world) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=sari.id, channel="telegram", external_id="7001", chat_id="7001", now=NOW
        )
        await deliver(
            repos,
            user_id=sari.id,
            message=Outbound.say("DARURAT KNG-2026-000009"),
            kind=DeliveryKind.ALERT,
            now=NOW,
            channel="whatsapp",
            chat_id=WA_ID,
        )
    await from_whatsapp(db, app, "ID.STRANGER", WA_ID)
    alerts = [row for row in await _outbox(db, sari.id) if row[3] == "alert"]
    assert alerts == [("telegram", "7001", "pending", "alert")]


async def test_an_alert_for_a_taken_number_with_no_other_channel_fails_and_is_told(
    world,
) -> None:
    db, app = world
    sari = await sari_on_whatsapp(db)
    coordinator = await person(db, "Pak Joko", Role.COORDINATOR, "telegram")
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=sari.id,
            message=Outbound(text="DARURAT KNG-2026-000009", summary="KNG-2026-000009"),
            kind=DeliveryKind.ALERT,
            now=NOW,
        )
    await from_whatsapp(db, app, "ID.STRANGER", WA_ID)
    assert [row for row in await _outbox(db, sari.id) if row[3] == "alert"] == [
        ("whatsapp", WA_ID, "failed", "alert")
    ]
    async with db.reading() as repos:
        told = [i.message["text"] for i in await repos.outbox.for_user(coordinator.id)]
    assert any("KNG-2026-000009" in text for text in told)


async def test_a_recycled_admin_number_makes_nobody_admin(world) -> None:
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    first = await from_whatsapp(db, app, "ID.ADMIN", WA_ID)  # the admin the setting names
    assert first.user is not None and first.user.role == Role.ADMIN
    other = await person(db, "Bu Admin", Role.ADMIN, "telegram")
    stranger = await from_whatsapp(db, app, "ID.STRANGER", WA_ID)
    again = await from_whatsapp(db, app, "ID.STRANGER", WA_ID, text="menu")
    for turn in (stranger, again):
        assert turn.user is not None and turn.user.id != first.user.id
        assert turn.user.role is None and turn.user.status == UserStatus.REGISTERING
    async with db.reading() as repos:
        told = [i.message["text"] for i in await repos.outbox.for_user(other.id)]
    assert any("ADMIN_WHATSAPP_PHONES" in text and "+62812*****890" in text for text in told)
    assert any("tidak dijadikan admin" in text for text in told)
    assert WA_ID not in "".join(told)
    assert await audited(db, "user.admin_refused") == [f"user:{stranger.user.id}"]


async def test_an_admins_number_left_by_metas_word_makes_nobody_admin(world) -> None:
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    first = await from_whatsapp(db, app, "ID.BSUID-A", WA_ID)
    assert first.user is not None and first.user.role == Role.ADMIN
    await route(db, app, _moved())
    newcomer = await from_whatsapp(db, app, "ID.NEXT-OWNER", WA_ID)
    assert newcomer.user is not None and newcomer.user.role is None
    moved = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    assert moved.user is not None and moved.user.id == first.user.id
    assert moved.user.role == Role.ADMIN


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_new_owner_of_an_admin_number_is_no_configured_admin(world, channel) -> None:
    """The setting's number given up shields its new owner from no change on /pengguna."""
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    await from_whatsapp(db, app, "ID.ADMIN", WA_ID)
    stranger = await from_whatsapp(db, app, "ID.STRANGER", WA_ID)
    assert stranger.user is not None
    async with db.transaction() as repos:  # later registered and approved as a PSM
        await repos.users.update(
            stranger.user.id,
            now=NOW,
            full_name="Budi Baru",
            role=Role.PSM,
            status=UserStatus.ACTIVE,
            kabupaten_code="32.08",
            kecamatan_code=KADUGEDE,
            desa_code=BABATAN,
        )
    admin = await person(db, "Bu Admin", Role.ADMIN, channel)
    found = await send(db, app, admin, channel, text="pengguna budi")
    card = await send(db, app, admin, channel, data=button(found, "Budi Baru"))
    roles = await send(db, app, admin, channel, data=button(card, "Ubah peran"))
    assert "ditetapkan di konfigurasi server" not in said(roles)
    assert "TKSK" in labels(roles)


@pytest.mark.parametrize("word_after", [True, False], ids=["word-after", "word-first"])
async def test_an_admins_new_bsuid_keeps_the_admin_number_whichever_comes_first(
    world, word_after: bool
) -> None:
    """The admin the setting names by number gets a new BSUID, the number unchanged, and
    writes from it before Meta's `user_changed_user_id` (or after it). For a moment a
    stranger was at the number, so it was given up; Meta's word keeps it: the admin is an
    admin by the setting again (nobody may change them in chat), and the other admins are
    told nothing (their notices, waiting the grace, dropped unsent), as when the word
    comes first."""
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    first = await from_whatsapp(db, app, "ID.BSUID-A", WA_ID)
    assert first.user is not None and first.user.role == Role.ADMIN
    other = await person(db, "Bu Admin", Role.ADMIN, "telegram")
    change = to_inbound(
        system_message("user_changed_user_id", user_id="ID.BSUID-D", previous_user_id="ID.BSUID-A")
    )
    assert change is not None
    if word_after:
        stranger = await from_whatsapp(db, app, "ID.BSUID-D", WA_ID)
        assert stranger.user is not None and stranger.user.id != first.user.id  # for now
    await route(db, app, change)
    later = await from_whatsapp(db, app, "ID.BSUID-D", WA_ID, text="menu")
    assert later.user is not None and later.user.id == first.user.id
    assert later.user.role == Role.ADMIN
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT status, message FROM outbox WHERE user_id = ?", (other.id,)
        )
    waiting = [json.loads(row[1])["text"] for row in rows if row[0] != "expired"]
    assert not any("ADMIN_WHATSAPP_PHONES" in t or "dijadikan admin" in t for t in waiting)
    page = await send(db, app, other, "telegram", data=f"pg:u:{first.user.id}")
    roles = await send(db, app, other, "telegram", data=button(page, "Ubah peran"))
    assert "ditetapkan di konfigurasi server" in said(roles), said(roles)


async def test_a_recycled_admin_numbers_new_owner_changing_bsuid_is_no_admin(world) -> None:
    """Review 11b: the admin moved away from the setting's number (Meta's word); months
    later its new owner's BSUID changes, the number unchanged, and they write from the new id
    before Meta's `user_changed_user_id`. The word vouches the new id is theirs, not that
    they are the admin who gave the number up: the number stays given up, nobody is admin."""
    db, app = world
    app = dataclasses.replace(app, admin_ids={"whatsapp": frozenset({"+" + WA_ID})})
    first = await from_whatsapp(db, app, "ID.BSUID-A", WA_ID)
    assert first.user is not None and first.user.role == Role.ADMIN
    await route(db, app, _moved())
    owner = await from_whatsapp(db, app, "ID.OWNER-1", WA_ID)
    assert owner.user is not None and owner.user.role is None
    await from_whatsapp(db, app, "ID.OWNER-2", WA_ID)  # their new id, before Meta's word
    change = to_inbound(
        system_message("user_changed_user_id", user_id="ID.OWNER-2", previous_user_id="ID.OWNER-1")
    )
    assert change is not None
    await route(db, app, change)
    later = await from_whatsapp(db, app, "ID.OWNER-2", WA_ID, text="menu")
    assert later.user is not None and later.user.id == owner.user.id
    assert later.user.role is None and later.user.status == UserStatus.REGISTERING
    assert await audited(db, "user.admin_number_kept") == []
    moved = await from_whatsapp(db, app, "ID.BSUID-C", NEW_WA_ID)
    assert moved.user is not None and moved.user.role == Role.ADMIN
