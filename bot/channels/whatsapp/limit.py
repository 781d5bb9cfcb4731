"""WhatsApp's messaging limit: templates may reach only so many unique people per 24 hours
(WHATSAPP_DAILY_LIMIT; 250 at the lowest tier). When there is not room for everyone,
darurat alerts go regardless, then revision notices, trainings and other notices, then
routine reminders, then broadcasts. A message that does not fit waits (`deferred`) until
the first template of the last 24 hours turns a day old, and the person is recorded so the
district's coordinators hear who was not reached (handlers/limit_report.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.delivery import DeliveryKind, Topic
from storage.repos import Repos

WINDOW = timedelta(hours=24)
RETRY_SOON = timedelta(minutes=1)  # better-ranked messages are about to take the last places

# Kinds of message, as the coordinators' report names them, best first.
RANK = {"alert": 0, "revision": 1, "training": 1, "notice": 1, "reminder": 2, "broadcast": 3}


def category(kind: str, topic: str | None) -> str:
    """What a message is, for ranking and for the coordinators' report."""
    if kind == DeliveryKind.ALERT:
        return "alert"
    if topic in (Topic.REVISION, Topic.TRAINING):
        return str(topic)
    return {DeliveryKind.ROUTINE: "reminder", DeliveryKind.BULK: "broadcast"}.get(
        DeliveryKind(kind), "notice"
    )


async def no_room_until(
    repos: Repos,
    *,
    channel: str,
    chat_id: str,
    kind: str,
    topic: str | None,
    now: datetime,
    limit: int,
) -> datetime | None:
    """None when a template may reach this chat now; else when to try again. Places left
    under the limit go first to the chats waiting with better-ranked messages."""
    window_start = now - WINDOW
    left = limit - await repos.templates.people_reached_since(window_start)
    mine = RANK[category(kind, topic)]
    if left > 0:
        waiting = await repos.templates.waiting_for_template(
            channel, now=now, window_start=window_start, besides=chat_id
        )
        best: dict[str, int] = {}
        for other in waiting:
            rank = RANK[category(other.kind, other.topic)]
            best[other.chat_id] = min(rank, best.get(other.chat_id, rank))
        left -= sum(1 for rank in best.values() if rank < mine)
    if left > 0:
        return None
    oldest = await repos.templates.oldest_since(window_start)
    if oldest is None:
        return now + RETRY_SOON
    return max(oldest + WINDOW, now) + timedelta(seconds=1)
