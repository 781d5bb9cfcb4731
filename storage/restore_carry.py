"""What a restore carries from the database it replaces into the backup put back.

A backup is the data as it was, but some things must not go back in time with it: a case
number or an id given since would be given again to another family (`case_counters`, and
every AUTOINCREMENT table's sequence in `sqlite_sequence`: the highest of both is kept; the
staged copy is brought to this code's schema first, `storage/restore.py`, so a backup of
before the table was AUTOINCREMENT gets it too), a reminder or digest sent since would go
out twice (`scheduled_runs`: the replaced database's keys are added; it holds each only as
long as it is read, `handlers/run_keys.py`), and a person erased since would come back
unnoticed (their `subject.erase` audit entries are named, so the erasure is run again, and
copied into the restored log, so a restore over this one names them again). Messages sent
at most once (reminders, digests, broadcasts) still waiting in the backup may have gone out
since: they expire, whether or not the replaced database can be read.

Everything is written into the staged copy before it is swapped in; the replaced database
is only read (attached read-only).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Erasure:
    """A `subject.erase` audit entry the backup does not hold: when (UTC, as stored) and its
    subject (`nik-hmac:<keyed hash>`, never the NIK)."""

    at: str
    subject: str


@dataclass
class CarriedForward:
    """What was taken from the replaced database (`unread`: why nothing could be)."""

    unread: str | None = None
    counters: int = 0  # case number counters raised
    sequences: int = 0  # id sequences raised
    run_keys: int = 0  # scheduler keys added
    erased_since: list[Erasure] = field(default_factory=list)  # (copied into the log)
    expired: int = 0  # at-most-once messages of the backup expired


def carry_forward(staged: Path, live: Path) -> CarriedForward:
    """Bring the staged copy of a backup up to what the `live` database (about to be
    replaced) has given and done; expire its waiting at-most-once messages."""
    # A URI (whatever SQLite was built with), so the live database is attached read-only.
    connection = sqlite3.connect(f"file:{staged}", uri=True, isolation_level=None)
    try:
        carried = _from_live(connection, live)
        connection.execute("BEGIN IMMEDIATE")
        # At most once (routine reminders and digests, bulk broadcasts): the replaced bot
        # may have sent them after the backup was made.
        carried.expired = connection.execute(
            "UPDATE outbox SET status = 'expired' WHERE kind IN ('routine', 'bulk')"
            " AND status IN ('pending', 'waiting')"
        ).rowcount
        connection.execute("COMMIT")
    finally:
        connection.close()
    return carried


def _from_live(connection: sqlite3.Connection, live: Path) -> CarriedForward:
    if not live.is_file():
        return CarriedForward(unread=f"no database at {live}")
    try:
        connection.execute("ATTACH ? AS live", (f"file:{live}?mode=ro",))
        try:
            connection.execute("BEGIN")
            carried = _carry(connection)
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:  # nothing half carried
                connection.execute("ROLLBACK")
            connection.execute("DETACH live")
    except sqlite3.DatabaseError as exc:  # damaged, or not a database at all
        return CarriedForward(unread=f"{live} cannot be read ({exc})")
    return carried


def _carry(connection: sqlite3.Connection) -> CarriedForward:
    ours, theirs = _tables(connection, "main"), _tables(connection, "live")
    both = ours & theirs
    carried = CarriedForward()
    if "case_counters" in both:
        carried.counters = connection.execute(
            "INSERT INTO main.case_counters (kabupaten_code, year, last_number)"
            " SELECT kabupaten_code, year, last_number FROM live.case_counters WHERE true"
            " ON CONFLICT (kabupaten_code, year) DO UPDATE SET last_number = excluded.last_number"
            " WHERE excluded.last_number > case_counters.last_number"
        ).rowcount
    carried.sequences = _raise_sequences(connection, theirs)
    if "scheduled_runs" in both:
        carried.run_keys = connection.execute(
            "INSERT OR IGNORE INTO main.scheduled_runs (kind, run_key, ran_at)"
            " SELECT kind, run_key, ran_at FROM live.scheduled_runs"
        ).rowcount
    if "audit_log" in both:
        carried.erased_since = _copy_erasures(connection)
    return carried


def _copy_erasures(connection: sqlite3.Connection) -> list[Erasure]:
    """The live `subject.erase` entries the backup does not hold (the same id, action and
    time), copied to the end of the staged log: named to the operator now, and again by a
    restore over this one (before, they were only printed, and a second restore named no
    one); the log keeps the fact. Their actor is kept where the backup holds that user,
    else NULL (an erasure is the server's, NULL already: a copy must not point nowhere)."""
    missing = connection.execute(
        "SELECT l.id, l.at, l.subject FROM live.audit_log l WHERE l.action = 'subject.erase'"
        " AND NOT EXISTS (SELECT 1 FROM main.audit_log m WHERE m.id = l.id"
        " AND m.action = l.action AND m.at = l.at) ORDER BY l.id"
    ).fetchall()  # all of them first: a copy's new id must not make another one look held
    connection.executemany(
        "INSERT INTO main.audit_log (at, actor_id, action, subject, detail)"
        " SELECT l.at, (SELECT u.id FROM main.users u WHERE u.id = l.actor_id), l.action,"
        " l.subject, l.detail FROM live.audit_log l WHERE l.id = ?",
        [(row[0],) for row in missing],
    )
    return [Erasure(at, subject or "") for _, at, subject in missing]


def _raise_sequences(connection: sqlite3.Connection, theirs: set[str]) -> int:
    """Each AUTOINCREMENT table's sequence (every one the staged schema has, as its
    `sqlite_master` says, not a list to keep up) at the highest id the live database gave:
    its sequence, or its highest row where it has none (a live database not yet upgraded,
    the table not AUTOINCREMENT there yet). A table not given a row yet in the backup has no
    sequence row: one is added."""
    raised = 0
    for name in _autoincrement_tables(connection):
        if name not in theirs:
            continue
        given = max(
            _number(connection, f'SELECT max(rowid) FROM live."{name}"'),
            _number(connection, "SELECT max(seq) FROM live.sqlite_sequence WHERE name = ?", name)
            if "sqlite_sequence" in theirs
            else 0,
        )
        row = connection.execute(
            "SELECT seq FROM main.sqlite_sequence WHERE name = ?", (name,)
        ).fetchone()
        if given <= (row[0] if row else 0):
            continue
        if row is None:
            connection.execute(
                "INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)", (name, given)
            )
        else:
            connection.execute(
                "UPDATE main.sqlite_sequence SET seq = ? WHERE name = ?", (given, name)
            )
        raised += 1
    return raised


def _number(connection: sqlite3.Connection, sql: str, *params: str) -> int:
    (value,) = connection.execute(sql, params).fetchone()
    return int(value or 0)


def _autoincrement_tables(connection: sqlite3.Connection) -> list[str]:
    """The staged copy's AUTOINCREMENT tables (brought to this code's schema first)."""
    return [
        row[0]
        for row in connection.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'"
            " AND sql LIKE '%AUTOINCREMENT%' ORDER BY name"
        )
    ]


def _tables(connection: sqlite3.Connection, schema: str) -> set[str]:
    return {
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'"
        )
    }
