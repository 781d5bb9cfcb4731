"""Forget the scheduler's keys (`scheduled_runs`) once nothing will ask for them again.

A key says "this went out": a reminder of a local day, a digest of an ISO week, a training's
eve or morning message, a draft's warning. Each is asked for only while it means something,
and every kind is claimed at the moment it runs (`ran_at`), so a kind's horizon is counted
from `ran_at`, with a margin of days beyond the last moment it is read:

- a local day's key (`{person}:{date}`, `{problem}:{date}`, `{date}`) is read on that date
  only, which ends less than a day after the claim;
- an ISO week's key (`{person}:{week}`) within that week, less than 7 days after the claim;
- a training day's key (`{day}:{start}:{person}`) on its eve or its morning, the date of the
  claim (a rescheduled day has a new start, so a new key; an old one's start is past);
- a draft's warning (`{session}:{idle since}`) until the draft ends: a day's notice after it,
  two at most (touching the draft makes a new key), and its claim may be dated up to the end
  of the quiet hours ahead.
- a chat export's file made (`{person}:{dialogue}`) while the dialogue's buttons are
  accepted: a day after its start (`handlers/export_choice.py` DIALOGUE_TTL), which comes before
  the claim plus a day.

A kind not named here is kept for ever (the tests' kinds; any once-only key to come).
Housekeeping calls this at every tick: each kind's keys past their horizon go in batches,
led by an index of (kind, ran_at), with the writer let go between batches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.repos import Repos

LOCAL_DAY = timedelta(days=3)
ISO_WEEK = timedelta(days=15)
TRAINING_DAY = timedelta(days=7)
DRAFT_WARNING = timedelta(days=30)

HORIZONS: dict[str, timedelta] = {
    "daily_reminder": LOCAL_DAY,  # handlers/reminders.py
    "digest": LOCAL_DAY,  # handlers/reminders.py, the coordinators' morning digest
    "operator_alert": LOCAL_DAY,  # bot/outbox_sender.py, once a day per problem
    "retention": LOCAL_DAY,  # handlers/retention.py, the day's purge done
    "quiet_reminder": ISO_WEEK,  # handlers/reminders.py, "no report for 7 days"
    "quiet_list": ISO_WEEK,  # handlers/reminders.py, a TKSK's quiet PSM
    "weekly_digest": ISO_WEEK,  # handlers/weekly_digest.py
    "training_morning": TRAINING_DAY,  # handlers/trainings/schedule.py
    "training_eve": TRAINING_DAY,  # handlers/trainings/schedule.py
    "training_eve_daily": TRAINING_DAY,  # the release before's "left to the daily reminder"
    "draft_warning": DRAFT_WARNING,  # handlers/draft_expiry.py
    "chat_export": LOCAL_DAY,  # handlers/export.py, one file per /ekspor dialogue
}
BATCH = 200  # keys a statement (scattered over the key index: 10-20 ms of the writer)
BATCHES_PER_TICK = 50  # per kind: a backlog (the first run on an old database) goes over ticks


async def forget_old_run_keys(repos: Repos, now: datetime) -> int:
    """Delete the keys past their kind's horizon (at most BATCHES_PER_TICK batches a kind);
    returns how many went."""
    forgotten = 0
    for kind, horizon in HORIZONS.items():
        for _ in range(BATCHES_PER_TICK):
            deleted = await repos.schedule.forget(kind, now - horizon, BATCH)
            forgotten += deleted
            if deleted < BATCH:
                break
            await repos.let_others_write()
    return forgotten
