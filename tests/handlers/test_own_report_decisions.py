"""Nobody decides anything on a report of their own (QA walk 8): its page says "Ini laporan
Bapak/Ibu sendiri", and offers neither "Minta perbaikan" nor "Tolak" (nor verify or validate);
an old button or a typed one is refused with the page's words. A kabupaten's only coordinator
who reported a case, with no admin to stand in, is not promised a validation that cannot
come: she and the TKSK who verified it are told nobody can validate it, and whom to ask. On
both channels."""

from __future__ import annotations

import pytest

from handlers.context import AppContext
from handlers.review import possible_actions
from storage.db import Database
from storage.models import Role, User
from tests.handlers.review_turns import case_version, verify
from tests.handlers.routed_turns import CHANNELS, labels, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

NUMBER = "KNG-2026-000001"
OWN = "Ini laporan Bapak/Ibu sendiri"
DECISIONS = ("✅ Verifikasi", "✅ Validasi (setujui)", "↩️ Minta perbaikan", "❌ Tolak")
NOBODY = "belum ada koordinator yang dapat memvalidasinya"


async def _sari_reports(db: Database, channel: str, state: str = "submitted") -> tuple:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)  # Kuningan's only one
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        case_id = await seed_case(repos, reporter=sari, desa=BABATAN, at=NOW, number=NUMBER,
                                  state=state)  # fmt: skip
    return sari, tono, case_id


async def _decisions_offered(db: Database, app: AppContext, user: User, channel: str, case_id):
    page = await send(db, app, user, channel, data=f"cs:{case_id}")
    return [label for label in labels(page) if label in DECISIONS], said(page)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("state", ["submitted", "verified"])
async def test_the_reporter_is_offered_no_decision_and_an_old_button_is_refused(
    world, channel: str, state: str
) -> None:
    db, app = world
    sari, _, case_id = await _sari_reports(db, channel, state)
    offered, page = await _decisions_offered(db, app, sari, channel, case_id)
    assert offered == [] and OWN in page
    for code in ("b", "x"):  # send back, reject: as an old page or a typed word would tap
        _, version = await case_version(db, case_id)
        refused = await send(db, app, sari, channel, data=f"ca:{code}:{case_id}:{version}")
        assert OWN in said(refused), said(refused)
        assert await case_version(db, case_id) == (state, version)  # nothing asked, nothing moved


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_tksk_neither_sends_back_his_own_report(world, channel: str) -> None:
    db, app = world
    await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        case_id = await seed_case(repos, reporter=tono, desa=BABATAN, at=NOW, number=NUMBER)
    offered, page = await _decisions_offered(db, app, tono, channel, case_id)
    assert offered == [] and OWN in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nobody_to_validate_is_said_not_promised(world, channel: str) -> None:
    db, app = world
    sari, tono, case_id = await _sari_reports(db, channel)
    done = await verify(db, app, tono, channel, f"ca:v:{case_id}:1")
    assert await case_version(db, case_id) == ("verified", 2)
    assert "Belum ada koordinator yang dapat memvalidasi laporan" in said(done)
    (told,) = [m.text for m in await queued(db, sari) if NUMBER in (m.text or "")]
    assert NOBODY in told and "menunggu validasi koordinator" not in told
    assert "minta admin menambah koordinator" in told
    _, page = await _decisions_offered(db, app, tono, channel, case_id)
    assert "Belum ada koordinator yang dapat memvalidasi laporan" in page
    # Hers says it in one line with "laporan sendiri", not in two that say nearly the same
    # (QA walk 10).
    _, page = await _decisions_offered(db, app, sari, channel, case_id)
    (notice,) = [line for line in page.split("\n") if line.startswith("ℹ️")]
    assert notice.startswith(f"ℹ️ {OWN}") and "belum ada koordinator lain" in notice, page
    assert "minta admin menambah koordinator" in notice


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nobody_to_validate_names_the_district_office_contact(world, channel: str) -> None:
    """With the district's office contact set, "ask the admin" says through whom (QA walk
    10): on the TKSK's notice, the reporter's and both pages."""
    db, app = world
    sari, tono, case_id = await _sari_reports(db, channel)
    contact = "Pak Budi 0812-1111-2222"
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", contact, by=sari.id, now=NOW)
    asked = f"Mohon minta admin, lewat kontak Dinas Sosial ({contact}), menambah koordinator"
    done = await verify(db, app, tono, channel, f"ca:v:{case_id}:1")
    assert asked in said(done), said(done)
    (told,) = [m.text for m in await queued(db, sari) if NUMBER in (m.text or "")]
    assert NOBODY in told and asked in told, told
    for viewer in (sari, tono):
        _, page = await _decisions_offered(db, app, viewer, channel, case_id)
        assert asked in page, page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_with_an_admin_to_stand_in_the_validation_is_promised(world, channel: str) -> None:
    db, app = world
    sari, tono, case_id = await _sari_reports(db, channel)
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    done = await verify(db, app, tono, channel, f"ca:v:{case_id}:1")
    assert "Belum ada koordinator" not in said(done)
    (told,) = [m.text for m in await queued(db, sari) if NUMBER in (m.text or "")]
    assert "menunggu validasi koordinator" in told and NOBODY not in told
    _, page = await _decisions_offered(db, app, sari, channel, case_id)
    assert OWN in page and "Belum ada koordinator" not in page
    assert any("Mohon Bapak/Ibu sebagai admin" in (m.text or "") for m in await queued(db, admin))


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("viewer", ["tksk", "other_coordinator"])
async def test_a_verified_page_works_out_who_may_validate_once(
    world, channel: str, viewer: str, monkeypatch
) -> None:
    """The page's buttons and its "nobody to validate" line read one answer to who may
    validate: it is worked out once per page, not once for each (code review 11a)."""
    db, app = world
    _, tono, case_id = await _sari_reports(db, channel)
    await verify(db, app, tono, channel, f"ca:v:{case_id}:1")
    looking = tono
    if viewer == "other_coordinator":  # else Sari, who reported it, is Kuningan's only one
        looking = await person(db, "Ibu Rina", Role.COORDINATOR, channel)
    asked: list[str] = []
    real = possible_actions.deciders

    async def counted(repos, action, **where):
        asked.append(action)
        return await real(repos, action, **where)

    monkeypatch.setattr(possible_actions, "deciders", counted)
    offered, page = await _decisions_offered(db, app, looking, channel, case_id)
    assert asked == ["approve"], asked
    validate = "✅ Validasi (setujui)"
    if viewer == "tksk":
        assert validate not in offered and "Belum ada koordinator yang dapat" in page, page
    else:
        assert validate in offered and "Belum ada koordinator" not in page, page
