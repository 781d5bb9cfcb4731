"""A user `psm-bot user merge` absorbed keeps its row only for the audit log (storage/
user_merge.py): no list of people offers it (an admin's name search in /pengguna), no change
of people acts on it (an empty user reactivated from an old page's button), and /audit names
it "digabung ke <the kept user>"."""

from __future__ import annotations

import pytest

from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW


async def _merged(db, channel: str) -> tuple[User, User, User]:
    """Pak Admin; Bu Ani Sumarni (kept) and her second user Ani S, merged into her."""
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    ani = await person(db, "Bu Ani Sumarni", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    second = await person(db, "Ani S", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.user_merge.merge(keep=ani.id, absorb=second.id, now=NOW)
        await repos.audit.record(
            now=NOW,
            actor_id=None,
            action="user.merged",
            subject=f"user:{second.id}",
            detail={"into": ani.id},
        )
        absorbed = await repos.users.get(second.id)
    assert absorbed is not None and absorbed.merged_into == ani.id
    return admin, ani, absorbed


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_admins_name_search_offers_the_person_not_her_merged_user(
    world, channel: str
) -> None:
    db, app = world
    admin, _, _ = await _merged(db, channel)
    found = await send(db, app, admin, channel, command="pengguna", command_args="Ani")
    assert "Ditemukan 1 pengguna" in said(found), said(found)
    offered = labels(found)
    assert any("Bu Ani Sumarni" in label for label in offered), offered
    assert not any("Ani S ·" in label or label.endswith("Ani S") for label in offered), offered


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_merged_user_is_not_reactivated_from_an_old_page(world, channel: str) -> None:
    db, app = world
    admin, _, absorbed = await _merged(db, channel)
    page = said(await send(db, app, admin, channel, data=f"pg:u:{absorbed.id}"))
    assert "Ani S" not in page, page
    tapped = await send(db, app, admin, channel, data=f"pg:a:{absorbed.id}:{absorbed.version}")
    assert "diaktifkan" not in said(tapped).lower(), said(tapped)
    async with db.reading() as repos:
        still = await repos.users.get(absorbed.id)
    assert still is not None and still.status == UserStatus.SUSPENDED
    assert still.role is None and still.merged_into is not None


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_audit_names_a_merged_user_merged_into_the_person(world, channel: str) -> None:
    db, app = world
    admin, _, absorbed = await _merged(db, channel)
    async with db.transaction() as repos:  # an act of hers before the merge
        await repos.audit.record(
            now=NOW, actor_id=absorbed.id, action="case.search", subject=None, detail={}
        )
    shown = said(await send(db, app, admin, channel, data="au:1:*:*:-:0", now=NOW))
    assert "Ani S (digabung ke Bu Ani Sumarni)" in shown, shown
    assert shown.count("digabung ke Bu Ani Sumarni") == 2, shown  # the actor and the subject
