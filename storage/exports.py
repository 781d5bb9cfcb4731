"""Rows for spreadsheet exports (/ekspor in chat, `psm-bot export` on the server).

One row per person a case is about (a case without subjects gives one row). Rows are
streamed in chunks from an open cursor, in order of submission (the chat export's newest
first), so an export of any size
needs the memory of one chunk. Masking is the writer's job (handlers/export_sheet.py).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.base import Repo
from storage.models import from_db, to_db
from storage.scope import Scope

CHUNK = 500


class ExportRow(BaseModel):
    """One person of one case, with the region names."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    number: str
    submitted_at: datetime
    state: str
    urgency: str
    protected: bool
    kabupaten_code: str
    kabupaten_name: str
    kecamatan_code: str
    kecamatan_name: str
    desa_code: str
    desa_name: str
    categories: list[str]
    no_kk: str | None
    no_kk_missing: str | None
    head_name: str
    address: str
    nik: str | None
    nik_missing: str | None
    name: str | None
    sex: str | None
    birth_date: str | None
    relation: str | None
    reporter_name: str
    answers: str = "{}"  # the case's answers as stored (JSON): its further answers' columns
    # The check in the field of the verification the case stands on (JSON; None: not verified
    # since it was last submitted or sent back, or verified before the check was asked).
    verification: str | None = None
    # Who took that verification step and when (None: the case does not stand on one).
    verified_at: datetime | None = None
    verifier_name: str | None = None


# The latest of these steps of a case: its check when it is a verification. A case sent back
# since (waiting for its correction, corrected, or rejected after being sent back) is before
# verification again: its old check is no more. Validation and follow-up keep it.
_BEFORE_OR_AT_VERIFICATION = "'submitted', 'resubmitted', 'needs_revision', 'verified'"
_SELECT = (
    "SELECT c.id, c.number, c.submitted_at, c.state, c.urgency, c.protected,"
    " c.kabupaten_code, coalesce(rk.name, ''), c.kecamatan_code, coalesce(rc.name, ''),"
    " c.desa_code, coalesce(rd.name, ''),"
    " (SELECT group_concat(code, ',') FROM case_categories WHERE case_id = c.id),"
    " h.no_kk, h.no_kk_missing, h.head_name, h.address,"
    " m.nik, m.nik_missing, m.name, m.sex, m.birth_date, m.relation, coalesce(u.full_name, ''),"
    " c.answers, ve.detail, ve.at, vu.full_name"
)
# One row per person of each case (one for a case without subjects).
_FROM_ROWS = (
    "FROM cases c JOIN households h ON h.id = c.household_id"
    " LEFT JOIN case_subjects s ON s.case_id = c.id"
    " LEFT JOIN household_members m ON m.id = s.member_id"
)
_FROM = (
    f"{_FROM_ROWS}"
    " LEFT JOIN regions rk ON rk.code = c.kabupaten_code"
    " LEFT JOIN regions rc ON rc.code = c.kecamatan_code"
    " LEFT JOIN regions rd ON rd.code = c.desa_code"
    " LEFT JOIN users u ON u.id = c.reporter_id"
    # The verification the case stands on, and who took it: one join, no query per row.
    " LEFT JOIN case_events ve ON ve.to_state = 'verified' AND ve.id = (SELECT e.id"
    " FROM case_events e WHERE e.case_id = c.id"
    f" AND e.to_state IN ({_BEFORE_OR_AT_VERIFICATION}) ORDER BY e.id DESC LIMIT 1)"
    " LEFT JOIN users vu ON vu.id = ve.actor_id"
)


def _filters(
    scope: Scope,
    *,
    since: datetime | None = None,
    kecamatan_code: str | None = None,
    category: str | None = None,
    state: str | None = None,
) -> tuple[str, list[object]]:
    """The WHERE condition (on cases `c`) of an export, and its parameters."""
    condition, params = scope.where("c")
    where, values = [condition], list(params)
    if since is not None:
        where.append("c.submitted_at >= ?")
        values.append(to_db(since))
    if kecamatan_code is not None:
        where.append("c.kecamatan_code = ?")
        values.append(kecamatan_code)
    if state is not None:
        where.append("c.state = ?")
        values.append(state)
    if category is not None:
        where.append(
            "EXISTS (SELECT 1 FROM case_categories k WHERE k.case_id = c.id AND k.code = ?)"
        )
        values.append(category)
    return " AND ".join(where), values


def _row(r: tuple) -> ExportRow:
    return ExportRow(
        case_id=r[0],
        number=r[1],
        submitted_at=from_db(r[2]),
        state=r[3],
        urgency=r[4],
        protected=bool(r[5]),
        kabupaten_code=r[6],
        kabupaten_name=r[7],
        kecamatan_code=r[8],
        kecamatan_name=r[9],
        desa_code=r[10],
        desa_name=r[11],
        categories=sorted(r[12].split(",")) if r[12] else [],
        no_kk=r[13],
        no_kk_missing=r[14],
        head_name=r[15],
        address=r[16],
        nik=r[17],
        nik_missing=r[18],
        name=r[19],
        sex=r[20],
        birth_date=r[21],
        relation=r[22],
        reporter_name=r[23],
        answers=r[24],
        verification=r[25],
        verified_at=from_db(r[26]) if r[26] else None,
        verifier_name=r[27],
    )


class ExportRepo(Repo):
    """Streaming reads for exports; use it on the read-only connection where there is one."""

    async def rows(
        self,
        scope: Scope,
        *,
        since: datetime | None = None,
        kecamatan_code: str | None = None,
        category: str | None = None,
        state: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        chunk: int = CHUNK,
    ) -> AsyncGenerator[list[ExportRow], None]:
        """Rows in order of submission (`newest_first`: the latest case first), a case's
        rows together, `chunk` at a time; at most `limit` rows."""
        where, values = _filters(
            scope, since=since, kecamatan_code=kecamatan_code, category=category, state=state
        )
        cases = "c.submitted_at DESC, c.id DESC" if newest_first else "c.submitted_at, c.id"
        sql = f"{_SELECT} {_FROM} WHERE {where} ORDER BY {cases}, m.id"
        if limit is not None:
            sql += " LIMIT ?"
            values.append(limit)
        async with self.conn.execute(sql, values) as cursor:
            while True:
                batch = await cursor.fetchmany(chunk)
                if not batch:
                    return
                yield [_row(tuple(r)) for r in batch]

    async def count(self, scope: Scope, *, since: datetime | None = None) -> int:
        """How many rows `rows` would give (one per person of each case)."""
        where, values = _filters(scope, since=since)
        row = await self._one(f"SELECT COUNT(*) {_FROM_ROWS} WHERE {where}", values)
        return int(row[0])

    async def case_id(self, number: str) -> int | None:
        """The id of the case with this number."""
        row = await self._one("SELECT id FROM cases WHERE number = ?", (number,))
        return int(row[0]) if row else None
