"""Who suspended a person, or rejected or reviewed again their registration, is named as the
notice of a change of role names them ("oleh Ibu Sari"): in the notice itself and in what the
person reads later (any message, /bantuan), read from the decision's audit entry. Before,
these said "koordinator Dinas Sosial" whoever had acted (an admin too). Where nobody is
recorded (a row changed outside the bot), the plain wording names nobody. On both channels."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _told(db: Database, user: User) -> list[str]:
    """Every notice delivered to `user`, oldest first."""
    async with db.reading() as repos:
        return [item.message.get("text") or "" for item in await repos.outbox.for_user(user.id)]


async def _reject(db: Database, app, who: User, rina: User, channel: str) -> None:
    """`who` opens Rina's request from /pengguna and rejects it without a reason."""
    page = await send(db, app, who, channel, data=f"pg:u:{rina.id}")
    asked = await send(db, app, who, channel, data=button(page, "Tolak"))
    await send(db, app, who, channel, data=button(asked, "Tanpa alasan"))


async def test_a_suspended_person_is_told_later_who_suspended_them(world, channel) -> None:
    db, app = world
    budi = await person(db, "Pak Budi", Role.ADMIN, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, budi, channel, data=f"pg:sy:{ani.id}:{await _version(db, ani)}")
    written = said(await send(db, app, ani, channel, text="halo"))
    assert written == app.catalog.text("id", "status_explained.suspended_by", by="Pak Budi")
    assert written.startswith("Akun Bapak/Ibu sedang dinonaktifkan oleh Pak Budi.")
    assert "silakan hubungi Pak Budi atau Dinas Sosial kabupaten" in written
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert "Akun Bapak/Ibu sedang dinonaktifkan oleh Pak Budi." in helped
    assert "koordinator" not in written + helped


async def test_a_suspension_nobody_recorded_names_nobody(world, channel) -> None:
    db, app = world
    ani = await person(
        db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN,
        status=UserStatus.SUSPENDED,
    )  # fmt: skip
    written = said(await send(db, app, ani, channel, text="halo"))
    assert written == app.catalog.text("id", "status_explained.suspended")
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert helped == app.catalog.text("id", "help.suspended")
    assert "dinonaktifkan oleh" not in written + helped


async def test_a_rejection_names_who_rejected_then_and_later(world, channel) -> None:
    db, app = world
    budi = await person(db, "Pak Budi", Role.ADMIN, channel)
    rina = await waiting_registration(db, channel)
    await _reject(db, app, budi, rina, channel)
    (notice,) = await _told(db, rina)
    assert notice.startswith("Maaf, pendaftaran Bapak/Ibu tidak disetujui oleh Pak Budi.")
    assert "silakan hubungi Pak Budi atau Dinas Sosial kabupaten" in notice
    written = said(await send(db, app, rina, channel, text="halo"))
    assert written == app.catalog.text("id", "status_explained.rejected_by", by="Pak Budi")
    helped = said(await send(db, app, rina, channel, command="bantuan"))
    assert helped.startswith(app.catalog.text("id", "help.rejected_by", by="Pak Budi"))
    assert "koordinator" not in notice + written + helped


async def test_a_rejection_nobody_recorded_names_nobody(world, channel) -> None:
    db, app = world
    dodi = await person(db, "Dodi", None, channel, status=UserStatus.REJECTED)
    written = said(await send(db, app, dodi, channel, text="halo"))
    assert written == app.catalog.text("id", "status_explained.rejected")
    helped = said(await send(db, app, dodi, channel, command="bantuan"))
    assert helped == app.catalog.text("id", "help.rejected")
    assert "tidak disetujui koordinator" not in helped and "oleh" not in helped


async def test_a_registration_reviewed_again_names_who_reviews_it(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await waiting_registration(db, channel)
    await _reject(db, app, sari, rina, channel)
    await send(db, app, sari, channel, data=f"pg:rv:{rina.id}:{await _version(db, rina)}")
    told = (await _told(db, rina))[-1]
    assert told.startswith("Pendaftaran Bapak/Ibu sedang ditinjau ulang oleh Ibu Sari.")
    assert "koordinator" not in told
