"""Decision buttons belong to one registration request: a button of an earlier request (before
a correction, before "Tinjau ulang") is refused, saying what changed, with the request as it
is now and its own buttons; an old button without a version decides only a person's first,
unchanged request; two coordinators pressing at once: one wins. A correction sent after a
rejection reaches the approvers as one: who rejected it, why, and what changed. On both
channels."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.channels.whatsapp.outbound import render
from handlers.context import AppContext
from handlers.events import Outbound
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    queued,
    said,
    send,
    waiting_registration,
)

OLD_BUTTON = "Tombol itu dari pesan lama, jadi tidak dijalankan."
CORRECTION = "Perbaikan pendaftaran menunggu persetujuan"


async def _people(db: Database, channel: str) -> tuple[User, User, User]:
    """Ibu Sari and Ibu Dewi, coordinators of Kuningan, and Rina, whose registration as PSM
    of Babatan (Kadugede) waits."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    dewi = await person(db, "Ibu Dewi", Role.COORDINATOR, channel)
    return sari, dewi, await waiting_registration(db, channel)


async def _now(db: Database, user: User) -> User:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found


async def _reject(db: Database, app: AppContext, who: User, rina: User, channel: str, label: str):
    """`who` opens Rina's request from /pengguna and rejects it for the reason `label`."""
    page = await send(db, app, who, channel, data=f"pg:u:{rina.id}")
    asked = await send(db, app, who, channel, data=button(page, "Tolak"))
    decided = await send(db, app, who, channel, data=button(asked, label))
    assert (await _now(db, rina)).status == UserStatus.REJECTED, said(decided)


async def _correct(
    db: Database, app: AppContext, rina: User, channel: str, *, name: str = "", desa: str = ""
) -> None:
    """Rina opens her rejected registration (/daftar), changes her name and/or desa, sends it."""
    summary = await send(db, app, rina, channel, command="daftar")
    for question, answer in (("Nama", name), ("Desa/Kelurahan", desa)):
        if answer:
            editing = await send(db, app, rina, channel, data=button(summary, "Ubah jawaban"))
            await send(db, app, rina, channel, data=button(editing, question))
            summary = await send(db, app, rina, channel, text=answer)
    sent = await send(db, app, rina, channel, data=button(summary, "Kirim"))
    assert "menunggu persetujuan" in said(sent)


def _shown(turn) -> Outbound:
    """The message a tap answered with (an edit of the tapped one, or a new one)."""
    return next(reply for reply in turn.replies if reply.type in ("text", "edit"))


