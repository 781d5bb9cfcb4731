"""WhatsApp template messages: each one sent (they cost money and count towards the
messaging limit of unique people per 24 hours) and the people the limit held back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.base import Repo
from storage.models import from_db, to_db

# A message marked sent ahead of its attempt longer ago than this was sent (or lost in a
# crash): no longer waiting.
IN_FLIGHT = timedelta(minutes=5)


@dataclass(frozen=True)
class WaitingForTemplate:
    """A chat with a due message that needs a template to reach the person."""

    chat_id: str
    kind: str
    topic: str | None


@dataclass(frozen=True)
class SentTemplate:
    """A template we sent, known by its wamid: `outbox_id` is the message it announced,
    `template` its name."""

    outbox_id: int | None
    template: str


@dataclass(frozen=True)
class DeferralCount:
    """People of a district not reached on a local date, by kind of message."""

    kabupaten_code: str
    local_date: str
    category: str
    people: int


class TemplateUsageRepo(Repo):
    """template_sends and limit_deferrals."""

    async def record_send(
        self,
        *,
        now: datetime,
        chat_id: str,
        template: str,
        kind: str,
        outbox_id: int | None,
        ext_message_id: str | None = None,
    ) -> None:
        """One template went out (counted per month, and per chat for the 24-hour limit)."""
        await self._run(
            "INSERT INTO template_sends (sent_at, chat_id, template, kind, outbox_id,"
            " ext_message_id) VALUES (?, ?, ?, ?, ?, ?)",
            (to_db(now), chat_id, template, kind, outbox_id, ext_message_id),
        )

    async def sent_template(self, ext_message_id: str) -> SentTemplate | None:
        """The template the channel knows by this id (its wamid), if we sent it."""
        row = await self._one(
            "SELECT outbox_id, template FROM template_sends WHERE ext_message_id = ?",
            (ext_message_id,),
        )
        return SentTemplate(row[0], row[1]) if row else None

    async def forget_send(self, ext_message_id: str) -> None:
        """A template that never reached anyone (refused later): not counted, not a reason
        to wait for a tap."""
        await self._run("DELETE FROM template_sends WHERE ext_message_id = ?", (ext_message_id,))

    async def people_reached_since(self, since: datetime) -> int:
        """Unique chats templates went to since a moment (the messaging limit counts them)."""
        row = await self._one(
            "SELECT COUNT(DISTINCT chat_id) FROM template_sends WHERE sent_at >= ?",
            (to_db(since),),
        )
        return int(row[0])

    async def oldest_since(self, since: datetime) -> datetime | None:
        """The first template sent since a moment: when it turns a day old, room frees up."""
        row = await self._one(
            "SELECT MIN(sent_at) FROM template_sends WHERE sent_at >= ?", (to_db(since),)
        )
        return from_db(row[0]) if row and row[0] else None

    async def last_to(self, chat_id: str) -> datetime | None:
        """When a template last went to a chat."""
        row = await self._one(
            "SELECT MAX(sent_at) FROM template_sends WHERE chat_id = ?", (chat_id,)
        )
        return from_db(row[0]) if row and row[0] else None

    async def counts_between(self, start: datetime, end: datetime) -> dict[str, int]:
        """Templates sent in [start, end), by the kind of message they announced."""
        rows = await self._all(
            "SELECT kind, COUNT(*) FROM template_sends WHERE sent_at >= ? AND sent_at < ?"
            " GROUP BY kind",
            (to_db(start), to_db(end)),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def waiting_for_template(
        self, channel: str, *, now: datetime, window_start: datetime, besides: str
    ) -> list[WaitingForTemplate]:
        """Due messages to other chats that are outside the window and were sent no template
        within it: each will need a template (a place under the limit) to get through.
        Routine and bulk messages being sent right now count too: they are marked sent
        before the attempt (`mark_many_sent_ahead`, no channel id yet), and chats are sent
        to in parallel."""
        rows = await self._all(
            "SELECT DISTINCT o.chat_id, o.kind, o.topic FROM outbox o"
            " JOIN channel_identities i ON i.channel = o.channel AND i.chat_id = o.chat_id"
            " WHERE o.channel = ? AND o.not_before <= ?"
            " AND (o.status = 'pending' OR (o.status = 'sent' AND o.ext_message_id IS NULL"
            " AND o.sent_at >= ?))"
            " AND o.chat_id != ? AND o.kind != 'transient'"
            " AND (i.last_inbound_at IS NULL OR i.last_inbound_at < ?)"
            " AND NOT EXISTS (SELECT 1 FROM template_sends t WHERE t.chat_id = o.chat_id"
            " AND t.sent_at >= ?)",
            (
                channel,
                to_db(now),
                to_db(now - IN_FLIGHT),
                besides,
                to_db(window_start),
                to_db(window_start),
            ),
        )
        return [WaitingForTemplate(row[0], row[1], row[2]) for row in rows]

    async def record_deferral(
        self,
        *,
        local_date: str,
        user_id: int,
        category: str,
        kabupaten_code: str | None,
        now: datetime,
    ) -> None:
        """A person the limit kept a message from today (once per kind and day)."""
        await self._run(
            "INSERT OR IGNORE INTO limit_deferrals (local_date, user_id, category,"
            " kabupaten_code, deferred_at) VALUES (?, ?, ?, ?, ?)",
            (local_date, user_id, category, kabupaten_code, to_db(now)),
        )

    async def unreported(self) -> list[DeferralCount]:
        """People held back and not yet reported, by district, date and kind."""
        rows = await self._all(
            "SELECT kabupaten_code, local_date, category, COUNT(DISTINCT user_id)"
            " FROM limit_deferrals WHERE reported_at IS NULL AND kabupaten_code IS NOT NULL"
            " GROUP BY kabupaten_code, local_date, category"
            " ORDER BY kabupaten_code, local_date, category"
        )
        return [DeferralCount(row[0], row[1], row[2], int(row[3])) for row in rows]

    async def unreported_people(self, kabupaten_code: str, local_date: str) -> int:
        """Distinct people of a district held back on a date, not yet reported."""
        row = await self._one(
            "SELECT COUNT(DISTINCT user_id) FROM limit_deferrals WHERE reported_at IS NULL"
            " AND kabupaten_code = ? AND local_date = ?",
            (kabupaten_code, local_date),
        )
        return int(row[0])

    async def last_deferral(self, kabupaten_code: str) -> datetime | None:
        """When the newest unreported deferral of a district happened."""
        row = await self._one(
            "SELECT MAX(deferred_at) FROM limit_deferrals WHERE reported_at IS NULL"
            " AND kabupaten_code = ?",
            (kabupaten_code,),
        )
        return from_db(row[0]) if row and row[0] else None

    async def mark_reported(self, kabupaten_code: str, local_date: str, now: datetime) -> None:
        await self._run(
            "UPDATE limit_deferrals SET reported_at = ? WHERE reported_at IS NULL"
            " AND kabupaten_code = ? AND local_date = ?",
            (to_db(now), kabupaten_code, local_date),
        )

    async def forget_chats_before(self, moment: datetime) -> None:
        """Chats (phone numbers) are needed for a day only; the counts stay."""
        await self._run(
            "UPDATE template_sends SET chat_id = NULL WHERE sent_at < ? AND chat_id IS NOT NULL",
            (to_db(moment),),
        )
