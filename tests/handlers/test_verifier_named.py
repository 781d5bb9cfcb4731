"""Whoever verifies a case is the one the texts name: a coordinator verifying where the
kecamatan has no TKSK is not called the TKSK, not in the reporter's notice, the history or
what the other coordinators hear."""

from __future__ import annotations

import json

from handlers.review.case_page import show_case
from handlers.review.decisions import apply
from storage.models import Role, User
from storage.repos import Repos
from storage.scope import Scope
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    NOW,
    make_user,
    open_database,
    seed_case,
)


async def _reachable(repos: Repos, name: str, role: Role, **region: str) -> User:
    person = await make_user(repos, name, role, **region)
    await repos.users.add_identity(
        user_id=person.id, channel="telegram", external_id=str(person.id), chat_id="1", now=NOW
    )
    return person


async def _told(repos: Repos, person: User) -> list[str]:
    rows = await repos.outbox._all("SELECT message FROM outbox WHERE user_id = ?", (person.id,))
    return [json.loads(row[0])["text"] for row in rows]


async def _verify(tmp_path, verifier_role: Role, desa: str) -> tuple[list[str], list[str], str]:
    """The reporter's notices, the other coordinator's, and the verifier's case page."""
    db = await open_database(tmp_path / "psm.db")
    app = app_context(tmp_path / "media")
    async with db.transaction() as repos:
        kecamatan = desa.rsplit(".", 1)[0]
        psm = await _reachable(repos, "Bu Ani", Role.PSM, kecamatan=kecamatan, desa=desa)
        tono = await _reachable(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        sari = await _reachable(repos, "Ibu Sari", Role.COORDINATOR)
        dedi = await _reachable(repos, "Pak Dedi", Role.COORDINATOR)
        verifier = {Role.TKSK: tono, Role.COORDINATOR: sari}[verifier_role]
        case_id = await seed_case(repos, reporter=psm, desa=desa, at=NOW, number="KNG-2026-0001")
        case = await repos.review.detail(case_id, Scope(everything=True))
        await apply(command(app, repos, verifier, "antrian"), case_id, "verify", case.version, None)
        page = command(app, repos, verifier, "antrian")
        await show_case(page, case_id)
        told = await _told(repos, psm), await _told(repos, dedi)
    await db.close()
    return *told, page.replies[0].text


async def test_a_coordinator_verifying_is_not_called_the_tksk(tmp_path) -> None:
    reporter, coordinator, page = await _verify(tmp_path, Role.COORDINATOR, CINIRU_DESA)
    assert CINIRU_DESA.startswith(CINIRU)
    (notice,) = [text for text in reporter if "KNG-2026-0001" in text]
    assert "<b>Diverifikasi</b>" in notice and "TKSK" not in notice
    assert "Diverifikasi (Ibu Sari)" in page and "TKSK" not in page
    (heard,) = coordinator
    assert "sudah diverifikasi oleh Koordinator Dinas Sosial dan menunggu validasi" in heard


async def test_the_tksk_verifying_is_named_to_the_coordinators(tmp_path) -> None:
    _, coordinator, page = await _verify(tmp_path, Role.TKSK, BABATAN)
    assert "Diverifikasi (Pak Tono)" in page
    heard = [text for text in coordinator if "menunggu validasi" in text]
    assert heard == [
        "Laporan <b>KNG-2026-0001</b> sudah diverifikasi oleh TKSK dan menunggu validasi Bapak/Ibu."
    ]
