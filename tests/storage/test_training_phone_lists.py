"""Whom a training's phone list may reach: vouched numbers of active PSM, TKSK and candidates
of the training's area; anyone else's number is known but not invitable (None)."""

from __future__ import annotations

from storage.models import Role, UserStatus
from storage.scope import Scope
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database


async def _with_phone(repos, user, phone: str, *, verified: bool = True) -> None:
    identity = await repos.users.add_identity(
        user_id=user.id, channel="telegram", external_id=str(user.id), now=NOW
    )
    await repos.conn.execute(
        "UPDATE channel_identities SET phone = ?, phone_verified = ? WHERE id = ?",
        (phone, int(verified), identity.id),
    )


async def test_only_people_of_the_area_who_may_train_are_found(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            here = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            tksk = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
            other_kecamatan = await make_user(repos, "Pak Joko", Role.PSM, kecamatan="32.08.02")
            tuban = await make_user(
                repos, "Bu Rina", Role.PSM, kabupaten="35.23", kecamatan="35.23.01"
            )
            coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
            typed = await make_user(repos, "Bu Wati", Role.PSM, kecamatan=KADUGEDE)
            left = await make_user(repos, "Bu Tuti", Role.PSM, kecamatan=KADUGEDE)
            await repos.users.update(left.id, now=NOW, status=UserStatus.SUSPENDED)
            for number, user in enumerate(
                (here, tksk, other_kecamatan, tuban, coordinator, left), start=1
            ):
                await _with_phone(repos, user, f"+62812000000{number:02d}")
            await _with_phone(repos, typed, "+6281200000007", verified=False)
        phones = [f"+62812000000{n:02d}" for n in range(1, 9)]
        async with db.reading() as repos:
            kecamatan = await repos.training_invites.users_with_verified_phone(
                phones, Scope(kecamatan_code=KADUGEDE)
            )
            kabupaten = await repos.training_invites.users_with_verified_phone(
                phones, Scope(kabupaten_code="32.08")
            )
        assert kecamatan == {
            "+6281200000001": here.id,
            "+6281200000002": tksk.id,
            "+6281200000003": None,  # another kecamatan
            "+6281200000004": None,  # another kabupaten
            "+6281200000005": None,  # a coordinator
        }  # typed (unverified), inactive and unknown numbers: not found at all
        assert kabupaten["+6281200000003"] == other_kecamatan.id
        assert kabupaten["+6281200000004"] is None and kabupaten["+6281200000005"] is None
    finally:
        await db.close()
