"""A case's audit entries outlive the case: each state change keeps its number, so once the
retention deleted it, `/audit <number>` still finds its history, each line naming it by its
number. On Telegram and WhatsApp alike."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.retention import purge_closed_cases
from storage.models import Role
from tests.handlers.review_turns import verify
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

NUMBER = "KNG-2026-000001"


async def _case_version(db, case_id: int) -> int:
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT version FROM cases WHERE id = ?", (case_id,)
        )
    return int(rows[0][0])


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_history_of_a_case_deleted_by_retention_is_found_by_its_number(
    world, channel: str
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    async with db.transaction() as repos:
        case_id = await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number=NUMBER)
        # As the report's submission writes it (handlers/case_submission.py).
        await repos.audit.record(
            now=NOW,
            actor_id=ani.id,
            action="case.submitted",
            subject=f"case:{case_id}",
            detail={"number": NUMBER},
        )
    await verify(db, app, tono, channel, f"ca:v:{case_id}:{await _case_version(db, case_id)}")
    await send(db, app, sari, channel, data=f"ca:x:{case_id}:{await _case_version(db, case_id)}")
    await send(db, app, sari, channel, text="Sudah ditangani dinas lain")
    async with db.reading() as repos:
        kept = {
            entry["action"]: entry["detail"]
            for entry in await repos.audit.entries()
            if entry["subject"] == f"case:{case_id}"
        }
    assert '"number": "KNG-2026-000001"' in kept["case.verify"]
    assert '"number": "KNG-2026-000001"' in kept["case.reject"]

    later = NOW + timedelta(days=app.retention_days + 1)
    async with db.transaction() as repos:
        await purge_closed_cases(repos, app, later)
        assert await repos.cases.by_id(case_id) is None

    found = said(
        await send(db, app, admin, channel, command="audit", command_args=NUMBER, now=later)
    )
    assert "tidak ditemukan" not in found, found
    lines = found.split("\n\n")[1:]
    assert len(lines) == 3, found  # submitted, verified, rejected
    assert all(f"{NUMBER} (sudah dihapus)" in line for line in lines), found


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_reported_after_the_highest_was_deleted_has_its_own_history(
    world, channel: str
) -> None:
    """The case deleted was the highest: the next one gets a new id (and number), so the
    old case's entries without a number (written before migration 0025 kept it) stay the
    old case's and never show in the new case's `/audit`."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    async with db.transaction() as repos:
        number = await repos.cases.next_number("32.08", "KNG", NOW.year)
        old = await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number=number)
        await repos.audit.record(
            now=NOW, actor_id=ani.id, action="case.submitted", subject=f"case:{old}",
            detail={"number": number},
        )  # fmt: skip
        await repos.audit.record(  # as an entry written before 0025: no number
            now=NOW, actor_id=sari.id, action="case.view", subject=f"case:{old}", detail={}
        )
    await send(db, app, sari, channel, data=f"ca:x:{old}:{await _case_version(db, old)}")
    await send(db, app, sari, channel, text="Data ganda dengan laporan lain")
    later = NOW + timedelta(days=app.retention_days + 1)
    async with db.transaction() as repos:
        await purge_closed_cases(repos, app, later)
        assert await repos.cases.by_id(old) is None
        new_number = await repos.cases.next_number("32.08", "KNG", later.year)
        new = await seed_case(repos, reporter=ani, desa=BABATAN, at=later, number=new_number)
        await repos.audit.record(
            now=later, actor_id=ani.id, action="case.submitted", subject=f"case:{new}",
            detail={"number": new_number},
        )  # fmt: skip
    assert new > old and new_number != number

    found = said(
        await send(db, app, admin, channel, command="audit", command_args=new_number, now=later)
    )
    lines = found.split("\n\n")[1:]
    assert len(lines) == 1 and new_number in lines[0], found  # its submission only
    kept = said(
        await send(db, app, admin, channel, command="audit", command_args=number, now=later)
    )
    assert len(kept.split("\n\n")[1:]) == 3, kept  # submitted, viewed, rejected
