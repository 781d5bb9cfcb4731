"""Case counts for /statistik: by state, category, kecamatan and reporter, within a scope and
a period of submission.

For a period, migration 0005's covering indexes start with the scope column and
`submitted_at`, so each count reads only the period's range of one index (never the table),
and the category counts add one primary-key lookup per case. All time (`all_time`) reads the
`case_counts` rollup of migration 0008 instead, kept exact by triggers.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.base import Repo
from storage.models import to_db
from storage.scope import Scope


class NamedCount(BaseModel):
    """A region or a person with how many cases."""

    model_config = ConfigDict(frozen=True)

    code: str  # region code, or the user id as text
    name: str
    count: int


class CaseCounts(BaseModel):
    """How many cases of a scope were reported in a period, and where they stand now."""

    model_config = ConfigDict(frozen=True)

    total: int
    by_state: dict[str, int]  # current state of the cases reported in the period
    by_category: dict[str, int]  # a case may carry several categories
    by_kecamatan: list[NamedCount]  # most first
    by_reporter: list[NamedCount]  # the top reporters, most first


class StatsRepo(Repo):
    """Grouped counts over cases (read-only)."""

    async def counts(
        self, scope: Scope, *, since: datetime, until: datetime, top: int = 10
    ) -> CaseCounts:
        """Cases in `scope` submitted in [since, until]."""
        condition, params = scope.where("c")
        period = f"{condition} AND c.submitted_at >= ? AND c.submitted_at <= ?"
        values = (*params, to_db(since), to_db(until))
        # One index range gives state, kecamatan and reporter at once.
        rows = await self._all(
            "SELECT c.kecamatan_code, c.state, c.reporter_id, COUNT(*) FROM cases c"
            f" WHERE {period} GROUP BY c.kecamatan_code, c.state, c.reporter_id",
            values,
        )
        states: Counter[str] = Counter()
        kecamatan: Counter[str] = Counter()
        reporters: Counter[int] = Counter()
        for code, state, reporter, count in rows:
            states[state] += count
            kecamatan[code] += count
            reporters[reporter] += count
        categories = {
            row[0]: row[1]
            for row in await self._all(
                "SELECT k.code, COUNT(*) FROM cases c JOIN case_categories k ON k.case_id = c.id"
                f" WHERE {period} GROUP BY k.code ORDER BY COUNT(*) DESC, k.code",
                values,
            )
        }
        region_names = await self._names(
            "SELECT code, name FROM regions WHERE code IN ({marks})", list(kecamatan)
        )
        best = sorted(reporters.items(), key=lambda item: (-item[1], item[0]))[:top]
        user_names = await self._names(
            "SELECT id, full_name FROM users WHERE id IN ({marks})", [uid for uid, _ in best]
        )
        by_kecamatan = sorted(
            (
                NamedCount(code=code, name=region_names.get(code, code), count=count)
                for code, count in kecamatan.items()
            ),
            key=lambda item: (-item.count, item.name),
        )
        by_reporter = [
            NamedCount(code=str(uid), name=user_names.get(uid, "") or f"#{uid}", count=count)
            for uid, count in best
        ]
        return CaseCounts(
            total=sum(states.values()),
            by_state=dict(states.most_common()),
            by_category=categories,
            by_kecamatan=by_kecamatan,
            by_reporter=by_reporter,
        )

    async def all_time(self, scope: Scope) -> CaseCounts | None:
        """Every case of a kabupaten or kecamatan scope (or all), from the `case_counts`
        rollup (migration 0008): a few hundred rows at a million cases. None for scopes the
        rollup does not cover (a PSM's desa and own cases); no reporters either way."""
        regional = scope.kecamatan_code is not None or scope.kabupaten_code is not None
        if not scope.everything and (scope.desa_code is not None or not regional):
            return None
        condition, params = scope.where("r")
        cases, tagged = f"{condition} AND r.category = ''", f"{condition} AND r.category != ''"
        rows = await self._all(  # summed in SQL: a few dozen rows come back, not thousands
            f"SELECT 's', r.state, SUM(r.cases) FROM case_counts r WHERE {cases} GROUP BY 2"
            f" UNION ALL SELECT 'k', r.kecamatan_code, SUM(r.cases) FROM case_counts r"
            f" WHERE {cases} GROUP BY 2"
            f" UNION ALL SELECT 'c', r.category, SUM(r.cases) FROM case_counts r"
            f" WHERE {tagged} GROUP BY 2",
            (*params, *params, *params),
        )
        found: dict[str, Counter[str]] = {"s": Counter(), "k": Counter(), "c": Counter()}
        for what, key, count in rows:
            if count > 0:
                found[what][key] += count
        states, kecamatan, categories = found["s"], found["k"], found["c"]
        region_names = await self._names(
            "SELECT code, name FROM regions WHERE code IN ({marks})", list(kecamatan)
        )
        return CaseCounts(
            total=sum(states.values()),
            by_state=dict(states.most_common()),
            by_category=dict(sorted(categories.items(), key=lambda item: (-item[1], item[0]))),
            by_kecamatan=sorted(
                (
                    NamedCount(code=code, name=region_names.get(code, code), count=count)
                    for code, count in kecamatan.items()
                ),
                key=lambda item: (-item.count, item.name),
            ),
            by_reporter=[],
        )

    async def _names(self, sql: str, keys: list) -> dict:
        if not keys:
            return {}
        rows = await self._all(sql.format(marks=", ".join("?" for _ in keys)), keys)
        return {row[0]: row[1] for row in rows}
