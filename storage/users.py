"""People who use the bot; their identities on each channel are in storage/identities.py."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.base import placeholders
from storage.identities import ChannelIdentityRepo
from storage.models import Role, User, UserStatus, from_db, to_db

# The tables of rows about a person who uses the bot (`own_data`; `user_id` is theirs).
OWN_TABLES = (
    "channel_identities",
    "form_sessions",
    "training_invitations",
    "training_attendance",
    "training_pending_invitations",
)
# Forms whose answers are about the person who fills them in: their copy holds the answers.
# Of the others (a household's report, a visit, a broadcast...) only which form, its status
# and dates: the answers are about other people.
FORMS_ABOUT_THEMSELVES = frozenset(
    {
        "registration",
        "phone_change",
        "training_join",
        "training_absence",
        "training_checkin",
        "training_code",
    }
)
_USER_FIELDS = {
    "full_name",
    "role",
    "requested_role",
    "status",
    "kabupaten_code",
    "kecamatan_code",
    "desa_code",
    "phone",
    "phone_verified",
    "language",
    "preferred_channel",
    "delivery_channel",
    "decided_by",
    "decided_at",
    "reminder_time",
    "reminders_enabled",
}


def user_from_row(row: Any) -> User:
    return User(
        id=row["id"],
        full_name=row["full_name"],
        role=row["role"],
        requested_role=row["requested_role"],
        status=row["status"],
        kabupaten_code=row["kabupaten_code"],
        kecamatan_code=row["kecamatan_code"],
        desa_code=row["desa_code"],
        phone=row["phone"],
        phone_verified=bool(row["phone_verified"]),
        language=row["language"],
        preferred_channel=row["preferred_channel"],
        delivery_channel=row["delivery_channel"],
        decided_by=row["decided_by"],
        decided_at=from_db(row["decided_at"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        reminder_time=row["reminder_time"],
        reminders_enabled=bool(row["reminders_enabled"]),
        version=row["version"],
        merged_into=row["merged_into"],
    )


class UserRepo(ChannelIdentityRepo):
    """Users, and their channel identities (storage/identities.py)."""

    async def create(
        self,
        *,
        now: datetime,
        status: UserStatus,
        full_name: str = "",
        role: Role | None = None,
        kabupaten_code: str | None = None,
        language: str = "id",
    ) -> User:
        """Insert a user and return it."""
        row = await self._one(
            "INSERT INTO users (full_name, role, status, kabupaten_code, language,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (full_name, role, status, kabupaten_code, language, to_db(now), to_db(now)),
        )
        return user_from_row(row)

    async def get(self, user_id: int) -> User | None:
        """The user with this id, if any."""
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from_row(row) if row else None

    async def get_many(self, user_ids: list[int]) -> dict[int, User]:
        """`get` for many ids in one query (work done for many people each minute)."""
        rows = await self._all(
            "SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(user_ids),),
        )
        return {row["id"]: user_from_row(row) for row in rows}

    async def get_active(self, user_id: int) -> User | None:
        """The user with this id if active: only they hear what became of a case."""
        row = await self._one("SELECT * FROM users WHERE id = ? AND status = 'active'", (user_id,))
        return user_from_row(row) if row else None

    async def update(self, user_id: int, *, now: datetime, **fields: Any) -> User:
        """Change some columns of a user; unknown column names are refused."""
        unknown = set(fields) - _USER_FIELDS
        if unknown:
            raise ValueError(f"unknown user fields: {sorted(unknown)}")
        values = {k: (to_db(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
        assignments = ", ".join(f"{name} = ?" for name in values)
        row = await self._one(
            f"UPDATE users SET {assignments}, updated_at = ? WHERE id = ? RETURNING *",
            (*values.values(), to_db(now), user_id),
        )
        assert row is not None
        return user_from_row(row)

    async def list_approvers(self, kabupaten_code: str | None) -> list[User]:
        """Active coordinators of the kabupaten and all active admins."""
        rows = await self._all(
            "SELECT * FROM users WHERE status = 'active' AND"
            " (role = 'admin' OR (role = 'coordinator' AND kabupaten_code = ?)) ORDER BY id",
            (kabupaten_code,),
        )
        return [user_from_row(row) for row in rows]

    async def active_with_role(
        self, role: Role, *, kabupaten_code: str | None = None, kecamatan_code: str | None = None
    ) -> list[User]:
        """Active users of a role, optionally within a kabupaten or kecamatan."""
        return await self.active_with_roles(
            (role,), kabupaten_code=kabupaten_code, kecamatan_code=kecamatan_code
        )

    async def active_with_roles(
        self,
        roles: Sequence[str],
        *,
        kabupaten_code: str | None = None,
        kecamatan_code: str | None = None,
    ) -> list[User]:
        """Active users of any of these roles, optionally within a kabupaten or kecamatan,
        by id."""
        sql = f"SELECT * FROM users WHERE status = 'active' AND role IN ({placeholders(roles)})"
        params: list[Any] = [*roles]
        if kabupaten_code is not None:
            sql += " AND kabupaten_code = ?"
            params.append(kabupaten_code)
        if kecamatan_code is not None:
            sql += " AND kecamatan_code = ?"
            params.append(kecamatan_code)
        return [user_from_row(row) for row in await self._all(sql + " ORDER BY id", params)]

    async def count(self) -> int:
        """How many users exist."""
        row = await self._one("SELECT COUNT(*) FROM users")
        return int(row[0])

    async def with_phone(self, phone: str) -> list[tuple[User, bool]]:
        """Everyone this number (E.164) is the phone of, on their profile or a channel
        identity, each with whether the number is verified for them (the channel vouched
        for it) or only typed (an operator looking someone up; a typed number may be two
        people's, or somebody else's)."""
        rows = await self._all(
            "SELECT u.*, MAX(m.verified) AS number_verified FROM users u JOIN ("
            " SELECT id AS user_id, phone_verified AS verified FROM users WHERE phone = ?1"
            " UNION ALL SELECT user_id, phone_verified FROM channel_identities WHERE phone = ?1"
            ") m ON m.user_id = u.id GROUP BY u.id ORDER BY u.id",
            (phone,),
        )
        return [(user_from_row(row), bool(row["number_verified"])) for row in rows]

    async def own_data(self, user_id: int) -> dict[str, Any] | None:
        """Everything kept about a person who uses the bot, for their copy (UU PDP access):
        their row, and their rows in the tables about them; of their reports only the
        number, state and dates (the households are not theirs to get). None: no such user."""
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            return None
        data: dict[str, Any] = {"profile": dict(row)}
        for table in OWN_TABLES:
            rows = await self._all(
                f"SELECT * FROM {table} WHERE user_id = ? ORDER BY 1", (user_id,)
            )
            data[table] = [_own_row(table, dict(r)) for r in rows]
        reports = await self._all(
            "SELECT number, state, submitted_at, updated_at FROM cases WHERE reporter_id = ?"
            " ORDER BY id",
            (user_id,),
        )
        data["reports"] = [dict(r) for r in reports]
        return data


def _own_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row for the person's copy: a form about others without its answers."""
    if table == "form_sessions" and row["form_id"] not in FORMS_ABOUT_THEMSELVES:
        row = {key: row[key] for key in ("id", "form_id", "status", "created_at", "updated_at")}
        row["answers"] = "not included: about other people"
        return row
    return _parsed(row)


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its JSON text columns (a form's answers) as JSON."""
    for key, value in row.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                row[key] = json.loads(value)
    return row
