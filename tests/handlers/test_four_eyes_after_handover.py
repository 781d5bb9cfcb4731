"""Four eyes survive a handover: a case handed to another PSM is still never verified or
approved by who wrote it (Pak Tono, a TKSK who stays active; Ibu Sari, a kabupaten's only
coordinator, whose report an admin hands over). On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import CaseState, Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import verify
from tests.handlers.routed_turns import CHANNELS, labels, person, queued, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

VERIFY = "✅ Verifikasi"
APPROVE = "✅ Validasi (setujui)"
NUMBER = "KNG-2026-000001"
RESUBMITTED_TO_VERIFIER = f"Laporan <b>{NUMBER}</b> sudah diperbaiki pelapor dan diajukan ulang."


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _case_version(db: Database, case_id: int) -> int:
    async with db.reading() as repos:
        found = await repos.conn.execute_fetchall(
            "SELECT version FROM cases WHERE id = ?", (case_id,)
        )
    return int(found[0][0])


async def _state(db: Database, case_id: int) -> CaseState:
    async with db.reading() as repos:
        case = await repos.cases.by_id(case_id)
    assert case is not None
    return case.state


async def _hand_over(
    db: Database, app: AppContext, channel: str, by: User, giver: User, receiver: User
) -> None:
    done = await send(
        db,
        app,
        by,
        channel,
        data=f"pg:hy:{giver.id}:{await _version(db, giver)}:{receiver.id}",
    )
    assert "diserahkan kepada" in " ".join(r.text or "" for r in done.replies), done.replies


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_tksk_never_verifies_his_own_report_handed_over_to_a_psm(
    world, channel: str
) -> None:
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    dewi = await person(db, "Dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        case_id = await seed_case(
            repos, reporter=tono, desa=BABATAN, at=NOW, number="KNG-2026-000001"
        )
    assert VERIFY not in labels(await send(db, app, tono, channel, data=f"cs:{case_id}"))

    # Pak Tono stays active (he moves kecamatan later, say); his work goes to Dewi.
    await _hand_over(db, app, channel, sari, tono, dewi)

    page = await send(db, app, tono, channel, data=f"cs:{case_id}")
    assert VERIFY not in labels(page), labels(page)
    version = await _case_version(db, case_id)
    await verify(db, app, tono, channel, f"ca:v:{case_id}:{version}")
    assert await _state(db, case_id) == CaseState.SUBMITTED
    # The coordinators verify it, as any report of the kecamatan's TKSK.
    assert VERIFY in labels(await send(db, app, sari, channel, data=f"cs:{case_id}"))
    await verify(db, app, sari, channel, f"ca:v:{case_id}:{version}")
    assert await _state(db, case_id) == CaseState.VERIFIED


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_only_coordinator_never_approves_her_report_an_admin_handed_over(
    world, channel: str
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)  # Kuningan's only one
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    dewi = await person(db, "Dewi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        case_id = await seed_case(
            repos, reporter=sari, desa=BABATAN, at=NOW, number="KNG-2026-000001", state="verified"
        )
    await _hand_over(db, app, channel, admin, sari, dewi)

    page = await send(db, app, sari, channel, data=f"cs:{case_id}")
    assert APPROVE not in labels(page), labels(page)
    await send(db, app, sari, channel, data=f"ca:a:{case_id}:{await _case_version(db, case_id)}")
    assert await _state(db, case_id) == CaseState.VERIFIED
    # Nobody of the region may approve it: the admin stands in, and is asked to.
    assert APPROVE in labels(await send(db, app, admin, channel, data=f"cs:{case_id}"))
    async with db.reading() as repos:
        assert await repos.review.stand_in_count(admin.id) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_correction_of_a_tksks_report_handed_over_goes_to_the_coordinators(
    world, channel: str
) -> None:
    """Pak Tono's report, sent back, goes to Bu Ani with his work; corrected by her, it is
    the coordinators' to verify again, not his."""
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        case_id = await seed_case(
            repos,
            reporter=tono,
            desa=BABATAN,
            at=NOW - timedelta(days=1),
            number=NUMBER,
            answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
            form_version=app.forms["case_report"].version,
        )
    await send(db, app, sari, channel, data=f"ca:b:{case_id}:{await _case_version(db, case_id)}")
    await send(db, app, sari, channel, text="Foto rumah belum ada")
    assert await _state(db, case_id) == CaseState.NEEDS_REVISION
    await _hand_over(db, app, channel, sari, tono, ani)

    await send(db, app, ani, channel, data=f"rv:{case_id}")
    await send(db, app, ani, channel, text="11")  # from the summary: the address
    await send(db, app, ani, channel, text="Dusun Manis RT 02 RW 05 No. 3")
    await send(db, app, ani, channel, text="kirim")
    assert await _state(db, case_id) == CaseState.RESUBMITTED

    to_tono = [m.text or "" for m in await queued(db, tono)]
    assert not [text for text in to_tono if "diperbaiki pelapor" in text], to_tono
    to_sari = [m.text or "" for m in await queued(db, sari)]
    assert [text for text in to_sari if RESUBMITTED_TO_VERIFIER in text], to_sari
    assert VERIFY in labels(await send(db, app, sari, channel, data=f"cs:{case_id}"))
    assert VERIFY not in labels(await send(db, app, tono, channel, data=f"cs:{case_id}"))
    async with db.reading() as repos:
        (entry,) = await repos.audit.entries("case.resubmitted")
    assert entry["detail"] == '{"number": "KNG-2026-000001"}'  # it outlives the case
