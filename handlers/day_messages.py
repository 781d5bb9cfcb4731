"""Messages that speak of one local day: the daily (or weekly) reminder, the coordinators'
daily digest and the TKSK's weekly digest.

Each is the person's latest word of its kind (`Outbound.thread`): a newer one drops an older
one still unsent (held behind a closed WhatsApp window, or under the messaging limit). And
none goes out after the local day it was written on ends (`Outbound.expires_at`): its
"kemarin", "besok", "jatuh tempo" and counts would then name the wrong day, and the next one
comes at its own hour. The end of the day rather than the next one's hour: a digest read at
05.00 would call the day before yesterday "kemarin". The routine lifetime (12 h) still
applies when it ends sooner.
"""

from __future__ import annotations

from datetime import datetime

from handlers.context import AppContext
from handlers.date_formats import clock_time, weekday_date
from handlers.events import Outbound
from handlers.trainings.common import local_day_bounds

REMINDER_THREAD = "reminder"  # the daily reminder, or a district's weekly one
DIGEST_THREAD = "digest"  # the coordinators' daily digest (its photo, or its text alone)
DIGEST_TEXT_THREAD = "digest:text"  # the digest's text after a photo it did not fit under
WEEKLY_DIGEST_THREAD = "weekly_digest"  # the TKSK's weekly digest


def of_its_day(app: AppContext, message: Outbound, thread: str, now: datetime) -> Outbound:
    """The message as the latest of its `thread`, never sent after its local day ends."""
    _, day_ends = local_day_bounds(app, app.local_date(now))
    return message.model_copy(update={"thread": thread, "expires_at": day_ends})


def written_at(app: AppContext, language: str, now: datetime) -> str:
    """When a summary's counts were read, as its title says it: "Minggu, 6 Desember 2026 07.00"."""
    return f"{weekday_date(app.local_date(now), language)} {clock_time(app, now)}"
