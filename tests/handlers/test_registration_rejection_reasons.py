"""A rejected registration says why: the approver picks a reason when confirming (an old
"Ya, tolak" button still rejects, without one), the audit entry keeps it and the person is told
it; for a name or region they may register again (/daftar or /start opens the form at its
summary with their earlier answers, the corrected request goes to the coordinators as any
other), for the other reasons only the reason is told. A rejected person's /bantuan explains
the rejection. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.whatsapp.outbound import ROW_TITLE, render, title_width
from handlers.context import AppContext
from handlers.draft_expiry import expire_drafts
from handlers.events import Outbound
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    labels,
    person,
    queued,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

REASONS = {  # reason -> its button's label, the words the person is told
    "name": ("Nama tidak sesuai", "nama yang didaftarkan tidak sesuai"),
    "region": ("Wilayah salah", "wilayah tugas (kecamatan atau desa/kelurahan)"),
    "not_here": ("Bukan PSM/TKSK di sini", "tidak tercatat sebagai PSM/TKSK"),
    "none": ("Tanpa alasan", None),
}
FIX = "ketik /daftar (atau /start)"  # how to register again with corrected answers
NOT_APPROVED = "Maaf, pendaftaran Bapak/Ibu tidak disetujui oleh Ibu Sari."
CONTACT = "Dinsos Kuningan, Bu Rina 0812-3456-7890"


async def _people(db: Database, channel: str) -> tuple[User, User]:
    """Ibu Sari, coordinator of Kuningan, and Rina, whose registration as PSM waits."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    return sari, await waiting_registration(db, channel)


def _shown(turn) -> Outbound:
    """The message a tap answered with (an edit of the tapped one, or a new one)."""
    return next(reply for reply in turn.replies if reply.type in ("text", "edit"))


async def _told(db: Database, user: User) -> list[str]:
    async with db.reading() as repos:
        return [item.message.get("text") or "" for item in await repos.outbox.for_user(user.id)]


async def _rejections(db: Database) -> list[tuple[str | None, str]]:
    async with db.reading() as repos:
        entries = await repos.audit.entries("registration.rejected")
    return [(entry["subject"], entry["detail"]) for entry in entries]


