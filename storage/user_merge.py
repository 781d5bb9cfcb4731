"""Two users who are one person, made one by hand (`psm-bot user merge`, bot/user_merge.py):
the person registered twice (once on Telegram, once on WhatsApp, before the channels were
linked), or changed phone without Meta's word of it. Everything of the absorbed user moves
to the kept one; the absorbed row stays (the audit log names it), unusable.

Only the SQL is here; what may be merged, and what is said, is decided in bot/user_merge.py.
"""

from __future__ import annotations

import json
from datetime import datetime

from storage.base import Repo
from storage.models import to_db

# Rows that are the person's own or their acts: `column` moves to the kept user. The audit
# log is append-only and keeps naming the absorbed id (its row is never deleted).
_ACTS = (
    ("cases", "reporter_id"),
    ("cases", "submitted_by"),  # four eyes: the writer never decides it, whichever account
    ("case_updates", "reporter_id"),
    ("case_events", "actor_id"),
    ("case_visits", "recorded_by"),
    ("trainings", "created_by"),
    ("training_attendance", "recorded_by"),
    ("training_pending_invitations", "invited_by"),
    ("training_pending_invitations", "user_id"),
    ("broadcasts", "sender_id"),
    ("district_contacts", "updated_by"),
    ("district_reminder_schedules", "updated_by"),
    ("users", "decided_by"),
    ("background_requests", "user_id"),
)
# What the dry run counts: (what, SQL counting the absorbed user's rows of it, `?1` their id).
_COUNTED = (
    ("channel accounts", "SELECT COUNT(*) FROM channel_identities WHERE user_id = ?1"),
    (
        "open drafts",
        "SELECT COUNT(*) FROM form_sessions WHERE user_id = ?1 AND status IN ('active', 'paused')",
    ),
    ("form sessions", "SELECT COUNT(*) FROM form_sessions WHERE user_id = ?1"),
    ("cases reported", "SELECT COUNT(*) FROM cases WHERE reporter_id = ?1"),
    ("cases written", "SELECT COUNT(*) FROM cases WHERE submitted_by = ?1"),
    ("training invitations", "SELECT COUNT(*) FROM training_invitations WHERE user_id = ?1"),
    ("training attendance", "SELECT COUNT(*) FROM training_attendance WHERE user_id = ?1"),
    (
        "messages not sent yet",
        "SELECT COUNT(*) FROM outbox WHERE user_id = ?1 AND status IN ('pending', 'waiting')",
    ),
)


