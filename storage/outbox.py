"""Outgoing messages, written in the same transaction as the change that causes them.

`OutboxRepo` is the outbox table; its parts, one job each:

  outbox_enqueue.py      queueing (`NewMessage`); a newer message of a thread drops older ones
  outbox_waiting.py      messages held for a person: released when they write (`Released`),
                         moved to their new chat or another channel
  outbox_sending.py      the senders: what is due, each send's outcome, retries
  outbox_statuses.py     the channel's later reports (status webhooks)
  outbox_housekeeping.py expiry, deletion of chat copies, texts of settled messages blanked
  outbox_queries.py      reads: one message, a person's, per status, a thread's statuses
"""

from __future__ import annotations

from storage.outbox_enqueue import OutboxEnqueue
from storage.outbox_housekeeping import OutboxHousekeeping
from storage.outbox_queries import OutboxQueries
from storage.outbox_sending import OutboxSending
from storage.outbox_statuses import OutboxStatuses
from storage.outbox_waiting import OutboxWaiting


class OutboxRepo(
    OutboxEnqueue,
    OutboxWaiting,
    OutboxSending,
    OutboxStatuses,
    OutboxHousekeeping,
    OutboxQueries,
):
    """The outbox table."""
