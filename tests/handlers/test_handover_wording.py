"""What the three people of a handover read: only the work there is ("1 draf", never "0
laporan dan 1 draf"), case numbers only when cases moved (never ": -"), names as stored, and
thanks for their service only for someone leaving (suspended), not one who stays active. On
both channels."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import CHANNELS, button, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, TUBAN_DESA, seed_case

FAREWELL = "Terima kasih atas pengabdian"


async def _hand_over(
    db: Database, app: AppContext, channel: str, sari: User, joko: User
) -> tuple[Turn, User]:
    """Ibu Sari hands Pak Joko's work to dewi (a PSM who typed her name in lower case)."""
    dewi = await person(db, "dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.reading() as repos:
        found = await repos.users.get(joko.id)
    assert found is not None
    done = await send(db, app, sari, channel, data=f"pg:hy:{joko.id}:{found.version}:{dewi.id}")
    return done, dewi


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_draft_handed_over_from_someone_staying_active(world, channel: str) -> None:
    db, app = world
    joko = await person(db, "Pak Joko", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, joko, channel, command="lapor")
    await send(db, app, joko, channel, text="Keluarga Draf")
    await send(db, app, joko, channel, command="batal")  # the draft is kept, paused

    done, dewi = await _hand_over(db, app, channel, sari, joko)
    assert "✅ 1 draf diserahkan kepada dewi\n" in said(done), said(done)
    assert ": -" not in said(done) and "0 laporan" not in said(done)
    (received,) = [m.text or "" for m in await queued(db, dewi)]
    assert "Ibu Sari menyerahkan kepada Bapak/Ibu 1 draf dari Pak Joko. Drafnya ada di /draf." in (
        received
    )
    assert "Kabar tentang laporan" not in received
    told = [m.text or "" for m in await queued(db, joko)][-1]
    assert told == "Ibu Sari menyerahkan 1 draf Bapak/Ibu kepada dewi."  # no farewell


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_suspended_persons_cases_name_their_numbers_and_thank_them(
    world, channel: str
) -> None:
    db, app = world
    joko = await person(
        db,
        "Pak Joko",
        Role.PSM,
        channel,
        kecamatan=KADUGEDE,
        desa=BABATAN,
        status=UserStatus.SUSPENDED,
    )
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=joko, desa=BABATAN, at=NOW, number="3208-0001")

    done, dewi = await _hand_over(db, app, channel, sari, joko)
    assert "✅ 1 laporan terbuka diserahkan kepada dewi: 3208-0001" in said(done), said(done)
    (received,) = [m.text or "" for m in await queued(db, dewi)]
    assert "1 laporan terbuka dari Pak Joko: 3208-0001. Kabar tentang laporan itu" in received
    assert "/draf" not in received
    told = [m.text or "" for m in await queued(db, joko)][-1]
    assert "menyerahkan 1 laporan terbuka Bapak/Ibu kepada dewi: 3208-0001." in told
    assert FAREWELL in told


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_count_said_is_what_the_handover_moves(world, channel: str) -> None:
    """Pak Joko, moved from Tuban to Kuningan, still reports an open case there: Kuningan's
    coordinator is told of (and hands over) only the case of her kabupaten; the admin, of
    both."""
    db, app = world
    joko = await person(db, "Pak Joko", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    await person(db, "dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=joko, desa=BABATAN, at=NOW, number="KNG-2026-000001")
        tuban = await seed_case(
            repos, reporter=joko, desa=TUBAN_DESA, at=NOW, number="TBN-2026-000001"
        )
    assert "Laporan terbuka: 2 · Draf: 0" in said(
        await send(db, app, admin, channel, data=f"pg:u:{joko.id}")
    )
    page = await send(db, app, sari, channel, data=f"pg:u:{joko.id}")
    assert "Laporan terbuka: 1 · Draf: 0" in said(page), said(page)
    asked = await send(db, app, sari, channel, data=button(page, "Serahkan laporan"))
    assert "Pak Joko punya 1 laporan terbuka" in said(asked), said(asked)
    confirm = await send(db, app, sari, channel, data=button(asked, "dewi"))
    assert "Serahkan 1 laporan terbuka dan 0 draf milik Pak Joko" in said(confirm)

    done = await send(db, app, sari, channel, data=button(confirm, "Ya, serahkan"))
    assert "✅ 1 laporan terbuka diserahkan kepada dewi: KNG-2026-000001" in said(done)
    async with db.reading() as repos:
        left = await repos.cases.by_id(tuban)
    assert left is not None and left.reporter_id == joko.id
    assert "Laporan terbuka: 0 · Draf: 0" in said(done), said(done)