class UserMergeRepo(Repo):
    """Moving one user's rows to another (the checks are the caller's)."""

    async def counts(self, user_id: int) -> dict[str, int]:
        """What would move from the user (the dry run's list)."""
        return {what: (await self._one(sql, (user_id,)))[0] for what, sql in _COUNTED}

    async def merge(
        self, *, keep: int, absorb: int, now: datetime, cancel_forms: frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Move everything of `absorb` to `keep` (one transaction, the caller's): channel
        accounts, form sessions (the absorbed one's draft paused when the kept user has one
        open: one active form a person), cases and their acts, training invitations and
        attendance (where both have one for the same training or day, the kept user's
        stays, unless only the absorbed one answered or was present), messages not sent
        yet; the kept user takes the absorbed one's phone when they have none. The absorbed
        one's drafts of `cancel_forms` are cancelled (a registration the kept person needs
        no longer). The absorbed
        row is left suspended, without role, region or phone, `merged_into` the kept user
        (no list or change of people offers it again), its version raised (buttons shown
        for it are refused). Returns what moved (`counts` before)."""
        moved = await self.counts(absorb)
        await self._run(
            "UPDATE form_sessions SET status = 'cancelled', updated_at = ?2 WHERE user_id = ?1"
            " AND status IN ('active', 'paused') AND form_id IN (SELECT value FROM json_each(?3))",
            (absorb, to_db(now), json.dumps(sorted(cancel_forms))),
        )
        await self._run(
            "UPDATE channel_identities SET user_id = ?1 WHERE user_id = ?2", (keep, absorb)
        )
        await self._run(
            "UPDATE form_sessions SET status = 'paused', updated_at = ?3 WHERE user_id = ?2"
            " AND status = 'active' AND EXISTS (SELECT 1 FROM form_sessions"
            " WHERE user_id = ?1 AND status = 'active')",
            (keep, absorb, to_db(now)),
        )
        await self._run("UPDATE form_sessions SET user_id = ?1 WHERE user_id = ?2", (keep, absorb))
        for table, column in _ACTS:
            await self._run(f"UPDATE {table} SET {column} = ?1 WHERE {column} = ?2", (keep, absorb))
        await self._merge_trainings(keep, absorb)
        await self._run(
            "DELETE FROM limit_deferrals WHERE user_id = ?2 AND EXISTS (SELECT 1 FROM"
            " limit_deferrals k WHERE k.user_id = ?1 AND k.local_date = limit_deferrals.local_date"
            " AND k.category = limit_deferrals.category)",
            (keep, absorb),
        )
        await self._run(
            "UPDATE limit_deferrals SET user_id = ?1 WHERE user_id = ?2", (keep, absorb)
        )
        await self._run(
            "UPDATE outbox SET user_id = ?1 WHERE user_id = ?2"
            " AND status IN ('pending', 'waiting')",
            (keep, absorb),
        )
        await self._run(
            # What the absorbed account was last shown: a picker's list, a queue page.
            "DELETE FROM channel_state WHERE channel IN ('list_reply', 'queue_page') AND key = ?",
            (str(absorb),),
        )
        await self._run(
            "UPDATE users SET phone = a.phone, phone_verified = a.phone_verified FROM"
            " (SELECT phone, phone_verified FROM users WHERE id = ?2) AS a"
            " WHERE users.id = ?1 AND users.phone IS NULL",
            (keep, absorb),
        )
        await self._run(
            "UPDATE users SET version = version + 1, updated_at = ?2 WHERE id = ?1",
            (keep, to_db(now)),
        )
        await self._run(
            "UPDATE users SET status = 'suspended', role = NULL, requested_role = NULL,"
            " kabupaten_code = NULL, kecamatan_code = NULL, desa_code = NULL, phone = NULL,"
            " phone_verified = 0, delivery_channel = NULL, version = version + 1,"
            " merged_into = ?3, updated_at = ?2 WHERE id = ?1",
            (absorb, to_db(now), keep),
        )
        return moved

    async def _merge_trainings(self, keep: int, absorb: int) -> None:
        """Invitations and attendance, whose keys hold the user: where both have a row, the
        one that says more stays (an answer over none, present over anything else), else
        the kept user's."""
        await self._run(
            "DELETE FROM training_invitations AS k WHERE k.user_id = ?1 AND k.rsvp IS NULL"
            " AND EXISTS (SELECT 1 FROM training_invitations a WHERE a.user_id = ?2"
            " AND a.training_id = k.training_id AND a.rsvp IS NOT NULL)",
            (keep, absorb),
        )
        await self._run(
            "DELETE FROM training_invitations AS a WHERE a.user_id = ?2 AND EXISTS"
            " (SELECT 1 FROM training_invitations k WHERE k.user_id = ?1"
            " AND k.training_id = a.training_id)",
            (keep, absorb),
        )
        await self._run(
            "UPDATE training_invitations SET user_id = ?1 WHERE user_id = ?2", (keep, absorb)
        )
        await self._run(
            "DELETE FROM training_attendance AS k WHERE k.user_id = ?1 AND k.status != 'hadir'"
            " AND EXISTS (SELECT 1 FROM training_attendance a WHERE a.user_id = ?2"
            " AND a.day_id = k.day_id AND a.status = 'hadir')",
            (keep, absorb),
        )
        await self._run(
            "DELETE FROM training_attendance AS a WHERE a.user_id = ?2 AND EXISTS"
            " (SELECT 1 FROM training_attendance k WHERE k.user_id = ?1 AND k.day_id = a.day_id)",
            (keep, absorb),
        )
        await self._run(
            "UPDATE training_attendance SET user_id = ?1 WHERE user_id = ?2", (keep, absorb)
        )
