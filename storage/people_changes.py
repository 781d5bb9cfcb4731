"""Changing people management (/pengguna): a person's role, status or place, a decision on
a registration, a handover of their work, a suspension's sessions and queued messages, and
the rejected forgotten. Every change is conditional on the person's `version` (the one the
presser saw), so two coordinators acting on the same person at once cannot both win.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders
from storage.forms import HELD
from storage.models import Role, User, to_db
from storage.people_queries import (
    AWAITS_DECISION,
    DRAFT_FORM,
    HAS_ANSWERS,
    _open_cases_of,
    people_where,
)
from storage.scope import Scope
from storage.users import user_from_row

# Marks the session a person was answering when suspended: reactivation opens it again.
SUSPENDED_MARK = "$.open_when_suspended"
# Marks a draft handed over while its owner had it open: their next message is told so.
HANDED_OVER_MARK = "$.handed_over_while_open"
# What a rejected applicant leaves besides their row, deleted by `forget_rejected`: how to
# reach them and their answers, and the numbers of trainings' phone lists they claimed (their
# phone, and the name the file gave them; nothing refers to such a row, and the import's audit
# row holds counts only). (Messages to them stay, addressed to nobody, for the delivery
# records; their texts are blanked after TRANSCRIPT_TTL_HOURS like everyone's.)
FORGOTTEN_WITH_THEM = (
    "channel_identities",
    "form_sessions",
    "limit_deferrals",
    "background_requests",
    "training_pending_invitations",
)
_CHANGEABLE = {"role", "status", "kabupaten_code", "kecamatan_code", "desa_code"}


class PeopleChanges(Repo):
    """The changes of people management (part of `PeopleRepo`)."""

    async def change(
        self,
        user_id: int,
        *,
        version: int,
        scope: Scope,
        manageable: tuple[Role, ...],
        now: datetime,
        **fields: Any,
    ) -> User | None:
        """Change a person if they are still at `version`, in scope and of a role the actor
        manages; None when any of that no longer holds (nothing changed)."""
        unknown = set(fields) - _CHANGEABLE
        if unknown:
            raise ValueError(f"unknown fields: {sorted(unknown)}")
        where, scope_params = people_where(scope, "users")
        roles = tuple(str(role) for role in manageable)
        assignments = "".join(f"{name} = ?, " for name in fields)
        cursor = await self._run(
            f"UPDATE users SET {assignments}version = version + 1, updated_at = ?"
            f" WHERE id = ? AND version = ? AND {where}"
            f" AND (role IS NULL OR role IN ({placeholders(roles)}))",
            (*fields.values(), to_db(now), user_id, version, *scope_params, *roles),
        )
        if cursor.rowcount != 1:
            return None
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from_row(row) if row else None

    async def decide_registration(
        self, candidate_id: int, *, version: int, approve: bool, decider_id: int, now: datetime
    ) -> User | None:
        """Approve or reject the registration awaiting a decision at `version` (the request the
        approver saw); None if it no longer awaits one or was sent again since (someone else
        decided first, or it was corrected). A rejected training candidate stays a `calon`."""
        cursor = await self._run(
            "UPDATE users SET"
            " status = CASE WHEN ?1 OR role = 'calon' THEN 'active' ELSE 'rejected' END,"
            " role = CASE WHEN ?1 THEN requested_role WHEN role = 'calon' THEN role END,"
            " requested_role = CASE WHEN NOT ?1 AND role = 'calon' THEN NULL"
            " ELSE requested_role END,"
            " decided_by = ?2, decided_at = ?3, version = version + 1, updated_at = ?3"
            f" WHERE id = ?4 AND version = ?5 AND {AWAITS_DECISION.format(u='')}",
            (int(approve), decider_id, to_db(now), candidate_id, version),
        )
        if cursor.rowcount != 1:
            return None
        row = await self._one("SELECT * FROM users WHERE id = ?", (candidate_id,))
        return user_from_row(row) if row else None

    async def hand_over(
        self,
        *,
        from_id: int,
        to_id: int,
        scope: Scope,
        by_id: int | None = None,
        now: datetime | None = None,
    ) -> tuple[list[tuple[int, str]], list[int]]:
        """Give the open cases (in scope) and drafts of one person to another. Cases keep
        their history (events, versions); drafts arrive paused, the one being filled in
        marked (who gave it, by whom, when: `handed_over_notice`), none marked to open on a
        reactivation (the giver's suspension is not the receiver's). Returns ([(case id,
        number)], [draft session ids]) moved."""
        where, params = _open_cases_of(from_id, scope)
        cases = await self._all(
            f"SELECT c.id, c.number FROM cases c WHERE {where} ORDER BY c.id", params
        )
        moved = [(int(row[0]), str(row[1])) for row in cases]
        for case_id, _ in moved:
            await self._run("UPDATE cases SET reporter_id = ? WHERE id = ?", (to_id, case_id))
        drafts = await self._all(
            "SELECT id FROM form_sessions WHERE user_id = ? AND form_id = ?"
            f" AND status IN ('active', 'paused') AND {HAS_ANSWERS} ORDER BY id",
            (from_id, DRAFT_FORM),
        )
        draft_ids = [int(row[0]) for row in drafts]
        mark = {"from": from_id, "by": by_id, "at": to_db(now) if now else None}
        for draft_id in draft_ids:
            await self._run(
                "UPDATE form_sessions SET user_id = ?, status = 'paused', state = json_remove("
                "CASE WHEN status = 'active' AND ? IS NOT NULL THEN json_set(state, ?, json(?))"
                " ELSE state END, ?) WHERE id = ?",
                (to_id, mark["at"], HANDED_OVER_MARK, json.dumps(mark), SUSPENDED_MARK, draft_id),
            )
        return moved, draft_ids

    async def handed_over_notice(
        self, user_id: int, *, since: datetime
    ) -> tuple[int, int | None] | None:
        """The draft this person was filling in when it was handed over (after `since`, and
        no form started since): (receiver id, id of who handed it over). Told once: the mark
        is gone after this."""
        # Only the drafts of this person's handovers since then (the audit's subject index),
        # never a scan of every session: this is asked on each message not understood.
        row = await self._one(
            "SELECT s.id, s.user_id, json_extract(s.state, ?) FROM form_sessions s"
            " WHERE s.id IN (SELECT d.value FROM audit_log a, json_each(a.detail, '$.drafts') d"
            " WHERE a.subject = ? AND a.at >= ? AND a.action = 'person.handover')"
            " AND json_extract(s.state, ?) = ? AND json_extract(s.state, ?) >= ?"
            " AND NOT EXISTS (SELECT 1 FROM form_sessions f WHERE f.user_id = ?"
            " AND f.created_at >= json_extract(s.state, ?))"
            " ORDER BY s.id DESC LIMIT 1",
            (
                HANDED_OVER_MARK + ".by",
                f"user:{user_id}",
                to_db(since),
                HANDED_OVER_MARK + ".from",
                user_id,
                HANDED_OVER_MARK + ".at",
                to_db(since),
                user_id,
                HANDED_OVER_MARK + ".at",
            ),
        )
        if row is None:
            return None
        await self._run(
            "UPDATE form_sessions SET state = json_remove(state, ?) WHERE id = ?",
            (HANDED_OVER_MARK, int(row[0])),
        )
        return int(row[1]), None if row[2] is None else int(row[2])

    async def bump(self, user_id: int, *, version: int, now: datetime) -> bool:
        """Claim a person at the version seen (for changes that touch other tables)."""
        cursor = await self._run(
            "UPDATE users SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
            (to_db(now), user_id, version),
        )
        return cursor.rowcount == 1

    async def drop_unsent(self, user_id: int) -> int:
        """A suspended person gets nothing that was queued for them before: reminders,
        broadcasts, and notices and alerts about cases and people they may no longer see
        (one held behind a closed WhatsApp window would otherwise go out as soon as they
        write again). The notice of the suspension is queued after this. Deletions still go:
        an export file or a message holding a NIK leaves their chat all the same."""
        cursor = await self._run(
            "UPDATE outbox SET status = 'expired' WHERE user_id = ?"
            " AND status IN ('pending', 'waiting')"
            " AND COALESCE(json_extract(message, '$.type'), 'text') != 'delete'",
            (user_id,),
        )
        return cursor.rowcount

    async def pause_session(self, user_id: int, *, now: datetime) -> None:
        """Set aside the form a suspended person was answering: kept as a draft, marked to
        be opened again on reactivation; one without an answer is dropped (no draft). Its
        idle time still counts from the person's last answer, not from the suspension: it
        ends at DRAFT_TTL_DAYS as every unfinished form does (handlers/draft_expiry.py)."""
        await self._run(
            "UPDATE form_sessions SET status = 'cancelled', updated_at = ?"
            f" WHERE user_id = ? AND status = 'active' AND NOT {HAS_ANSWERS}",
            (to_db(now), user_id),
        )
        await self._run(
            "UPDATE form_sessions SET status = 'paused', state = json_set(state, ?, ?)"
            " WHERE user_id = ? AND status = 'active'",
            (SUSPENDED_MARK, to_db(now), user_id),
        )

    async def resume_session(self, user_id: int, *, now: datetime) -> bool:
        """On reactivation, open again the form the person was answering when suspended
        (unless it was handed over, finished or dropped meanwhile). Whether one was."""
        row = await self._one(
            "SELECT id FROM form_sessions WHERE user_id = ? AND status = 'paused'"
            " AND json_extract(state, ?) IS NOT NULL ORDER BY updated_at DESC, id DESC LIMIT 1",
            (user_id, SUSPENDED_MARK),
        )
        await self._run(  # a choice held beside its question is asked no more
            "UPDATE form_sessions SET state = json_remove(state, ?, ?)"
            " WHERE user_id = ? AND json_extract(state, ?) IS NOT NULL",
            (SUSPENDED_MARK, "$." + HELD, user_id, SUSPENDED_MARK),
        )
        if row is None:
            return False
        cursor = await self._run(
            "UPDATE form_sessions SET status = 'active', updated_at = ? WHERE id = ?"
            " AND NOT EXISTS (SELECT 1 FROM form_sessions WHERE user_id = ? AND status = 'active')",
            (to_db(now), int(row[0]), user_id),
        )
        return cursor.rowcount == 1

    async def forget_rejected(self, before: datetime, *, now: datetime, limit: int) -> int:
        """Forget people whose registration was rejected before `before` (UU PDP): their
        channel identities, form sessions and claimed phone-list numbers go (the tables of
        `FORGOTTEN_WITH_THEM`), nothing more is sent to them and their row
        is blanked (it stays, nameless, for the audit log that refers to it). Returns how
        many people."""
        rows = await self._all(
            "SELECT id FROM users u WHERE status = 'rejected' AND decided_at < ?"
            " AND (full_name != '' OR phone IS NOT NULL"
            " OR EXISTS (SELECT 1 FROM channel_identities i WHERE i.user_id = u.id))"
            " ORDER BY decided_at, id LIMIT ?",
            (to_db(before), limit),
        )
        ids = tuple(int(row[0]) for row in rows)
        if not ids:
            return 0
        async with self._secure_delete():
            for table in FORGOTTEN_WITH_THEM:
                await self._run(f"DELETE FROM {table} WHERE user_id IN ({placeholders(ids)})", ids)
            await self._run(
                "UPDATE outbox SET chat_id = NULL, status = CASE WHEN status IN ('pending',"
                " 'waiting') THEN 'expired' ELSE status END"
                f" WHERE user_id IN ({placeholders(ids)})",
                ids,
            )
            await self._run(
                "UPDATE users SET full_name = '', requested_role = NULL, kabupaten_code = NULL,"
                " kecamatan_code = NULL, desa_code = NULL, phone = NULL, phone_verified = 0,"
                " preferred_channel = NULL, delivery_channel = NULL, reminder_time = NULL,"
                f" version = version + 1, updated_at = ? WHERE id IN ({placeholders(ids)})",
                (to_db(now), *ids),
            )
        return len(ids)
