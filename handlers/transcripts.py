"""Conversation texts are kept no longer than needed (UU PDP Ps. 42-44): a scheduler kind
that, TRANSCRIPT_TTL_HOURS after the fact, blanks

- the text of settled outbox messages (sent, failed, expired): the row, its status and
  delivery record stay for delivery and broadcast reports; what is still pending or waiting
  keeps its text, so a restart still sends it;
- the answers of completed and cancelled form sessions: what a form made (the case with its
  answers and versions, a broadcast, a training) holds them; drafts are untouched (they end,
  blanked, at DRAFT_TTL_DAYS: handlers/draft_expiry.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import AppContext
from storage.repos import Repos

# How long a channel that reports delivery status (ChannelTraits.reports_delivery_status) may
# still ask to send a sent message again (WhatsApp's late 131047): a text waits for its final
# status or this window.
STATUS_WINDOW = timedelta(days=8)


async def clear_transcripts(repos: Repos, app: AppContext, now: datetime) -> None:
    """Blank what is past the transcript period (a backlog goes in batches, one per tick)."""
    before = now - app.transcript_ttl
    await repos.outbox.clear_settled_texts(
        before=before,
        now=now,
        reporting_channels=tuple(app.channels_where(lambda c: c.reports_delivery_status)),
        reports_until=min(before, now - STATUS_WINDOW),
    )
    await repos.forms.clear_finished(before=before, now=now)
