"""Reading people management (/pengguna): the lists of people, a person's page, their
workload, who could take it over; always within a scope (`people_where`). The SQL pieces
the changes share with these reads are here too (`storage/people_changes.py`).
"""

from __future__ import annotations

from typing import Any

from storage.base import Repo, like_escape, placeholders
from storage.models import OPEN_CASE_STATES, Role, User
from storage.scope import Scope
from storage.users import user_from_row

DRAFT_FORM = "case_report"
# A session with something in it: an answer, or what it was opened for (a case sent back, a
# training). One without is no draft (`handlers/case_report._untouched`): /draf does not list
# it, so it is neither counted, handed over nor kept when its person is suspended.
HAS_ANSWERS = (
    "(EXISTS (SELECT 1 FROM json_each(state, '$.answers'))"
    " OR json_type(state, '$.context') IS NOT NULL)"
)
# `User.awaits_decision` in SQL ({u} is the table alias with its dot, or nothing).
AWAITS_DECISION = (
    "({u}status = 'pending' OR ({u}status = 'active' AND {u}role = 'calon'"
    " AND {u}requested_role IS NOT NULL))"
)


def people_where(scope: Scope, alias: str = "u") -> tuple[str, tuple[Any, ...]]:
    """A SQL condition limiting `alias` (a users row) to the people a scope may manage. A
    user merged into another (`merged_into`) is nobody's to find or change: its row stays
    only for the audit log."""
    kept = f"{alias}.merged_into IS NULL"
    if scope.everything:
        return kept, ()
    if scope.kabupaten_code is not None and scope.kecamatan_code is None:
        return f"{kept} AND {alias}.kabupaten_code = ?", (scope.kabupaten_code,)
    return "0 = 1", ()


def _open_cases_of(user_id: int, scope: Scope) -> tuple[str, tuple[Any, ...]]:
    """A SQL condition on cases `c`: the open cases the person reports, within the scope (of
    who hands them over: a coordinator moves those of their kabupaten only)."""
    where, params = scope.where("c")
    return (
        f"c.reporter_id = ? AND c.state IN ({placeholders(OPEN_CASE_STATES)}) AND {where}",
        (user_id, *OPEN_CASE_STATES, *params),
    )


class PeopleQueries(Repo):
    """The reads of people management (part of `PeopleRepo`)."""

    async def _page(
        self, condition: str, params: tuple[Any, ...], scope: Scope, limit: int, offset: int
    ) -> tuple[list[User], int]:
        where, scope_params = people_where(scope)
        sql = f"FROM users u WHERE {where} AND {condition}"
        total = await self._one(f"SELECT COUNT(*) {sql}", (*scope_params, *params))
        rows = await self._all(
            f"SELECT u.* {sql} ORDER BY u.full_name COLLATE NOCASE, u.id LIMIT ? OFFSET ?",
            (*scope_params, *params, limit, offset),
        )
        return [user_from_row(row) for row in rows], int(total[0]) if total else 0

    async def pending(self, scope: Scope, *, limit: int, offset: int) -> tuple[list[User], int]:
        """Registrations waiting for a decision (`User.awaits_decision`)."""
        return await self._page(AWAITS_DECISION.format(u="u."), (), scope, limit, offset)

    async def with_role(
        self, scope: Scope, role: Role, *, limit: int, offset: int
    ) -> tuple[list[User], int]:
        """Active and suspended people of a role."""
        return await self._page(
            "u.role = ? AND u.status IN ('active', 'suspended')", (role,), scope, limit, offset
        )

    async def in_kecamatan(
        self, scope: Scope, kecamatan_code: str, *, limit: int, offset: int
    ) -> tuple[list[User], int]:
        """Active and suspended people working in a kecamatan."""
        return await self._page(
            "u.kecamatan_code = ? AND u.status IN ('active', 'suspended')",
            (kecamatan_code,),
            scope,
            limit,
            offset,
        )

    async def named(
        self, scope: Scope, words: str, *, limit: int, offset: int
    ) -> tuple[list[User], int]:
        """People whose name contains every typed word (case ignored), those whose
        registration was rejected included (to review it again)."""
        parts = [w for w in words.lower().split() if w][:5]
        if not parts:
            return [], 0
        condition = " AND ".join("lower(u.full_name) LIKE ? ESCAPE '\\'" for _ in parts)
        params = tuple(f"%{like_escape(w)}%" for w in parts)
        return await self._page(
            f"u.status IN ('pending', 'active', 'suspended', 'rejected') AND {condition}",
            params,
            scope,
            limit,
            offset,
        )

    async def person(self, user_id: int, scope: Scope) -> User | None:
        """One person, or None when they are outside the scope."""
        where, params = people_where(scope)
        row = await self._one(
            f"SELECT u.* FROM users u WHERE u.id = ? AND {where}", (user_id, *params)
        )
        return user_from_row(row) if row else None

    async def workload(self, user_id: int, scope: Scope) -> tuple[int, int]:
        """(open cases reported by the person in the scope, their unfinished case-report
        drafts): what `hand_over` in that scope would move."""
        where, params = _open_cases_of(user_id, scope)
        cases = await self._one(f"SELECT COUNT(*) FROM cases c WHERE {where}", params)
        drafts = await self._one(
            "SELECT COUNT(*) FROM form_sessions WHERE user_id = ? AND form_id = ?"
            f" AND status IN ('active', 'paused') AND {HAS_ANSWERS}",
            (user_id, DRAFT_FORM),
        )
        return int(cases[0]) if cases else 0, int(drafts[0]) if drafts else 0

    async def active_tksk(self, kecamatan_code: str, *, other_than: int) -> User | None:
        """The active TKSK of a kecamatan other than this person (a kecamatan has one)."""
        row = await self._one(
            "SELECT * FROM users WHERE role = 'tksk' AND status = 'active'"
            " AND kecamatan_code = ? AND id != ? ORDER BY id LIMIT 1",
            (kecamatan_code, other_than),
        )
        return user_from_row(row) if row else None

    async def receivers(
        self, scope: Scope, departing: User, *, limit: int, offset: int
    ) -> tuple[list[User], int]:
        """Active PSM of the departing person's kabupaten (in scope) who could take over
        their work; those of the same kecamatan first, of the same desa first among them."""
        where, scope_params = people_where(scope)
        sql = (
            f"FROM users u WHERE {where} AND u.role = 'psm' AND u.status = 'active'"
            " AND u.kabupaten_code = ? AND u.id != ?"
        )
        params = (*scope_params, departing.kabupaten_code, departing.id)
        total = await self._one(f"SELECT COUNT(*) {sql}", params)
        rows = await self._all(
            f"SELECT u.* {sql} ORDER BY u.kecamatan_code IS NOT ?, u.desa_code IS NOT ?,"
            " u.full_name COLLATE NOCASE, u.id LIMIT ? OFFSET ?",
            (*params, departing.kecamatan_code, departing.desa_code, limit, offset),
        )
        return [user_from_row(row) for row in rows], int(total[0]) if total else 0

    async def verified_phone_owner(self, phone: str, *, other_than: int) -> int | None:
        """Another person whose verified phone (profile or channel) this number is."""
        row = await self._one(
            "SELECT id FROM users WHERE phone = ? AND phone_verified = 1 AND id != ?"
            " UNION SELECT user_id FROM channel_identities WHERE phone = ? AND phone_verified = 1"
            " AND user_id != ? LIMIT 1",
            (phone, other_than, phone, other_than),
        )
        return int(row[0]) if row else None
