"""Trainings (Bimtek): their days, the invitations with each person's RSVP, attendance."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from storage.base import Repo, placeholders
from storage.models import from_db, to_db
from storage.scope import Scope


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Training(_Model):
    id: int
    kabupaten_code: str
    kecamatan_code: str | None
    title: str
    venue_name: str
    venue_address: str
    latitude: float | None
    longitude: float | None
    radius_m: int | None
    audience: dict[str, Any]
    rsvp_deadline: datetime
    checkin_method: str  # code, location, both
    open_minutes: int
    late_minutes: int
    secret: str
    status: str  # scheduled, cancelled, closed
    created_by: int
    created_at: datetime
    join_code: str | None = None  # the invitation letter's links (Telegram and WhatsApp)


class TrainingDay(_Model):
    id: int
    training_id: int
    day_number: int
    starts_at: datetime
    ends_at: datetime
    checkin_closed_at: datetime | None


class Invitation(_Model):
    """An invited person with their answer (names and places for the lists)."""

    training_id: int
    user_id: int
    full_name: str
    phone: str | None
    role: str | None
    kecamatan: str
    desa: str
    rsvp: str | None  # akan_hadir, berhalangan, None: no answer yet
    reason_kind: str | None  # izin, sakit
    reason_text: str | None
    rsvp_at: datetime | None
    invited_at: datetime
    reachable: bool  # has started the bot on some channel
    active: bool  # not suspended: reminders and notices go only to active people


class Attendance(_Model):
    day_id: int
    user_id: int
    status: str  # hadir, izin, sakit, tidak_hadir
    late: bool
    method: str  # code, location, both, manual
    distance_m: int | None
    at: datetime
    recorded_by: int | None


def _training(row: Any) -> Training:
    plain = {key: row[key] for key in row.keys()}  # noqa: SIM118 - a Row iterates values
    return Training(
        **{key: value for key, value in plain.items() if key not in ("audience", "rsvp_deadline")},
        audience=json.loads(row["audience"]),
        rsvp_deadline=from_db(row["rsvp_deadline"]),
    )


def _day(row: Any) -> TrainingDay:
    return TrainingDay(
        id=row["id"],
        training_id=row["training_id"],
        day_number=row["day_number"],
        starts_at=from_db(row["starts_at"]),
        ends_at=from_db(row["ends_at"]),
        checkin_closed_at=from_db(row["checkin_closed_at"]),
    )


def _attendance(row: Any) -> Attendance:
    return Attendance(
        day_id=row["day_id"],
        user_id=row["user_id"],
        status=row["status"],
        late=bool(row["late"]),
        method=row["method"],
        distance_m=row["distance_m"],
        at=from_db(row["at"]),
        recorded_by=row["recorded_by"],
    )


_INVITATIONS = (
    "SELECT i.*, u.full_name, u.phone, u.role, u.status = 'active' AS active,"
    " COALESCE(k.name, '') AS kecamatan,"
    " COALESCE(d.name, '') AS desa, EXISTS (SELECT 1 FROM channel_identities c"
    " WHERE c.user_id = u.id AND c.chat_id IS NOT NULL AND c.unreachable_at IS NULL)"
    " AS reachable"
    " FROM training_invitations i JOIN users u ON u.id = i.user_id"
    " LEFT JOIN regions k ON k.code = u.kecamatan_code"
    " LEFT JOIN regions d ON d.code = u.desa_code"
)


def _invitation(row: Any) -> Invitation:
    return Invitation(
        training_id=row["training_id"],
        user_id=row["user_id"],
        full_name=row["full_name"],
        phone=row["phone"],
        role=row["role"],
        kecamatan=row["kecamatan"],
        desa=row["desa"],
        rsvp=row["rsvp"],
        reason_kind=row["reason_kind"],
        reason_text=row["reason_text"],
        rsvp_at=from_db(row["rsvp_at"]),
        invited_at=from_db(row["invited_at"]),
        reachable=bool(row["reachable"]),
        active=bool(row["active"]),
    )


class TrainingRepo(Repo):
    """trainings, training_days, training_invitations and training_attendance."""

    # -- trainings ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        fields: dict[str, Any],
        days: list[tuple[datetime, datetime]],
        created_by: int,
        now: datetime,
    ) -> int:
        """Insert a training and its days (numbered from 1, in the order given)."""
        values = {
            **fields,
            "audience": json.dumps(fields["audience"]),
            "rsvp_deadline": to_db(fields["rsvp_deadline"]),
            "created_by": created_by,
            "created_at": to_db(now),
        }
        columns = ", ".join(values)
        marks = placeholders(values)
        cursor = await self._run(
            f"INSERT INTO trainings ({columns}) VALUES ({marks})", tuple(values.values())
        )
        training_id = int(cursor.lastrowid)
        for number, (starts, ends) in enumerate(days, start=1):
            await self._run(
                "INSERT INTO training_days (training_id, day_number, starts_at, ends_at)"
                " VALUES (?, ?, ?, ?)",
                (training_id, number, to_db(starts), to_db(ends)),
            )
        return training_id

    async def get(self, training_id: int, scope: Scope | None = None) -> Training | None:
        """A training; with a scope, only when it lies inside it."""
        where, params = scope.where("t") if scope is not None else ("1 = 1", ())
        row = await self._one(
            f"SELECT * FROM trainings t WHERE t.id = ? AND {where}", (training_id, *params)
        )
        return _training(row) if row else None

    async def in_scope(
        self, scope: Scope, *, today_starts: datetime, limit: int, offset: int = 0
    ) -> list[Training]:
        """Trainings in a scope: those with a day ending after `today_starts` (today's and
        coming ones) first, the soonest first; then the past ones, the latest first."""
        where, params = scope.where("t")
        first = "(SELECT MIN(starts_at) FROM training_days d WHERE d.training_id = t.id)"
        last = "(SELECT MAX(ends_at) FROM training_days d WHERE d.training_id = t.id)"
        rows = await self._all(
            f"SELECT t.* FROM trainings t WHERE {where} ORDER BY"
            f" CASE WHEN {last} > ? THEN 0 ELSE 1 END,"
            f" CASE WHEN {last} > ? THEN {first} END, {first} DESC, t.id DESC LIMIT ? OFFSET ?",
            (*params, to_db(today_starts), to_db(today_starts), limit, offset),
        )
        return [_training(row) for row in rows]

    async def set_status(self, training_id: int, status: str) -> None:
        await self._run("UPDATE trainings SET status = ? WHERE id = ?", (status, training_id))

    # -- days ---------------------------------------------------------------------------------

    async def days(self, training_id: int) -> list[TrainingDay]:
        rows = await self._all(
            "SELECT * FROM training_days WHERE training_id = ? ORDER BY day_number",
            (training_id,),
        )
        return [_day(row) for row in rows]

    async def day(self, day_id: int) -> TrainingDay | None:
        row = await self._one("SELECT * FROM training_days WHERE id = ?", (day_id,))
        return _day(row) if row else None

    async def close_day(self, day_id: int, now: datetime) -> None:
        await self._run(
            "UPDATE training_days SET checkin_closed_at = ? WHERE id = ?"
            " AND checkin_closed_at IS NULL",
            (to_db(now), day_id),
        )

    async def days_of_user(
        self, user_id: int, *, start: datetime, end: datetime
    ) -> list[tuple[Training, TrainingDay]]:
        """Days starting in [start, end) of trainings (not cancelled) the person is invited to."""
        rows = await self._all(
            "SELECT d.* FROM training_days d JOIN trainings t ON t.id = d.training_id"
            " JOIN training_invitations i ON i.training_id = t.id AND i.user_id = ?"
            " WHERE t.status != 'cancelled' AND d.starts_at >= ? AND d.starts_at < ?"
            " ORDER BY d.starts_at",
            (user_id, to_db(start), to_db(end)),
        )
        return await self._with_trainings([_day(row) for row in rows])

    async def days_starting(
        self, *, start: datetime, end: datetime, kabupaten_code: str | None = None
    ) -> list[tuple[Training, TrainingDay]]:
        """Days of scheduled trainings starting in [start, end), of one kabupaten's trainings
        when it is given."""
        district = " AND t.kabupaten_code = ?" if kabupaten_code is not None else ""
        rows = await self._all(
            "SELECT d.* FROM training_days d JOIN trainings t ON t.id = d.training_id"
            f" WHERE t.status = 'scheduled' AND d.starts_at >= ? AND d.starts_at < ?{district}"
            " ORDER BY d.starts_at",
            (to_db(start), to_db(end), *((kabupaten_code,) if kabupaten_code is not None else ())),
        )
        return await self._with_trainings([_day(row) for row in rows])

    async def _with_trainings(self, days: list[TrainingDay]) -> list[tuple[Training, TrainingDay]]:
        """Each day with its training, the trainings read in one query."""
        wanted = sorted({day.training_id for day in days})
        if not wanted:
            return []
        rows = await self._all(
            "SELECT * FROM trainings WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        trainings = {row["id"]: _training(row) for row in rows}
        return [(trainings[day.training_id], day) for day in days]

    async def upcoming_of_user(
        self, user_id: int, now: datetime, *, awaiting_answer: bool = False
    ) -> list[Training]:
        """Scheduled trainings the person is invited to with a day not yet over, the soonest
        first; `awaiting_answer`: only those they have not answered yet whose answers are
        still taken (deadline not passed), read with their invitations in the same query."""
        awaiting = " AND i.rsvp IS NULL AND t.rsvp_deadline > ?" if awaiting_answer else ""
        rows = await self._all(
            "SELECT t.* FROM trainings t JOIN training_invitations i ON i.training_id = t.id"
            " WHERE i.user_id = ? AND t.status = 'scheduled' AND EXISTS (SELECT 1 FROM"
            f" training_days d WHERE d.training_id = t.id AND d.ends_at > ?){awaiting} ORDER BY"
            " (SELECT MIN(starts_at) FROM training_days d WHERE d.training_id = t.id), t.id",
            (user_id, to_db(now), *((to_db(now),) if awaiting_answer else ())),
        )
        return [_training(row) for row in rows]

    # -- invitations --------------------------------------------------------------------------

    async def invite(self, training_id: int, user_ids: list[int], now: datetime) -> None:
        for user_id in user_ids:
            await self._run(
                "INSERT OR IGNORE INTO training_invitations (training_id, user_id, invited_at)"
                " VALUES (?, ?, ?)",
                (training_id, user_id, to_db(now)),
            )

    async def invitation(self, training_id: int, user_id: int) -> Invitation | None:
        row = await self._one(
            _INVITATIONS + " WHERE i.training_id = ? AND i.user_id = ?", (training_id, user_id)
        )
        return _invitation(row) if row else None

    async def invitations(self, training_id: int) -> list[Invitation]:
        """Everyone invited, by name."""
        rows = await self._all(
            _INVITATIONS + " WHERE i.training_id = ? ORDER BY u.full_name, u.id", (training_id,)
        )
        return [_invitation(row) for row in rows]

    async def set_rsvp(self, training_id: int, user_id: int, rsvp: str, now: datetime) -> None:
        """Record an answer; a new answer drops the reason of an earlier one."""
        await self._run(
            "UPDATE training_invitations SET rsvp = ?, rsvp_at = ?, reason_kind = NULL,"
            " reason_text = NULL WHERE training_id = ? AND user_id = ?",
            (rsvp, to_db(now), training_id, user_id),
        )

    async def set_reason(
        self, training_id: int, user_id: int, kind: str, text: str, now: datetime
    ) -> bool:
        """Why someone cannot come (only while their answer is berhalangan)."""
        cursor = await self._run(
            "UPDATE training_invitations SET reason_kind = ?, reason_text = ?, rsvp_at = ?"
            " WHERE training_id = ? AND user_id = ? AND rsvp = 'berhalangan'",
            (kind, text, to_db(now), training_id, user_id),
        )
        return cursor.rowcount == 1

    # -- attendance ---------------------------------------------------------------------------

    async def attendance(self, day_id: int) -> dict[int, Attendance]:
        """Recorded attendance of a day, by user id."""
        rows = await self._all("SELECT * FROM training_attendance WHERE day_id = ?", (day_id,))
        return {row["user_id"]: _attendance(row) for row in rows}

    async def attendance_of(self, day_id: int, user_id: int) -> Attendance | None:
        row = await self._one(
            "SELECT * FROM training_attendance WHERE day_id = ? AND user_id = ?",
            (day_id, user_id),
        )
        return _attendance(row) if row else None

    async def check_in(
        self,
        day_id: int,
        user_id: int,
        *,
        late: bool,
        method: str,
        distance_m: int | None,
        now: datetime,
    ) -> bool:
        """Record a check-in; False (nothing changed) when the day already has a record."""
        cursor = await self._run(
            "INSERT OR IGNORE INTO training_attendance (day_id, user_id, status, late, method,"
            " distance_m, at) VALUES (?, ?, 'hadir', ?, ?, ?, ?)",
            (day_id, user_id, int(late), method, distance_m, to_db(now)),
        )
        return cursor.rowcount == 1

    async def set_status_by_hand(
        self, day_id: int, user_id: int, *, status: str, recorded_by: int, now: datetime
    ) -> None:
        """A coordinator's status for someone (replaces what was there)."""
        await self._run(
            "INSERT INTO training_attendance (day_id, user_id, status, late, method, at,"
            " recorded_by) VALUES (?, ?, ?, 0, 'manual', ?, ?) ON CONFLICT (day_id, user_id)"
            " DO UPDATE SET status = excluded.status, late = 0, method = 'manual',"
            " distance_m = NULL, at = excluded.at, recorded_by = excluded.recorded_by",
            (day_id, user_id, status, to_db(now), recorded_by),
        )

    async def to_remind(self, training_id: int, day_id: int, key_prefix: str) -> list[int]:
        """People coming or not yet answering who have no attendance for the day and were not
        reminded yet: no `training_morning` key `<key_prefix><user id>` (asked every minute of
        the day, so those already reminded are not read again)."""
        rows = await self._all(
            "SELECT i.user_id FROM training_invitations i JOIN users u ON u.id = i.user_id"
            " WHERE i.training_id = ? AND u.status = 'active'"  # suspended: no reminders
            " AND (i.rsvp IS NULL OR i.rsvp = 'akan_hadir') AND NOT EXISTS (SELECT 1 FROM"
            " training_attendance a WHERE a.day_id = ? AND a.user_id = i.user_id)"
            " AND NOT EXISTS (SELECT 1 FROM scheduled_runs r WHERE r.kind = 'training_morning'"
            " AND r.run_key = ? || i.user_id) ORDER BY i.user_id",
            (training_id, day_id, key_prefix),
        )
        return [row[0] for row in rows]
