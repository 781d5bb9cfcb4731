"""The admins' queue: the cases nobody of their region may decide (an admin stands in) come
first, and the SQL that finds them agrees with `deciders`, the rule the review buttons use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from handlers.review.deciders import deciders
from handlers.scope import scope_of
from storage.case_review import awaits_decision_of
from storage.models import CaseState, Role
from storage.repos import Repos
from storage.scope import Scope
from tests.storage.seed_cases import NOW, make_user, open_database, seed_case

KADUGEDE, CINIRU = "32.08.01", "32.08.02"
KADUGEDE_DESA, CINIRU_DESA, TUBAN_DESA = "32.08.01.2006", "32.08.02.2001", "35.23.01.2001"
ACTION = {"submitted": "verify", "resubmitted": "verify", "verified": "approve"}


async def _ids(repos: Repos, scope: tuple[str, tuple[Any, ...]], condition: str, *more: Any):
    """The cases within the scope (`Scope.where`'s condition and parameters) that meet the
    SQL condition (its parameters: `more`)."""
    query = f"SELECT c.id FROM cases c WHERE {scope[0]} AND {condition}"
    return {row[0] for row in await repos.conn.execute_fetchall(query, (*scope[1], *more))}


@pytest.mark.parametrize("handed_over", [False, True], ids=["as_reported", "handed_over"])
async def test_what_nobody_of_the_region_may_decide_comes_first_for_admins(
    tmp_path, handed_over: bool
) -> None:
    """Handed over to a PSM, Ibu Sari's reports are still hers to never decide: the same
    cases wait for the admin."""
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=KADUGEDE_DESA)
        tono = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)  # Kuningan's only one
        admin = await make_user(repos, "Pak Admin", Role.ADMIN, kabupaten=None)
        tuban_psm = await make_user(repos, "Bu Wati", Role.PSM, kabupaten="35.23")  # nobody else
        cases = {}
        for index, (name, reporter, desa, state) in enumerate(
            [
                ("psm, tksk verifies", ani, KADUGEDE_DESA, "submitted"),
                ("tksk's own, coordinator verifies", tono, KADUGEDE_DESA, "submitted"),
                ("psm, coordinator approves", ani, KADUGEDE_DESA, "verified"),
                ("coordinator's own, no tksk there", sari, CINIRU_DESA, "resubmitted"),
                ("coordinator's own, verified", sari, KADUGEDE_DESA, "verified"),
                ("tuban, nobody at all", tuban_psm, TUBAN_DESA, "submitted"),
                ("sent back", sari, CINIRU_DESA, "needs_revision"),
                ("the admin's own, tuban", admin, TUBAN_DESA, "submitted"),
            ]
        ):
            cases[name] = await seed_case(
                repos,
                reporter=reporter,
                desa=desa,
                at=NOW + timedelta(minutes=index),  # the oldest first within a group
                number=f"KNG-2026-{index:05d}",
                state=state,
            )
        everything = Scope(everything=True)
        if handed_over:
            moved, _ = await repos.people.hand_over(from_id=sari.id, to_id=ani.id, scope=everything)
            assert len(moved) == 3
        found = await repos.review.stood_in_for(admin.id, everything, list(cases.values()))
        assert found == {
            cases["coordinator's own, no tksk there"],
            cases["coordinator's own, verified"],
            cases["tuban, nobody at all"],
        }

        # The same answer as the rule the review buttons use, case by case.
        for case_id in cases.values():
            case = await repos.cases.by_id(case_id)
            assert case is not None
            if case.state not in ACTION:
                continue
            who = await deciders(
                repos,
                ACTION[case.state],
                kecamatan_code=case.kecamatan_code,
                kabupaten_code=case.kabupaten_code,
                authors=case.authors,
            )
            # Nobody of the region may decide the admin's own either, but not the admin.
            own = case.reporter_id == admin.id
            assert who.standing_in == (case_id in found or own), case.number
            deciding = admin.id in {person.id for person in who.people}
            assert deciding == (case_id in found), case.number
        # The admins' daily reminder counts the same cases (looking in thin kabupaten only).
        assert await repos.review.stand_in_count(admin.id) == len(found)

        groups = ((CaseState.VERIFIED,), (CaseState.SUBMITTED, CaseState.RESUBMITTED))
        listed, total = await repos.review.queue(
            everything, groups, limit=10, offset=0, stand_in_for=admin.id
        )
        assert total == 7
        assert {case.id for case in listed[:3]} == found
        assert [case.id for case in listed[3:]] == [
            cases["psm, coordinator approves"],  # then the verified ones, as before
            cases["psm, tksk verifies"],
            cases["tksk's own, coordinator verifies"],
            cases["the admin's own, tuban"],  # not theirs to decide: not first, not marked
        ]
        # Only the cases asked about; a region's own queue is not reordered.
        stood_in = await repos.review.stood_in_for(admin.id, everything, [cases["sent back"]])
        assert stood_in == set()
        plain, _ = await repos.review.queue(everything, groups, limit=10, offset=0)
        assert plain[0].state == CaseState.VERIFIED and plain[-1].state != CaseState.VERIFIED

        # What waits for each one's own decision ("Berikutnya" after a decision): the same
        # cases as the rule the review buttons use.
        for who_decides in (tono, sari, admin):
            person = await repos.users.get(who_decides.id)
            assert person is not None
            scope = scope_of(person).where("c")
            expected = set()
            for case_id in await _ids(repos, scope, "1 = 1"):  # within the person's scope
                case = await repos.cases.by_id(case_id)
                assert case is not None
                if case.state in ACTION and (
                    await deciders(
                        repos,
                        ACTION[case.state],
                        kecamatan_code=case.kecamatan_code,
                        kabupaten_code=case.kabupaten_code,
                        authors=case.authors,
                    )
                ).includes(person):
                    expected.add(case_id)
            waiting = await _ids(repos, scope, awaits_decision_of(person.role, "?"), person.id)
            assert waiting == expected, person.full_name
        first = await repos.review.first_waiting(
            everything, groups, person_id=admin.id, role=Role.ADMIN, leaving_out=0
        )
        assert first == listed[0].id
    await db.close()
