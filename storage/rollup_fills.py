"""The SQL that refills the /statistik rollups from the cases when their offset changes
(storage/day_offset.py): the per-day rollups in the local days of `case_day_offset` and the
rolling windows from the day rows, ending on `case_window_end.last_day`. Migrations 0015 and
0016 filled them the same way once; they keep their own copy, as published, because a
migration must mean what it meant at its schema version whatever this module becomes.
Statements one by one: a script would commit the caller's transaction (sqlite3's
`executescript`). The day rows are grouped in their primary key's order (kabupaten, day,
kecamatan, ...), so they are appended rather than scattered: a quarter faster at 100,000
cases."""

from __future__ import annotations


def _local_day(moment: str) -> str:
    """The local date of a stored UTC moment in the rollups' offset (cut to whole seconds:
    SQLite rounds fractions to milliseconds, which would move 23:59:59.9999996 a day on)."""
    return (
        f"date(substr({moment}, 1, 19),"
        " (SELECT printf('%+d minutes', minutes) FROM case_day_offset))"
    )


DAY_ROLLUPS: tuple[str, ...] = (
    f"""INSERT INTO case_day_counts (kabupaten_code, kecamatan_code, day, state, category, cases)
    SELECT kabupaten_code, kecamatan_code, {_local_day('submitted_at')},
        state, '', COUNT(*)
    FROM cases GROUP BY 1, 3, 2, 4""",
    f"""INSERT INTO case_day_counts (kabupaten_code, kecamatan_code, day, state, category, cases)
    SELECT c.kabupaten_code, c.kecamatan_code, {_local_day('c.submitted_at')},
        c.state, k.code, COUNT(*)
    FROM case_categories k JOIN cases c ON c.id = k.case_id GROUP BY 1, 3, 2, 4, 5""",
    f"""INSERT INTO case_day_reporters (kabupaten_code, kecamatan_code, day, reporter_id, cases)
    SELECT kabupaten_code, kecamatan_code, {_local_day('submitted_at')},
        reporter_id, COUNT(*)
    FROM cases GROUP BY 1, 3, 2, 4""",
)  # fmt: skip

WINDOWS: tuple[str, ...] = (
    """INSERT INTO case_window_counts (span, kabupaten_code, kecamatan_code, state, category, cases)
    SELECT s.span, d.kabupaten_code, d.kecamatan_code, d.state, d.category, SUM(d.cases)
    FROM case_window_spans s, case_window_end e, case_day_counts d
    WHERE d.day <= e.last_day AND d.day > date(e.last_day, printf('-%d days', s.span))
    GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d.cases) != 0""",
    """INSERT INTO case_window_reporters (span, kabupaten_code, reporter_id, kecamatan_code, cases)
    SELECT s.span, d.kabupaten_code, d.reporter_id, d.kecamatan_code, SUM(d.cases)
    FROM case_window_spans s, case_window_end e, case_day_reporters d
    WHERE d.day <= e.last_day AND d.day > date(e.last_day, printf('-%d days', s.span))
    GROUP BY 1, 2, 3, 4 HAVING SUM(d.cases) != 0""",
)  # fmt: skip
