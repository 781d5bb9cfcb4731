"""Trainings (Bimtek), beyond the invitations of the audience: the join code of the invitation
letter's links, phone numbers invited before their owners use the bot, new days after a
reschedule, and the people of a training's area (to pick by name, or add a walk-in)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.base import Repo, like_escape, placeholders
from storage.models import Role, User, UserStatus, to_db
from storage.scope import Scope
from storage.users import user_from_row

# Who a training may invite: by name, from a phone list, as a walk-in.
INVITABLE_ROLES = ", ".join(f"'{role}'" for role in (Role.PSM, Role.TKSK, Role.CALON))


class PendingInvitation(BaseModel):
    """A phone number invited to a training, not (yet) matched to a user."""

    model_config = ConfigDict(frozen=True)

    training_id: int
    phone: str
    name: str | None


class TrainingInviteRepo(Repo):
    """trainings.join_code, training_pending_invitations, and days replaced."""

    async def join_code(self, training_id: int) -> str | None:
        row = await self._one("SELECT join_code FROM trainings WHERE id = ?", (training_id,))
        return row[0] if row else None

    async def set_join_code(self, training_id: int, code: str) -> bool:
        """Give a training its code once (False when it already had one)."""
        cursor = await self._run(
            "UPDATE trainings SET join_code = ? WHERE id = ? AND join_code IS NULL",
            (code, training_id),
        )
        return cursor.rowcount == 1

    async def by_join_code(self, code: str) -> int | None:
        """The training a link's code belongs to."""
        row = await self._one("SELECT id FROM trainings WHERE join_code = ?", (code,))
        return int(row[0]) if row else None

    # -- phone numbers invited before their owners use the bot ------------------------------

    async def add_pending(
        self, training_id: int, phone: str, name: str | None, *, invited_by: int, now: datetime
    ) -> bool:
        """Keep a number for later; False when it was already on the list."""
        cursor = await self._run(
            "INSERT OR IGNORE INTO training_pending_invitations (training_id, phone, name,"
            " invited_by, invited_at) VALUES (?, ?, ?, ?, ?)",
            (training_id, phone, name, invited_by, to_db(now)),
        )
        return cursor.rowcount == 1

    async def pending(self, training_id: int) -> list[PendingInvitation]:
        """Numbers of a training nobody with that verified phone has claimed yet."""
        rows = await self._all(
            "SELECT training_id, phone, name FROM training_pending_invitations"
            " WHERE training_id = ? AND user_id IS NULL ORDER BY invited_at, phone",
            (training_id,),
        )
        return [PendingInvitation(training_id=r[0], phone=r[1], name=r[2]) for r in rows]

    async def pending_for_phone(self, phone: str) -> list[int]:
        """Scheduled trainings waiting for this phone number (the latest first)."""
        rows = await self._all(
            "SELECT p.training_id FROM training_pending_invitations p JOIN trainings t"
            " ON t.id = p.training_id WHERE p.phone = ? AND p.user_id IS NULL"
            " AND t.status = 'scheduled' ORDER BY p.training_id DESC",
            (phone,),
        )
        return [int(row[0]) for row in rows]

    async def mark_attached(
        self, training_id: int, phone: str, user_id: int, now: datetime
    ) -> None:
        await self._run(
            "UPDATE training_pending_invitations SET user_id = ?, attached_at = ?"
            " WHERE training_id = ? AND phone = ? AND user_id IS NULL",
            (user_id, to_db(now), training_id, phone),
        )

    async def forget_unclaimed(self, ended_before: datetime) -> int:
        """Delete the numbers nobody claimed of trainings cancelled or over before
        `ended_before` (names and phones of people who never used the bot; UU PDP)."""
        cursor = await self._run(
            "DELETE FROM training_pending_invitations WHERE user_id IS NULL AND training_id IN"
            " (SELECT t.id FROM trainings t WHERE t.status = 'cancelled' OR NOT EXISTS"
            " (SELECT 1 FROM training_days d WHERE d.training_id = t.id AND d.ends_at >= ?))",
            (to_db(ended_before),),
        )
        return cursor.rowcount

    async def users_with_verified_phone(
        self, phones: list[str], scope: Scope
    ) -> dict[str, int | None]:
        """phone -> user id, for numbers a channel vouched for (typed numbers never count);
        None for a number whose owner this training may not invite: outside `scope` (the
        training's area) or not a PSM, TKSK or candidate."""
        where, params = scope.where("u")
        found: dict[str, int | None] = {}
        for start in range(0, len(phones), 500):
            chunk = phones[start : start + 500]
            marks = placeholders(chunk)
            rows = await self._all(
                f"SELECT i.phone, MIN(CASE WHEN {where} AND u.role IN ({INVITABLE_ROLES})"
                " THEN i.user_id END) FROM channel_identities i JOIN users u"
                f" ON u.id = i.user_id WHERE i.phone_verified = 1 AND i.phone IN ({marks})"
                " AND u.status = 'active' GROUP BY i.phone",
                (*params, *chunk),
            )
            found.update({row[0]: None if row[1] is None else int(row[1]) for row in rows})
        return found

    # -- days ---------------------------------------------------------------------------------

    async def replace_days(
        self, training_id: int, days: list[tuple[datetime, datetime]], deadline: datetime
    ) -> None:
        """New days (numbered from 1) and RSVP deadline; the old days' attendance goes, and
        every answer is reset (a yes for the old date says nothing about the new one).

        Day rows are changed in place (day N keeps its id), days beyond the new count are
        deleted and new ones added: deleting and inserting them all let SQLite hand the old
        ids to the new rows, so a stale button or claim of an old day hit a new one."""
        await self._run(
            "DELETE FROM training_attendance WHERE day_id IN"
            " (SELECT id FROM training_days WHERE training_id = ?)",
            (training_id,),
        )
        await self._run(
            "DELETE FROM training_days WHERE training_id = ? AND day_number > ?",
            (training_id, len(days)),
        )
        for number, (starts, ends) in enumerate(days, start=1):
            await self._run(
                "INSERT INTO training_days (training_id, day_number, starts_at, ends_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (training_id, day_number) DO UPDATE SET"
                " starts_at = excluded.starts_at, ends_at = excluded.ends_at,"
                " checkin_closed_at = NULL",
                (training_id, number, to_db(starts), to_db(ends)),
            )
        await self._run(
            "UPDATE trainings SET rsvp_deadline = ? WHERE id = ?", (to_db(deadline), training_id)
        )
        await self._run(
            "UPDATE training_invitations SET rsvp = NULL, reason_kind = NULL,"
            " reason_text = NULL, rsvp_at = NULL WHERE training_id = ?",
            (training_id,),
        )

    # -- people of a training's area ----------------------------------------------------------

    async def people_named(self, scope: Scope, words: str, *, limit: int) -> list[User]:
        """Active people in the area whose name contains the typed words (case-insensitive)."""
        where, params = scope.where("u")
        like = "%" + "%".join(like_escape(w) for w in words.split()) + "%"
        rows = await self._all(
            f"SELECT u.* FROM users u WHERE u.status = 'active' AND {where}"
            f" AND u.role IN ({INVITABLE_ROLES}) AND u.full_name LIKE ? ESCAPE '\\'"
            " ORDER BY u.full_name, u.id LIMIT ?",
            (*params, like, limit),
        )
        return [user_from_row(row) for row in rows]

    async def person_in(self, scope: Scope, user_id: int) -> User | None:
        """An active person, only when they are in the area."""
        where, params = scope.where("u")
        row = await self._one(
            f"SELECT u.* FROM users u WHERE u.id = ? AND u.status = 'active' AND {where}"
            f" AND u.role IN ({INVITABLE_ROLES})",
            (user_id, *params),
        )
        return user_from_row(row) if row else None

    async def add_walk_in(
        self,
        name: str,
        *,
        kabupaten_code: str,
        kecamatan_code: str | None,
        now: datetime,
    ) -> int:
        """Someone without a phone, known by name only (a `calon` without any channel)."""
        cursor = await self._run(
            "INSERT INTO users (full_name, role, status, kabupaten_code, kecamatan_code,"
            " language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'id', ?, ?)",
            (
                name,
                Role.CALON,
                UserStatus.ACTIVE,
                kabupaten_code,
                kecamatan_code,
                to_db(now),
                to_db(now),
            ),
        )
        return int(cursor.lastrowid)
