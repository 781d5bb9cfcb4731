"""Case counts for /statistik: by state, category, kecamatan and reporter, within a scope and
a period of submission.

For a period of a kabupaten, a kecamatan or everything, the whole local days come from the
per-day rollups `case_day_counts` and `case_day_reporters` (migration 0015, kept exact by
triggers) and only the partial days at the ends (for /statistik: today) are counted from the
cases, through migration 0005's covering indexes (scope column, then `submitted_at`: one index
range, never the table). The last 7, 30 or 365 local days (`recent_days`, what /statistik
asks) read the rolling windows of migration 0016 instead: one row per kecamatan, state and
category, and one per reporter. A PSM's desa scope is counted from the cases. All time
(`all_time`) reads the `case_counts` rollup of migration 0014.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from storage.base import Repo, placeholders
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


ONE_DAY = timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)  # stored moments have microseconds


@dataclass
class _Tally:
    states: Counter[str] = field(default_factory=Counter)
    kecamatan: Counter[str] = field(default_factory=Counter)
    reporters: Counter[int] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)


def _rolled_up(scope: Scope) -> bool:
    """Whether the day rollups cover the scope: everything, a kabupaten or a kecamatan (not a
    PSM's desa and own cases, which are few and read from the cases)."""
    if scope.everything:
        return True
    return scope.desa_code is None and (
        scope.kecamatan_code is not None or scope.kabupaten_code is not None
    )


def _day_start(day: date, offset: timezone) -> datetime:
    return datetime.combine(day, time(0), tzinfo=offset)


def _positive(counts: Counter) -> Counter:
    """Rollup rows keep zero counts after deletes and moves; those are not shown."""
    return Counter({key: count for key, count in counts.items() if count > 0})


def _most_first(counts: Counter) -> list:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class DayRollupRepo(Repo):
    """What reads or moves the per-day rollups needs: their fixed offset (migration 0015)."""

    async def day_zone(self) -> timezone:
        """The fixed UTC offset the rollups' local days are taken in."""
        row = await self._one("SELECT minutes FROM case_day_offset WHERE id = 1")
        return timezone(timedelta(minutes=row[0]))


class StatsRepo(DayRollupRepo):
    """Grouped counts over cases (read-only)."""

    async def counts(
        self, scope: Scope, *, since: datetime, until: datetime, top: int = 10
    ) -> CaseCounts:
        """Cases in `scope` submitted in [since, until]: the whole local days inside the
        period from the per-day rollups (migration 0015), the partial days at its ends from
        the cases themselves (for /statistik only today so far)."""
        tally = _Tally()
        days = await self._whole_days(since, until) if _rolled_up(scope) else None
        if days is None:
            await self._scan(tally, scope, since, until)
        else:
            (first, last), (first_start, after_last) = days
            await self._sum_days(tally, scope, first, last)
            if since < first_start:
                await self._scan(tally, scope, since, first_start - MICROSECOND)
            if after_last <= until:
                await self._scan(tally, scope, after_last, until)
        return await self._report(tally, top)

    async def _whole_days(
        self, since: datetime, until: datetime
    ) -> tuple[tuple[date, date], tuple[datetime, datetime]] | None:
        """The first and last local day lying wholly in [since, until] (in the rollups' fixed
        offset) and the moments they start and end; None when no whole day fits."""
        offset = await self.day_zone()
        first = since.astimezone(offset).date()
        if _day_start(first, offset) < since:
            first += ONE_DAY
        last = (until + MICROSECOND).astimezone(offset).date() - ONE_DAY
        if first > last:
            return None
        return (first, last), (_day_start(first, offset), _day_start(last + ONE_DAY, offset))

    async def _sum_days(self, tally: _Tally, scope: Scope, first: date, last: date) -> None:
        condition, params = scope.where("r")
        values = (*params, first.isoformat(), last.isoformat())
        period = f"{condition} AND r.day >= ? AND r.day <= ?"
        rows = await self._all(  # summed in SQL: a few hundred groups, never the cases
            "SELECT r.kecamatan_code, r.state, r.category, SUM(r.cases) FROM case_day_counts r"
            f" WHERE {period} GROUP BY r.kecamatan_code, r.state, r.category",
            values,
        )
        for kecamatan, state, category, count in rows:
            if category:
                tally.categories[category] += count
            else:
                tally.states[state] += count
                tally.kecamatan[kecamatan] += count
        for reporter, count in await self._all(
            "SELECT r.reporter_id, SUM(r.cases) FROM case_day_reporters r"
            f" WHERE {period} GROUP BY r.reporter_id",
            values,
        ):
            tally.reporters[reporter] += count

    async def _scan(self, tally: _Tally, scope: Scope, since: datetime, until: datetime) -> None:
        """Counts straight from the cases: one range of migration 0005's covering indexes."""
        condition, params = scope.where("c")
        period = f"{condition} AND c.submitted_at >= ? AND c.submitted_at <= ?"
        values = (*params, to_db(since), to_db(until))
        # One index range gives state, kecamatan and reporter at once.
        rows = await self._all(
            "SELECT c.kecamatan_code, c.state, c.reporter_id, COUNT(*) FROM cases c"
            f" WHERE {period} GROUP BY c.kecamatan_code, c.state, c.reporter_id",
            values,
        )
        for code, state, reporter, count in rows:
            tally.states[state] += count
            tally.kecamatan[code] += count
            tally.reporters[reporter] += count
        for code, count in await self._all(
            "SELECT k.code, COUNT(*) FROM cases c JOIN case_categories k ON k.case_id = c.id"
            f" WHERE {period} GROUP BY k.code",
            values,
        ):
            tally.categories[code] += count

    async def _report(self, tally: _Tally, top: int) -> CaseCounts:
        states, kecamatan, reporters, categories = (
            _positive(tally.states),
            _positive(tally.kecamatan),
            _positive(tally.reporters),
            _positive(tally.categories),
        )
        region_names = await self._names(
            "SELECT code, name FROM regions WHERE code IN ({marks})", list(kecamatan)
        )
        best = _most_first(reporters)[:top]
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
            by_state=dict(_most_first(states)),
            by_category=dict(_most_first(categories)),
            by_kecamatan=by_kecamatan,
            by_reporter=by_reporter,
        )

    async def all_time(self, scope: Scope) -> CaseCounts | None:
        """Every case of a kabupaten or kecamatan scope (or all), from the `case_counts`
        rollup (migration 0014): a few hundred rows at a million cases. None for scopes the
        rollup does not cover (a PSM's desa and own cases); no reporters either way."""
        if not _rolled_up(scope):
            return None
        tally = _Tally()
        await self._sum_rollup(tally, "case_counts", scope)
        return await self._report(tally, top=0)

    async def recent_days(
        self, scope: Scope, *, days: int, now: datetime, top: int = 10
    ) -> CaseCounts:
        """Cases in `scope` submitted on the last `days` local days, today so far; `now` is on
        the local clock (its offset says which days are meant). From a rolling window
        (migration 0016) when one of that span ends on `now`'s date in the rollups' offset;
        otherwise counted like any period (`counts`)."""
        if _rolled_up(scope) and await self._window_fits(days, now):
            tally = _Tally()
            await self._sum_rollup(tally, "case_window_counts", scope, span=days)
            condition, params = scope.where("r")
            for reporter, count in await self._all(  # the top few, chosen in SQL
                "SELECT r.reporter_id, SUM(r.cases) AS n FROM case_window_reporters r"
                f" WHERE r.span = ? AND {condition} GROUP BY r.reporter_id HAVING n > 0"
                " ORDER BY n DESC, r.reporter_id LIMIT ?",
                (days, *params, top),
            ):
                tally.reporters[reporter] = count
            return await self._report(tally, top)
        first = now.date() - timedelta(days=days - 1)
        since = datetime.combine(first, time(0), tzinfo=now.tzinfo)
        return await self.counts(scope, since=since, until=now, top=top)

    async def _window_fits(self, days: int, now: datetime) -> bool:
        """A window of `days` exists, ends on `now`'s local date, and `now`'s offset is the
        rollups' (the local days are the same days)."""
        row = await self._one(
            "SELECT e.last_day, o.minutes FROM case_window_end e, case_day_offset o,"
            " case_window_spans s WHERE e.id = 1 AND o.id = 1 AND s.span = ?",
            (days,),
        )
        if row is None:
            return False
        offset = timedelta(minutes=row[1])
        return now.utcoffset() == offset and now.date().isoformat() == row[0]

    async def _sum_rollup(
        self, tally: _Tally, table: str, scope: Scope, *, span: int | None = None
    ) -> None:
        """Add a rollup of `case_counts`' shape, summed in SQL: a few dozen rows come back."""
        condition, params = scope.where("r")
        if span is not None:
            condition, params = f"r.span = ? AND {condition}", (span, *params)
        cases, tagged = f"{condition} AND r.category = ''", f"{condition} AND r.category != ''"
        rows = await self._all(
            f"SELECT 's', r.state, SUM(r.cases) FROM {table} r WHERE {cases} GROUP BY 2"
            f" UNION ALL SELECT 'k', r.kecamatan_code, SUM(r.cases) FROM {table} r"
            f" WHERE {cases} GROUP BY 2"
            f" UNION ALL SELECT 'c', r.category, SUM(r.cases) FROM {table} r"
            f" WHERE {tagged} GROUP BY 2",
            (*params, *params, *params),
        )
        found = {"s": tally.states, "k": tally.kecamatan, "c": tally.categories}
        for what, key, count in rows:
            found[what][key] += count

    async def _names(self, sql: str, keys: list) -> dict:
        if not keys:
            return {}
        rows = await self._all(sql.format(marks=placeholders(keys)), keys)
        return {row[0]: row[1] for row in rows}
