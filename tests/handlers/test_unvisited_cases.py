"""Followed cases nobody visits are chased: approved (or last visited without a next date)
VISIT_INTERVAL_DAYS local days ago with no visit since, in the TKSK's daily reminder and
weekly digest, on both channels; the clock injected, a real database (QA walk 11)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.followup_reminders import VISIT_INTERVAL_DAYS
from handlers.reminders import daily_reminders
from handlers.weekly_digest import tksk_weekly_digest
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, queued
from tests.handlers.training_turns import at, plain
from tests.storage.seed_cases import BABATAN, CINIRU, CINIRU_DESA, KADUGEDE, seed_case

UNVISITED = "belum dikunjungi"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_cases_nobody_visits_are_chased_until_visited(world, channel) -> None:
    db, app = world
    assert VISIT_INTERVAL_DAYS == 7
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:

        async def case(number: str, state: str, **kwargs) -> int:
            return await seed_case(
                repos, reporter=psm, desa=BABATAN, at=at(1, 9), number=number, state=state, **kwargs
            )

        # Approved late on 1 Dec (local), edited on the 5th: the approval counts, not the edit.
        approved = await case("KNG-2026-000001", "approved", updated_at=at(5, 10))
        await repos.cases.add_event(
            approved,
            now=at(1, 23, 30),
            actor_id=tksk.id,
            from_state="verified",
            to_state="approved",
        )
        visited = await case("KNG-2026-000002", "in_follow_up")
        await repos.visits.add(
            visited,
            visited_on=date(2026, 12, 3),
            actions="Rujukan ke puskesmas",
            next_visit_on=None,
            recorded_by=tksk.id,
            now=at(3, 12),
        )
        planned = await case("KNG-2026-000003", "in_follow_up")
        await repos.visits.add(
            planned,
            visited_on=date(2026, 12, 1),
            actions="Kunjungan awal",
            next_visit_on=date(2026, 12, 30),
            recorded_by=tksk.id,
            now=at(1, 12),
        )
        await case("KNG-2026-000004", "resolved")
        await case("KNG-2026-000005", "closed")

    async def reminded(day: int) -> str:
        before = len(await queued(db, tksk))
        async with db.transaction() as repos:
            await daily_reminders(repos, app, at(day, 16))
        return "\n".join(plain(m.text) for m in (await queued(db, tksk))[before:])

    assert UNVISITED not in await reminded(7)  # approved six local days ago: not yet
    on_eighth = await reminded(8)
    assert UNVISITED in on_eighth and "7 hari" in on_eighth
    assert "KNG-2026-000001" in on_eighth
    for number in ("000002", "000003", "000004", "000005"):
        assert f"KNG-2026-{number}" not in on_eighth
    assert UNVISITED not in "\n".join(plain(m.text) for m in await queued(db, psm))

    on_tenth = await reminded(10)  # a week after the visit without a next date
    assert "KNG-2026-000001, KNG-2026-000002" in on_tenth
    assert "KNG-2026-000003" not in on_tenth

    async with db.transaction() as repos:
        await tksk_weekly_digest(repos, app, at(14, 7, 30))
    digest = plain((await queued(db, tksk))[-1].text)
    assert "Ringkasan mingguan" in digest
    assert "2 laporan disetujui belum dikunjungi 7 hari atau lebih" in digest
    assert "(KNG-2026-000001, KNG-2026-000002)" in digest
    assert "Slamet" not in digest and "Ayu" not in digest

    # A visit recorded ends the chase for that case.
    async with db.transaction() as repos:
        await repos.visits.add(
            approved,
            visited_on=date(2026, 12, 15),
            actions="Kunjungan awal",
            next_visit_on=date(2026, 12, 29),
            recorded_by=tksk.id,
            now=at(15, 12),
        )
    on_sixteenth = await reminded(16)
    assert UNVISITED in on_sixteenth and "KNG-2026-000002" in on_sixteenth
    assert "KNG-2026-000001" not in on_sixteenth


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_kecamatan_without_tksk_leaves_the_chase_to_the_coordinators(
    world, channel
) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    psm = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=CINIRU, desa=CINIRU_DESA)
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=psm,
            desa=CINIRU_DESA,
            at=at(1, 9),
            number="KNG-2026-000001",
            state="approved",
        )

    async def reminded(who, day: int) -> str:
        before = len(await queued(db, who))
        async with db.transaction() as repos:
            await daily_reminders(repos, app, at(day, 16))
        return "\n".join(plain(m.text) for m in (await queued(db, who))[before:])

    assert await reminded(coordinator, 7) == ""  # not a week yet: no reminder at all
    told = await reminded(coordinator, 8)
    assert UNVISITED in told and "KNG-2026-000001" in told
    assert "KNG-2026-000001" not in "\n".join(plain(m.text) for m in await queued(db, tksk))

    # Ciniru gets its TKSK: the chase is his now, the coordinators are left in peace.
    ciniru_tksk = await person(db, "Pak Budi", Role.TKSK, channel, kecamatan=CINIRU)
    assert await reminded(coordinator, 9) == ""
    assert "KNG-2026-000001" in "\n".join(plain(m.text) for m in await queued(db, ciniru_tksk))
