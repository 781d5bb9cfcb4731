"""Status reports (WhatsApp's status webhooks): sent, delivered, read or failed, for a message
we sent or for a template announcing a held one; possibly out of order or twice, and days
after the send.

A message sent in several parts is sent, delivered or read when its last part is (a report
on an earlier part moves nothing); a failed report on any part acts on it.
A failed report decides by its code, as the send's own error would have (`error_codes`):
131047 (the window had closed) sends the message again, which announces it with a template;
131026 (not on WhatsApp, can't receive) marks the person unreachable there and sends the
message by their other channel, if any (`handlers/unreachable.py`); 131062 (wrong recipient
field) sends it once more with the other field; Meta unwell (TEMPORARY) or holding our
messages back (HELD_BACK: 131048, 131049) tries it again later, and it fails at the last
attempt (an alert's coordinators told). A template refused so never reached anyone: it is
forgotten (not counted, not a reason to wait for a tap) and the message it announced is
dealt with the same way; Meta still unwell at the last attempt, the message stays held (the
person's next message releases it) and, for a darurat alert, the coordinators hear of it
now. A template Meta will not send at all (132xxx: missing, paused, disabled, its
parameters wrong) leaves the message held, as on the send: the admins are told (once a
local day per problem) and, for a darurat alert, the coordinators. Nothing comes back for a
person suspended since the message was queued (`may_send_again`).

A report may come before the id of its message is written (the sender writes its outcomes
up to ~50 ms after the send): it is kept (`early_statuses`) and applied once the id is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.channels.base import MAX_ATTEMPTS
from bot.channels.whatsapp.error_codes import (
    OUTSIDE_WINDOW,
    UNDELIVERABLE,
    WRONG_RECIPIENT_FIELD,
    is_template_problem,
    retry_pause,
)
from bot.channels.whatsapp.inbound import CHANNEL, text_at
from bot.channels.whatsapp.limit import WINDOW
from bot.channels.whatsapp.recipients import resend_with_other_field
from bot.config import Settings
from bot.send_outcomes import alert_admins
from handlers.i18n import Catalog
from handlers.unreachable import (
    alert_cannot_wait,
    alert_unannounced,
    fail,
    give_up,
    reach_elsewhere,
    tell_alert_not_delivered,
)
from storage.early_statuses import StatusReport
from storage.models import OutboxItem
from storage.repos import Repos
from storage.template_usage import SentTemplate

# A message still being sent (its outcome not written yet) is in one of these.
BEING_SENT = frozenset({"pending", "sent"})


def read_status(status: dict[str, Any]) -> StatusReport | None:
    """The report in a webhook's status object; None without an id or a status (a field of
    another type is read as absent)."""
    wamid, state = text_at(status, "id"), text_at(status, "status")
    if not wamid or not state:
        return None
    errors = status.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    code = first.get("code") if isinstance(first, dict) else None
    return StatusReport(wamid, state, code if isinstance(code, int) else None)


async def record_status(
    repos: Repos, catalog: Catalog, report: StatusReport, *, now: datetime, settings: Settings
) -> None:
    """A report from the webhook: applied, or kept until its message's id is written.
    (`settings`: the language of the admins' alerts and the zone of their day, as on a send.)"""
    if not await apply_status(repos, catalog, report, now=now, settings=settings):
        await repos.early_statuses.keep(report, now=now)


async def apply_early_statuses(
    repos: Repos,
    catalog: Catalog,
    ext_message_ids: list[str],
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """The ids of messages (and templates) just written: the reports that came before them
    are applied now (`OutboxSender`'s `ids_written`, in the same transaction)."""
    for report in await repos.early_statuses.take(ext_message_ids):
        await record_status(repos, catalog, report, now=now, settings=settings)


async def apply_status(
    repos: Repos, catalog: Catalog, report: StatusReport, *, now: datetime, settings: Settings
) -> bool:
    """Apply a report; False when it cannot be yet: no message or template of ours is known
    by its id, or the message a template announced is still being sent (its outcome is
    written up to ~50 ms after the send, and the report may come first)."""
    item = await repos.outbox.by_ext_message_id(CHANNEL, report.wamid)
    if item is not None:
        await _on_message(repos, catalog, item, report, now=now)
        return True
    template = await repos.templates.sent_template(report.wamid)
    if template is None:
        return False
    if report.state != "failed":
        return True
    held = await repos.outbox.get(template.outbox_id) if template.outbox_id is not None else None
    if held is not None and held.status in BEING_SENT:
        return False  # its hold is written with the send's outcome: then
    if held is not None and held.status != "waiting":
        held = None  # released meanwhile (the person wrote): nothing waits for this one
    if is_template_problem(report.code):
        await _template_refused(repos, catalog, template, held, report, now, settings)
    elif held is not None:
        await _on_template(repos, catalog, held, report, now=now)
    return True


async def _on_message(
    repos: Repos, catalog: Catalog, item: OutboxItem, report: StatusReport, *, now: datetime
) -> None:
    moved = await repos.outbox.record_delivery(
        item.id, report.state, report.code, ext_message_id=report.wamid
    )
    if report.state != "failed" or item.status != "sent" or not moved:
        return  # a report twice: what it asked for is done already
    code = report.code
    resendable = not item.message.get("cleared") and await repos.outbox.may_send_again(
        item.id, now=now
    )
    if code == OUTSIDE_WINDOW:
        # Meta's window had closed whatever our record of their last message says (it may
        # be hours late): unless they wrote since, what goes next is announced by a template.
        await repos.users.note_window_closed(
            CHANNEL, item.chat_id or "", sent_at=item.sent_at or now, window=WINDOW
        )
    if code == UNDELIVERABLE:  # accepted, not delivered: stays sent unless it goes elsewhere
        if resendable:
            if not await reach_elsewhere(repos, catalog, item, now=now, error=_error(code)):
                await tell_alert_not_delivered(repos, catalog, item, now=now)
        else:
            await repos.users.mark_unreachable(CHANNEL, item.chat_id or "", now=now)
    elif not resendable:
        return
    elif code == OUTSIDE_WINDOW:  # accepted at send, refused later: announced with a template
        await repos.outbox.retry_later(
            item.id, not_before=now, error=_error(code), failed_try=False
        )
    elif code == WRONG_RECIPIENT_FIELD:
        await resend_with_other_field(repos, item, now=now)
    elif retry_pause(code, item.attempts) is not None and not await _try_again(
        repos, item, code, now=now
    ):  # Meta unwell, or holding it back, at the last attempt (an alert: too long a wait)
        await give_up(repos, catalog, item, now=now, error=_error(code))


async def _on_template(
    repos: Repos, catalog: Catalog, held: OutboxItem, report: StatusReport, *, now: datetime
) -> None:
    """A template announcing `held` (still held behind the window) was refused."""
    code = report.code
    tried_again = retry_pause(code, held.attempts) is not None
    if code not in (UNDELIVERABLE, WRONG_RECIPIENT_FIELD) and not tried_again:
        return
    if not await repos.outbox.may_send_again(held.id, now=now):
        return
    await repos.templates.forget_send(report.wamid)
    if code == UNDELIVERABLE:
        error = _error(code, "template")
        if not await reach_elsewhere(repos, catalog, held, now=now, error=error):
            await fail(repos, catalog, held, now=now, error=error)
    elif code == WRONG_RECIPIENT_FIELD:
        await resend_with_other_field(repos, held, now=now)
    elif not await _try_again(repos, held, code, now=now):  # else announced again later
        # The last attempt: no template reached the person. WhatsApp itself was unwell (or
        # held it back), not the person unreachable: the message stays held, released
        # whenever they write; for a darurat alert that may be too late, so the
        # coordinators hear of it now (or it goes by the person's Telegram).
        await alert_unannounced(repos, catalog, held, now=now, error=_error(code, "template"))


async def _template_refused(
    repos: Repos,
    catalog: Catalog,
    template: SentTemplate,
    held: OutboxItem | None,
    report: StatusReport,
    now: datetime,
    settings: Settings,
) -> None:
    """A template Meta will not send at all (132xxx), reported after it took it: as on the
    send, what it announced stays held (its person's next message releases it), the admins
    hear of the template (once a local day per problem), and a darurat alert that thereby
    reaches nobody goes by the person's Telegram, else is told to the coordinators. The
    template reached nobody: forgotten."""
    await repos.templates.forget_send(report.wamid)
    problem = catalog.text(
        settings.default_language,
        "whatsapp.template_problem",
        template=template.template,
        code=report.code,
    )
    day = now.astimezone(settings.zone).date()
    await alert_admins(repos, catalog, problem, day=day, now=now)
    if held is not None and await repos.outbox.may_send_again(held.id, now=now):
        error = _error(report.code, "template")
        await alert_unannounced(repos, catalog, held, now=now, error=error)


async def _try_again(repos: Repos, item: OutboxItem, code: int | None, *, now: datetime) -> bool:
    """Meta unwell or holding it back: a failed try, sent again after its back-off; False
    (nothing done) at the last attempt, or for a darurat alert that would wait too long."""
    seconds = retry_pause(code, item.attempts)
    if seconds is None or item.attempts + 1 >= MAX_ATTEMPTS or alert_cannot_wait(item, seconds):
        return False
    pause = timedelta(seconds=seconds)
    await repos.outbox.retry_later(
        item.id, not_before=now + pause, error=_error(code), failed_try=True
    )
    return True


def _error(code: int | None, what: str = "message") -> str:
    return f"{code} reported by status webhook ({what})"
