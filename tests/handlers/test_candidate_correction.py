"""A training candidate (`calon`) whose application as PSM was rejected for their name or
region opens it again with /daftar at the summary with their earlier answers, as anyone
rejected does; the corrected application reaches the approvers marked as a correction. For
another reason /daftar starts a new application. On both channels."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import CHANNELS, button, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW


async def _budi_applied(db: Database, channel: str) -> tuple[User, User]:
    """Ibu Sari, coordinator of Kuningan, and Budi, a candidate whose application as PSM of
    Babatan waits."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    budi = await person(db, "Budi", Role.CALON, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        budi = await repos.users.update(
            budi.id, now=NOW, requested_role=Role.PSM, phone="+6281234567891"
        )
    return sari, budi


async def _reject(db, app, sari: User, budi: User, channel: str, label: str) -> None:
    page = await send(db, app, sari, channel, data=f"pg:u:{budi.id}")
    asked = await send(db, app, sari, channel, data=button(page, "Tolak"))
    await send(db, app, sari, channel, data=button(asked, label))
    async with db.reading() as repos:
        rejected = await repos.users.get(budi.id)
    assert rejected is not None and (rejected.role, rejected.requested_role) == (Role.CALON, None)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_rejected_candidate_corrects_the_earlier_answers(world, channel: str) -> None:
    db, app = world
    sari, budi = await _budi_applied(db, channel)
    await _reject(db, app, sari, budi, channel, "Nama tidak sesuai")

    opened = await send(db, app, budi, channel, command="daftar")
    text = said(opened)
    assert "nama yang didaftarkan tidak sesuai" in text
    for answer in ("Budi", "+6281234567891", "PSM (desa)", "Kadugede", "Babatan"):
        assert answer in text  # the summary of the earlier answers
    editing = await send(db, app, budi, channel, data=button(opened, "Ubah jawaban"))
    await send(db, app, budi, channel, data=button(editing, "Nama"))
    summary = await send(db, app, budi, channel, text="Budi Santoso")
    editing = await send(db, app, budi, channel, data=button(summary, "Ubah jawaban"))
    roles = await send(db, app, budi, channel, data=button(editing, "Peran"))
    summary = await send(db, app, budi, channel, data=button(roles, "TKSK"))
    sent = await send(db, app, budi, channel, data=button(summary, "Kirim"))
    assert "tetap peserta bimtek" in said(sent)

    async with db.reading() as repos:
        waiting = await repos.users.get(budi.id)
    assert waiting is not None
    assert (waiting.status, waiting.role, waiting.requested_role, waiting.full_name) == (
        UserStatus.ACTIVE,
        Role.CALON,
        Role.TKSK,
        "Budi Santoso",
    )
    notice = (await queued(db, sari))[-1]
    assert "Perbaikan pendaftaran menunggu persetujuan" in notice.text
    assert "Sebelumnya ditolak oleh Ibu Sari, alasan: Nama tidak sesuai." in notice.text
    assert "• Nama: Budi → Budi Santoso" in notice.text
    assert "• Peran: PSM → TKSK" in notice.text  # the role the rejection's entry kept
    approved = await send(db, app, sari, channel, data=button(notice, "Setujui"))
    assert "disetujui oleh Ibu Sari" in said(approved) + "".join(r.text for r in approved.replies)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_another_reason_starts_a_new_application(world, channel: str) -> None:
    db, app = world
    sari, budi = await _budi_applied(db, channel)
    await _reject(db, app, sari, budi, channel, "Bukan PSM/TKSK di sini")
    opened = await send(db, app, budi, channel, command="daftar")
    assert "Pendaftaran sebagai PSM atau TKSK" in said(opened)
    assert "Ubah jawaban" not in said(opened)