async def _reject(db: Database, app: AppContext, sari: User, rina: User, channel: str, label: str):
    asked = await send(db, app, sari, channel, data=f"ap:{rina.id}:r")
    return await send(db, app, sari, channel, data=button(asked, label))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_rejecting_asks_for_the_reason(world, channel: str) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    asked = await send(db, app, sari, channel, data=f"ap:{rina.id}:r")
    offered = labels(asked)
    assert offered == [label for label, _ in REASONS.values()] + ["‹ Kembali"]
    data = [b.data for reply in asked.replies for row in reply.buttons for b in row]
    assert all(len(d.encode()) <= 64 for d in data)
    assert all(title_width(label) <= ROW_TITLE for label in offered)
    assert "Pilih alasannya" in _shown(asked).text
    if channel == "whatsapp":  # five options: a list
        (body,) = render(_shown(asked), app.catalog, "id").bodies
        assert body["interactive"]["type"] == "list"
    async with db.reading() as repos:
        still = await repos.users.get(rina.id)
    assert still is not None and still.status == UserStatus.PENDING


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("reason", list(REASONS))
async def test_the_person_is_told_the_reason_and_it_is_audited(
    world, channel: str, reason: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", CONTACT, by=sari.id, now=NOW)
    label, words = REASONS[reason]
    decided = await _reject(db, app, sari, rina, channel, label)
    assert "Pendaftaran Rina Lestri ditolak oleh Ibu Sari" in _shown(decided).text
    assert (f"(alasan: {label})" in _shown(decided).text) == (reason != "none")
    (notice,) = await _told(db, rina)
    assert notice.startswith(NOT_APPROVED) and notice.endswith(CONTACT)
    if words is None:
        assert "Alasannya" not in notice
    else:
        assert words in notice
    assert (FIX in notice) == (reason in ("name", "region"))
    async with db.reading() as repos:  # what a WhatsApp template announces it as
        (item,) = await repos.outbox.for_user(rina.id)
    assert item.message.get("summary") == "Hasil pendaftaran"
    detail = f'{{"reason": "{reason}", "role": "psm"}}'  # the role asked for: a candidate's
    assert await _rejections(db) == [(f"user:{rina.id}", detail)]  # is cleared on rejection


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("origin", ["", ":p"])
async def test_an_old_ya_tolak_button_still_rejects_without_a_reason(
    world, channel: str, origin: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await send(db, app, sari, channel, data=f"ap:{rina.id}:y{origin}")
    async with db.reading() as repos:
        rejected = await repos.users.get(rina.id)
    assert rejected is not None and rejected.status == UserStatus.REJECTED
    told = app.catalog.text("id", "registration.you_are_rejected", by="Ibu Sari")
    assert await _told(db, rina) == [told]
    assert await _rejections(db) == [(f"user:{rina.id}", '{"reason": "none", "role": "psm"}')]
    # Told again the same when they write: no reason, no way to register again.
    again = await send(db, app, rina, channel, command="daftar")
    assert said(again) == app.catalog.text("id", "status_explained.rejected_by", by="Ibu Sari")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("command", ["daftar", "start"])
async def test_a_wrong_name_is_corrected_and_sent_again(world, channel: str, command: str) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await _reject(db, app, sari, rina, channel, "Nama tidak sesuai")

    opened = await send(db, app, rina, channel, command=command)
    text = said(opened)
    assert "nama yang didaftarkan tidak sesuai" in text
    for answer in ("Rina Lestri", "+6281234567890", "PSM (desa)", "Kadugede", "Babatan"):
        assert answer in text  # the summary of the earlier answers
    editing = await send(db, app, rina, channel, data=button(opened, "Ubah jawaban"))
    asked = await send(db, app, rina, channel, data=button(editing, "Nama"))
    assert "Siapa nama lengkap" in said(asked)
    summary = await send(db, app, rina, channel, text="Rina Lestari")
    assert "Rina Lestari" in said(summary)
    sent = await send(db, app, rina, channel, data=button(summary, "Kirim"))
    assert "menunggu persetujuan" in said(sent)

    async with db.reading() as repos:
        waiting = await repos.users.get(rina.id)
    assert waiting is not None
    assert (waiting.status, waiting.full_name, waiting.requested_role) == (
        UserStatus.PENDING,
        "Rina Lestari",
        Role.PSM,
    )
    assert (waiting.kecamatan_code, waiting.desa_code) == (KADUGEDE, BABATAN)
    request = (await queued(db, sari))[-1]  # a correction, said so (test_registration_requests)
    assert "Perbaikan pendaftaran menunggu persetujuan" in request.text
    assert "Rina Lestari" in request.text

    approved = await send(db, app, sari, channel, data=button(request, "Setujui"))
    assert "disetujui oleh Ibu Sari" in _shown(approved).text
    async with db.reading() as repos:
        active = await repos.users.get(rina.id)
    assert active is not None and (active.status, active.role) == (UserStatus.ACTIVE, Role.PSM)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_wrong_region_is_corrected_and_an_unfinished_correction_goes_on(
    world, channel: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await _reject(db, app, sari, rina, channel, "Wilayah salah")
    opened = await send(db, app, rina, channel, command="daftar")
    assert "wilayah tugas" in said(opened)
    editing = await send(db, app, rina, channel, data=button(opened, "Ubah jawaban"))
    await send(db, app, rina, channel, data=button(editing, "Desa/Kelurahan"))
    help_meanwhile = await send(db, app, rina, channel, command="bantuan")
    assert "Di desa/kelurahan mana?" in said(help_meanwhile)  # the question asked again
    resumed = await send(db, app, rina, channel, command="start")
    assert "Kita lanjutkan pendaftaran" in said(resumed)
    summary = await send(db, app, rina, channel, text="Sindangjawa")
    sent = await send(db, app, rina, channel, data=button(summary, "Kirim"))
    assert "menunggu persetujuan" in said(sent)
    async with db.reading() as repos:
        waiting = await repos.users.get(rina.id)
    assert waiting is not None and waiting.status == UserStatus.PENDING
    assert waiting.desa_code == "32.08.01.2001"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_new_registration_after_a_reason_the_person_cannot_fix(
    world, channel: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await _reject(db, app, sari, rina, channel, "Bukan PSM/TKSK di sini")
    for command in ("daftar", "start"):
        told = await send(db, app, rina, channel, command=command)
        assert NOT_APPROVED in said(told) and "tidak tercatat sebagai PSM/TKSK" in said(told)
        assert "/daftar" not in said(told)
    typed = await send(db, app, rina, channel, text="Rina Lestari")
    assert "tidak tercatat sebagai PSM/TKSK" in said(typed)
    async with db.reading() as repos:
        sessions = await repos.forms.of_user(rina.id, ("active", "paused"))
        still = await repos.users.get(rina.id)
    assert sessions == [] and still is not None and still.status == UserStatus.REJECTED


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("reason", ["name", "not_here", "none"])
async def test_a_rejected_persons_help_explains_the_rejection(
    world, channel: str, reason: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", CONTACT, by=sari.id, now=NOW)
    label, words = REASONS[reason]
    await _reject(db, app, sari, rina, channel, label)
    helped = said(await send(db, app, rina, channel, command="bantuan"))
    assert helped.startswith(app.catalog.text("id", "help.rejected_by", by="Ibu Sari"))
    assert "mulai atau lanjutkan pendaftaran" not in helped  # not the registration's help
    assert words is None or words in helped
    assert (FIX in helped) == (reason == "name")
    assert helped.endswith(CONTACT)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_sent_after_the_rejection_was_undone_changes_nothing(
    world, channel: str
) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await _reject(db, app, sari, rina, channel, "Nama tidak sesuai")
    opened = await send(db, app, rina, channel, command="daftar")
    async with db.reading() as repos:
        version = (await repos.users.get(rina.id)).version  # type: ignore[union-attr]
    again = await send(db, app, sari, channel, data=f"pg:rv:{rina.id}:{version}")  # Tinjau ulang
    await send(db, app, sari, channel, data=button(again, "Setujui"))
    late = await send(db, app, rina, channel, data=button(opened, "Kirim"))
    assert app.catalog.text("id", "status_explained.active") in said(late)
    async with db.reading() as repos:
        active = await repos.users.get(rina.id)
    assert active is not None and (active.status, active.role) == (UserStatus.ACTIVE, Role.PSM)
    assert not any("Pendaftaran baru" in text for text in await _told(db, sari))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_left_unfinished_is_warned_of(world, channel: str) -> None:
    db, app = world
    sari, rina = await _people(db, channel)
    await _reject(db, app, sari, rina, channel, "Wilayah salah")
    await send(db, app, rina, channel, command="daftar")
    later = NOW + timedelta(days=app.draft_ttl_days - 1)
    async with db.transaction() as repos:
        await expire_drafts(repos, app, later)
    warning = app.catalog.text("id", "registration.draft_warning", days=2)
    assert (await _told(db, rina))[-1] == warning