async def _decisions(db: Database) -> list[str]:
    async with db.reading() as repos:
        approved = await repos.audit.entries("registration.approved")
        rejected = await repos.audit.entries("registration.rejected")
    return ["approved" for _ in approved] + ["rejected" for _ in rejected]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_old_approve_does_not_approve_the_correction(world, channel: str) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    first = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")  # Sari looks, waits
    reasons = await send(db, app, sari, channel, data=button(first, "Tolak"))
    await _reject(db, app, dewi, rina, channel, "Nama tidak sesuai")
    await _correct(db, app, rina, channel, name="Rina Lestari")

    for old in (button(first, "Setujui"), button(reasons, "Wilayah salah")):
        refused = await send(db, app, sari, channel, data=old)
        text = _shown(refused).text
        assert text.startswith(OLD_BUTTON)
        assert "Rina Lestari sudah mengirim perbaikan pendaftaran" in text
        assert CORRECTION in text and "Nama: Rina Lestari" in text
        assert "Sebelumnya ditolak oleh Ibu Dewi, alasan: Nama tidak sesuai." in text
        assert "Yang diubah: Nama." in text  # read back: the audit keeps no names
        waiting = await _now(db, rina)
        assert (waiting.status, waiting.role) == (UserStatus.PENDING, None)
    assert await _decisions(db) == ["rejected"]
    if channel == "whatsapp":  # approve, reject, the /pengguna menu: three reply buttons
        (body,) = render(_shown(refused), app.catalog, "id").bodies
        assert body["interactive"]["type"] == "button"

    approved = await send(db, app, sari, channel, data=button(refused, "Setujui"))
    assert "Pendaftaran Rina Lestari disetujui oleh Ibu Sari" in _shown(approved).text
    active = await _now(db, rina)
    assert (active.status, active.role, active.full_name) == (
        UserStatus.ACTIVE,
        Role.PSM,
        "Rina Lestari",
    )


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_correction_notice_says_what_was_rejected_and_what_changed(
    world, channel: str
) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    await _reject(db, app, dewi, rina, channel, "Wilayah salah")
    await _correct(db, app, rina, channel, name="Rina Lestari", desa="Sindangjawa")

    for approver in (sari, dewi):
        notice = (await queued(db, approver))[-1]
        assert notice.text.startswith(f"<b>🔁 {CORRECTION}</b>")
        assert "Sebelumnya ditolak oleh Ibu Dewi, alasan: Wilayah salah." in notice.text
        assert "• Nama: Rina Lestri → Rina Lestari" in notice.text
        assert "• Wilayah: Babatan, Kadugede → Sindangjawa, Kadugede" in (notice.text)
        assert "Peran" not in notice.text.split("Yang diubah:")[1]  # unchanged answers: not listed
        assert notice.summary == "Pendaftaran menunggu persetujuan"  # a WhatsApp template's line
    async with db.reading() as repos:
        (submitted,) = await repos.audit.entries("registration.submitted")
    detail = json.loads(submitted["detail"])
    assert detail == {
        "corrects": {"reason": "region", "by": dewi.id, "changed": ["name", "region"]}
    }
    # The request shown again later (/pengguna) still says so.
    page = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    assert CORRECTION in said(page) and "Yang diubah: Nama, Wilayah." in said(page)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_changing_nothing_says_so(world, channel: str) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    await _reject(db, app, dewi, rina, channel, "Nama tidak sesuai")
    await _correct(db, app, rina, channel)
    notice = (await queued(db, sari))[-1]
    assert "Tidak ada jawaban yang diubah." in notice.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_first_registration_is_no_correction(world, channel: str) -> None:
    db, app = world
    sari, _, rina = await _people(db, channel)
    page = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    assert "Pendaftaran baru menunggu persetujuan" in said(page)
    assert CORRECTION not in said(page) and "Sebelumnya ditolak" not in said(page)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_old_button_is_refused_after_tinjau_ulang(world, channel: str) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    first_sari = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    first_dewi = await send(db, app, dewi, channel, data=f"pg:u:{rina.id}")
    await _reject(db, app, dewi, rina, channel, "Bukan PSM/TKSK di sini")
    version = (await _now(db, rina)).version
    again = await send(db, app, dewi, channel, data=f"pg:rv:{rina.id}:{version}")  # Tinjau ulang
    assert "Pendaftaran baru menunggu persetujuan" in said(again)  # no correction: reviewed

    refused = await send(db, app, sari, channel, data=button(first_sari, "Setujui"))
    assert _shown(refused).text.startswith(
        OLD_BUTTON + " Pendaftaran Rina Lestri ditinjau ulang oleh Ibu Dewi."
    )
    mine = await send(db, app, dewi, channel, data=button(first_dewi, "Setujui"))
    assert "Pendaftaran Rina Lestri sudah Bapak/Ibu tinjau ulang." in _shown(mine).text
    assert (await _now(db, rina)).status == UserStatus.PENDING
    assert await _decisions(db) == ["rejected"]
    async with db.reading() as repos:
        stale = await repos.audit.entries("registration.refused")
    assert [entry["subject"] for entry in stale] == [f"user:{rina.id}"] * 2

    approved = await send(db, app, dewi, channel, data=button(again, "Setujui"))
    assert "disetujui oleh Ibu Dewi" in _shown(approved).text
    assert (await _now(db, rina)).status == UserStatus.ACTIVE


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_button_without_a_version_decides_only_a_first_unchanged_request(
    world, channel: str
) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    # Sent before buttons carried a version: Rina at version 1 has sent this one request only.
    reasons = await send(db, app, sari, channel, data=f"ap:{rina.id}:r")
    assert "Pilih alasannya" in _shown(reasons).text
    assert button(reasons, "Wilayah salah") == f"ap:{rina.id}:1:yw"
    await send(db, app, sari, channel, data=f"ap:{rina.id}:yn:p")
    assert (await _now(db, rina)).status == UserStatus.REJECTED

    await _correct(db, app, rina, channel, name="Rina Lestari")
    for old in (f"ap:{rina.id}:a", f"ap:{rina.id}:y", f"ap:{rina.id}:r:p"):
        refused = await send(db, app, dewi, channel, data=old)
        assert _shown(refused).text.startswith(OLD_BUTTON), old
        assert (await _now(db, rina)).status == UserStatus.PENDING
    assert await _decisions(db) == ["rejected"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_old_format_approve_of_a_first_request_still_approves(world, channel: str) -> None:
    db, app = world
    sari, _, rina = await _people(db, channel)
    approved = await send(db, app, sari, channel, data=f"ap:{rina.id}:a")
    assert "disetujui oleh Ibu Sari" in _shown(approved).text
    assert (await _now(db, rina)).status == UserStatus.ACTIVE


@pytest.mark.parametrize("channel", CHANNELS)
async def test_two_coordinators_pressing_at_once_only_one_wins(world, channel: str) -> None:
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    seen_sari = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    seen_dewi = await send(db, app, dewi, channel, data=f"pg:u:{rina.id}")
    reasons = await send(db, app, dewi, channel, data=button(seen_dewi, "Tolak"))
    approve, reject = button(seen_sari, "Setujui"), button(reasons, "Nama tidak sesuai")
    turns = await asyncio.gather(
        send(db, app, sari, channel, data=approve), send(db, app, dewi, channel, data=reject)
    )
    assert len(await _decisions(db)) == 1
    texts = [_shown(turn).text for turn in turns]
    # The loser hears the winner's outcome: "sudah disetujui oleh" or "sudah ditolak oleh".
    outcome = "disetujui" if await _decisions(db) == ["approved"] else "ditolak"
    assert sum(f"sudah {outcome} oleh Ibu" in text for text in texts) == 1
    assert len(await queued(db, rina)) == 1  # told once, of the one decision


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_approval_has_the_main_menus_buttons(world, channel: str) -> None:
    """QA walk 4: "Selamat! ... sudah disetujui" listed commands but had no buttons; now the
    buttons the person's next "halo" shows."""
    db, app = world
    sari, _, rina = await _people(db, channel)
    page = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    await send(db, app, sari, channel, data=button(page, "Setujui"))
    (told,) = await queued(db, rina)
    assert "sudah disetujui" in (told.text or "")
    shown = [[b.label for b in row] for row in told.buttons]
    assert shown == [["📝 Buat laporan baru"], ["📋 Draf", "📁 Laporan saya"]]
    hello = await send(db, app, await _now(db, rina), channel, text="halo")
    menu = [[b.label for b in row] for reply in hello.replies for row in reply.buttons]
    assert menu == shown
    assert [b.data for row in told.buttons for b in row] == [
        "menu:lapor",
        "menu:draf",
        "menu:laporan_saya",
    ]
    if channel == "whatsapp":  # a list of three reply buttons there
        body = render(told, app.catalog, "id").bodies[-1]
        assert body["type"] == "interactive", body


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("other_rejects", [False, True])
async def test_a_reason_picked_after_another_decided_says_the_outcome(
    world, channel: str, other_rejects: bool
) -> None:
    """Sari taps Tolak; Dewi decides meanwhile; Sari's reason is refused with what Dewi did
    ("sudah disetujui oleh Ibu Dewi"), not only that it was decided (QA walk 12)."""
    db, app = world
    sari, dewi, rina = await _people(db, channel)
    page = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    reasons = await send(db, app, sari, channel, data=button(page, "Tolak"))
    if other_rejects:
        await _reject(db, app, dewi, rina, channel, "Wilayah salah")
    else:
        approved = await send(db, app, dewi, channel, data=f"pg:u:{rina.id}")
        await send(db, app, dewi, channel, data=button(approved, "Setujui"))
    late = _shown(await send(db, app, sari, channel, data=button(reasons, "Nama tidak sesuai")))
    done = "ditolak" if other_rejects else "disetujui"
    assert f"Pendaftaran Rina Lestri sudah {done} oleh Ibu Dewi." in late.text
    assert await _decisions(db) == ["rejected" if other_rejects else "approved"]
    # Tapped again by the one who decided: said as theirs.
    again = _shown(await send(db, app, dewi, channel, data=button(page, "Setujui")))
    done = "tolak" if other_rejects else "setujui"
    assert f"Pendaftaran Rina Lestri sudah Bapak/Ibu {done}." in again.text
