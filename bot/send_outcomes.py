"""What one channel's sends came to, written in one transaction per batch (`OutboxSender`):
marks of sent messages and their ids, retries, holds, deferrals, failures, and what they
call for (the admins told of a problem only they can fix; a person unreachable there).

Only a failed try uses up one of a message's attempts (`SendOutcome.failed_try`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.channels.base import MAX_ATTEMPTS, SendOutcome
from handlers.delivery import AT_MOST_ONCE, ROUTINE_LIFETIME, DeliveryKind, deliver
from handlers.events import Outbound
from handlers.i18n import Catalog
from handlers.unreachable import (
    alert_cannot_wait,
    alert_unannounced,
    fail,
    give_up,
    reach_elsewhere,
)
from storage.models import OutboxItem, Role
from storage.repos import Repos

log = logging.getLogger(__name__)

# What a channel does once the ids of its sends are written, in the same transaction
# (WhatsApp: applies the status reports that came before them).
IdsWritten = Callable[[Repos, list[str]], Awaitable[None]]


@dataclass
class FinishedSend:
    """One message's fate, kept until the next batch of status marks."""

    item: OutboxItem
    outcome: SendOutcome | None  # None: not attempted (an earlier one of its chat failed)
    at: datetime  # when the outcome came: a `retry_after` counts from here, not from the flush


async def alert_admins(
    repos: Repos, catalog: Catalog, problem: str, *, day: date, now: datetime
) -> None:
    """Tell every active admin, once a local `day` per problem, about something only they
    can fix (announced as a technical problem where it waits behind WhatsApp's window)."""
    if not await repos.schedule.claim("operator_alert", f"{problem}:{day}", now=now):
        return
    for admin in await repos.users.active_with_role(Role.ADMIN):
        await deliver(
            repos,
            user_id=admin.id,
            message=Outbound(
                text=problem, summary=catalog.text(admin.language, "announced.operator_problem")
            ),
            kind=DeliveryKind.NOTICE,
            now=now,
        )


def own_deadline(item: OutboxItem) -> datetime | None:
    """The message's own expiry (`Outbound.expires_at`, kept in its JSON), if it has one."""
    value = item.message.get("expires_at")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


class OutcomeWriter:
    """Writes a channel's finished sends."""

    def __init__(
        self,
        channel: str,
        *,
        zone: tzinfo,
        catalog: Catalog | None = None,
        ids_written: IdsWritten | None = None,
    ) -> None:
        self.channel = channel
        self._zone = zone  # the app's: admins are alerted once per local date
        self._catalog = catalog  # the app's (loaded when first needed if not given)
        self._ids_written = ids_written

    def _texts(self) -> Catalog:
        """The texts of what the sender itself queues (a darurat alert nobody got)."""
        if self._catalog is None:
            self._catalog = Catalog.load()
        return self._catalog

    async def write(self, repos: Repos, done: list[FinishedSend], now: datetime) -> None:
        """The outcomes of `done`, in the caller's transaction."""
        sent_ahead, sent, not_attempted = [], [], []
        for entry in done:
            item, outcome = entry.item, entry.outcome
            at_most_once = item.kind in AT_MOST_ONCE
            if outcome is None:
                if at_most_once:
                    not_attempted.append(item.id)
                continue
            if outcome.parts:
                await repos.outbox_parts.record(
                    item.id, self.channel, outcome.parts, whole=outcome.status == "sent"
                )
            if outcome.status == "sent":
                (sent_ahead if at_most_once else sent).append((item.id, outcome.message_id))
            else:
                await self._problem(repos, item, outcome, entry.at)
            if outcome.template:
                await repos.outbox.record_template(item.id, outcome.template)
            if outcome.operator_alert:
                day = now.astimezone(self._zone).date()
                await alert_admins(repos, self._texts(), outcome.operator_alert, day=day, now=now)
        await repos.outbox.mark_sent_many(sent, now=now)
        await repos.outbox.set_ext_message_ids(sent_ahead)
        await repos.outbox.unmark_sent(not_attempted)
        if self._ids_written is not None:
            # Sent messages' ids, templates' that announced held ones (`message_id`), and the
            # ids of the parts of messages sent in several (a report may be on part 1).
            written = [e.outcome.message_id for e in done if e.outcome and e.outcome.message_id]
            written += [part for e in done if e.outcome for part in e.outcome.parts]
            await self._ids_written(repos, written)

    async def _problem(
        self, repos: Repos, item: OutboxItem, outcome: SendOutcome, now: datetime
    ) -> None:
        # A flood limit (or an expired token) is the channel saying when, not a failed try:
        # it never uses up attempts (`SendOutcome.failed_try`).
        failed_try = outcome.failed_try
        if (
            outcome.status == "retry"
            and failed_try
            and alert_cannot_wait(item, outcome.retry_after)
        ):  # a darurat alert does not wait an hour for Meta: elsewhere, or told now
            error = outcome.error or "retry"
            await give_up(repos, self._texts(), item, now=now, error=error)
        elif outcome.status == "retry" and (not failed_try or item.attempts + 1 < MAX_ATTEMPTS):
            await repos.outbox.retry_later(
                item.id,
                not_before=now + timedelta(seconds=outcome.retry_after),
                error=outcome.error,
                failed_try=failed_try,
            )
        elif outcome.status == "deferred":  # the messaging limit: a later place, no attempt
            await repos.outbox.defer(
                item.id,
                not_before=now + timedelta(seconds=outcome.retry_after),
                lifetime=ROUTINE_LIFETIME,
                error=outcome.error,
                deadline=own_deadline(item),
            )
        elif outcome.status == "held":
            held = await repos.outbox.hold(item.id, error=outcome.error or "held")
            if held and outcome.unannounced:
                error = outcome.error or "held"
                await alert_unannounced(repos, self._texts(), item, now=now, error=error)
        elif outcome.status == "unreachable":
            error = outcome.error or "unreachable"
            if not await reach_elsewhere(repos, self._texts(), item, now=now, error=error):
                await fail(repos, self._texts(), item, now=now, error=error)
        else:  # refused, or tried its last time
            log.warning("outbox %s to %s failed: %s", item.id, self.channel, outcome.error)
            error = outcome.error or outcome.status
            await give_up(repos, self._texts(), item, now=now, error=error)
