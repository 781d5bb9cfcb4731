"""A registration is decided only at the version the approver saw: a second decision, or one
of an earlier request of a person whose corrected request now waits, changes nothing."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Role, UserStatus
from tests.storage.seed_cases import KADUGEDE, NOW, make_user, open_database


async def test_a_decision_applies_only_at_the_version_seen(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
            rina = await make_user(repos, "Rina", None, kecamatan=KADUGEDE)  # type: ignore[arg-type]
            rina = await repos.users.update(
                rina.id, now=NOW, status=UserStatus.PENDING, requested_role=Role.PSM
            )
            seen = rina.version
            rejected = await repos.people.decide_registration(
                rina.id, version=seen, approve=False, decider_id=sari.id, now=NOW
            )
            assert rejected is not None and rejected.version == seen + 1
            # The same request decided again (a second approver at once): nothing.
            assert (
                await repos.people.decide_registration(
                    rina.id, version=seen, approve=True, decider_id=sari.id, now=NOW
                )
                is None
            )
            # Corrected and waiting again: the first request's approval still changes nothing.
            await repos.users.update(rina.id, now=NOW, status=UserStatus.PENDING)
            later = NOW + timedelta(minutes=5)
            assert (
                await repos.people.decide_registration(
                    rina.id, version=seen, approve=True, decider_id=sari.id, now=later
                )
                is None
            )
            waiting = await repos.users.get(rina.id)
            assert waiting is not None
            assert (waiting.status, waiting.role) == (UserStatus.PENDING, None)
            approved = await repos.people.decide_registration(
                rina.id, version=waiting.version, approve=True, decider_id=sari.id, now=later
            )
            assert approved is not None and approved.status == UserStatus.ACTIVE
    finally:
        await db.close()
