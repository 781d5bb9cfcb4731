"""The WhatsApp channel: sends through the Cloud API inside the 24-hour window, announces
with a utility template outside it, and receives through the webhook (bot/webhook.py)."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.channels.base import MAX_DOWNLOAD_BYTES, PartsSent, SendOutcome
from bot.channels.whatsapp.client import GraphClient, GraphError
from bot.channels.whatsapp.error_codes import (
    ACCOUNT_RATE_LIMITS,
    OUTSIDE_WINDOW,
    PAIR_RATE,
    THROUGHPUT,
    TOKEN_EXPIRED,
    UNDELIVERABLE,
    WRONG_RECIPIENT_FIELD,
    is_template_problem,
    retry_pause,
    temporary_pause,
)
from bot.channels.whatsapp.inbound import CHANNEL
from bot.channels.whatsapp.limit import WINDOW, category, no_room_until
from bot.channels.whatsapp.menu import MENU_KEY, Menu
from bot.channels.whatsapp.outbound import (
    PAIR_RATE_PAUSE,
    THROUGHPUT_PAUSE,
    api_calls,
    hides_options,
    prints_numbered_options,
    render,
    template_parameter,
    to_whatsapp_text,
)
from bot.channels.whatsapp.recipients import other_recipient
from bot.channels.whatsapp.statuses import apply_early_statuses
from bot.clock import Clock
from bot.config import Settings
from bot.pacing import Pacing
from handlers.channel_traits import ChannelTraits, PhoneProof, PhotoAsFile, SeveralChoices
from handlers.delivery import DeliveryKind
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import ChannelIdentity, OutboxItem, User
from storage.repos import Repos

log = logging.getLogger(__name__)
ACCOUNT_RATE_PAUSE = 60.0
TOKEN_PAUSE = 600.0  # an expired or revoked token: until the operators put a new one in

TRAITS = ChannelTraits(
    deletes_sent_within=None,  # the Cloud API cannot delete a message once sent
    reports_delivery_status=True,  # status webhooks, days later, may ask to resend (131047)
    charges_for_templates=True,  # outside the 24-hour window only paid templates go out
    phone_proof=PhoneProof.SENDER_NUMBER,  # wa_id: the number the person writes from
    several_choices=SeveralChoices.PICK,  # a list row at a time, or "1,3" typed to numbered text
    photo_as_file=PhotoAsFile.DOCUMENT_MENU,  # 📎 → Dokumen sends a photo as a document
    has_command_menu=False,  # keywords and numbered menus instead
    chat_link_format="https://wa.me/{address}?text={payload}",  # click to chat, text typed in
    prints_numbered_options=prints_numbered_options,  # beyond 10 options, or titles alike
    hides_options=hides_options,  # 4 to 10 options: a list behind "Pilih", unnumbered
)
# The Cloud API: 80 messages a second per business number (130429; inbound messages count
# too), and a pair rate of one message per 6 s to the same person with bursts of up to 45 in
# 6 s that borrow from the following minutes (131056; as Meta's throughput page is summarised
# by several providers). The rates are settings (`WHATSAPP_SEND_RATE_*`). A person walking a
# form quickly must never wait 6 s for each answer, so the per-chat bucket allows nearly all
# of the burst: 40, a margin for clock skew between us and Meta.
CHAT_BURST = 40.0


@dataclass
class _Delivery:
    """One outbox message on its way: where it goes and what we know of the person."""

    item: OutboxItem
    message: Outbound
    chat: str  # the chat as stored (the person's key for windows and the limit)
    target: str  # what is sent: the chat, or the other recipient field after a 131062
    identity: ChannelIdentity | None
    user: User | None
    now: datetime
    swapped: bool = False  # the other recipient field is in use already

    def __post_init__(self) -> None:
        self.swapped = self.item.other_recipient


class WhatsAppChannel:
    """Everything WhatsApp needs at run time."""

    name = CHANNEL
    traits = TRAITS

    def __init__(self, settings: Settings, catalog: Catalog, client: GraphClient | None = None):
        assert settings.whatsapp_access_token is not None
        self.settings, self.catalog = settings, catalog
        self.pacing = Pacing(
            overall_rate=settings.whatsapp_send_rate_overall,
            chat_rate=settings.whatsapp_send_rate_per_chat,
            chat_burst=CHAT_BURST,
        )
        self.client = client or GraphClient(
            settings.whatsapp_api_base_url,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_access_token.get_secret_value(),
        )
        self.db: Database | None = None
        self.clock: Clock | None = None
        self.on_stored: Callable[[], None] = lambda: None
        self._announcing = asyncio.Lock()

    async def start(self, db: Database, clock: Clock, on_stored: Callable[[], None]) -> None:
        """Nothing to poll: the webhook stores messages; keep what the sender needs."""
        self.db, self.clock, self.on_stored = db, clock, on_stored

    async def stop_polling(self) -> None:
        return None

    def intake(self) -> None:
        return None  # nothing fetched: nothing to fail

    async def confirm(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self.client.close()

    async def download(self, ref: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        """A received file's bytes by media id; refused past `max_bytes` while it comes."""
        return await self.client.download_media(ref, max_bytes)

    async def ids_written(self, repos: Repos, ext_message_ids: list[str]) -> None:
        """The sender wrote these ids (messages, templates): status reports that came before
        them apply now."""
        assert self.clock is not None
        await apply_early_statuses(
            repos, self.catalog, ext_message_ids, now=self.clock.now(), settings=self.settings
        )

    def api_calls(self, message: Outbound) -> int:
        """Cloud API sends the message takes (the sender paces in sends)."""
        return api_calls(message, self.catalog, self.settings.default_language)

    def _text(self, key: str, **values: object) -> str:
        return self.catalog.text(self.settings.default_language, key, **values)

    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome:
        """Send inside the window; outside it, hold the message and send a template."""
        assert self.db is not None and self.clock is not None
        chat = item.chat_id or ""
        if message.type in ("delete", "callback_answer", "menu"):
            # WhatsApp can neither delete our copy nor answer taps, and has no command menu
            # (TRAITS: handlers queue no menu; a row from before that goes as nothing).
            return SendOutcome.sent()
        async with self.db.reading() as repos:
            identity = await repos.users.identity_by_chat(CHANNEL, chat)
            user = await repos.users.get(identity.user_id) if identity else None
        target = chat
        if item.other_recipient:  # 131062 reported for the usual field
            target = other_recipient(identity, chat) or ""
            if not target:
                log.error("WhatsApp 131062 for outbox %s and no other recipient field", item.id)
                return SendOutcome("failed", error="131062: no other recipient field known")
        delivery = _Delivery(item, message, chat, target, identity, user, self.clock.now())
        last_inbound = identity.last_inbound_at if identity else None
        if last_inbound is None or delivery.now - last_inbound >= WINDOW:
            return await self._announce(delivery)
        language = user.language if user else self.settings.default_language
        rendered = render(message, self.catalog, language)
        replaced = None
        if rendered.menu or item.kind == DeliveryKind.REPLY:
            # Before the message goes: a person quick to type a number must find its menu.
            # (A reminder or digest without options arriving between a question and the
            # person's typed number must not take the question's options away.)
            replaced = await self._remember_menu(chat, Menu(rendered.menu, item.id))
        # A message of several bodies resumes after those accepted before; each part's id
        # is kept, for a status report about any of them (a late 131047 on part 1).
        parts = PartsSent(item.sent_parts, keep_ids=True)
        try:
            if message.type in ("image", "document") and message.file_path:
                rendered.bodies = [await self._media_body(message)]
            for body in parts.still_to_send(rendered.bodies):
                parts.accept(await self._post(delivery, body))
            outcome = SendOutcome.sent(parts.last)
        except GraphError as error:
            outcome = await self._on_error(error, delivery)
        except Exception as exc:  # network trouble: try again later
            outcome = SendOutcome(
                "retry", retry_after=min(300.0, 2.0 ** min(item.attempts, 8)), error=str(exc)
            )
        if replaced is not None and outcome.status != "sent":
            # Not seen (yet): a number typed meanwhile answers the menu they did see; the
            # new one is stored again when the message is tried again.
            await self._store_menu(chat, replaced)
        return parts.outcome(outcome)

    async def _post(self, delivery: _Delivery, body: dict[str, object]) -> str:
        """Send one body; on 131062 (wrong recipient field) once more with the other field."""
        try:
            return await self.client.send(delivery.target, body)
        except GraphError as error:
            other = other_recipient(delivery.identity, delivery.target)
            if error.code != WRONG_RECIPIENT_FIELD or delivery.swapped or other is None:
                raise
        log.warning(
            "WhatsApp 131062 for outbox %s: trying the other recipient field", delivery.item.id
        )
        delivery.target, delivery.swapped = other, True
        message_id = await self.client.send(other, body)
        assert self.db is not None
        async with self.db.transaction() as repos:
            await repos.outbox.note_other_recipient(delivery.item.id)
        return message_id

    async def _media_body(self, message: Outbound) -> dict[str, object]:
        """Upload the file, then send it by media id with its caption."""
        path = Path(message.file_path or "")
        data = await asyncio.to_thread(path.read_bytes)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        media_id = await self.client.upload_media(data, path.name, mime)
        caption = to_whatsapp_text(message.text)[:1024]
        if message.type == "image":
            return {"type": "image", "image": {"id": media_id, "caption": caption}}
        return {
            "type": "document",
            "document": {"id": media_id, "filename": path.name, "caption": caption},
        }

    async def _remember_menu(self, chat: str, menu: Menu) -> str | None:
        """Numbered options (or words) the person may type back instead of tapping, and the
        message they are printed in (bot/channels/whatsapp/menu.py); returns what they
        replace (as stored), None when nothing changed.

        Written only when they change: a fan-out of plain reminders to chats without a
        menu costs no write transaction (one fsync) per message."""
        assert self.db is not None
        value = menu.stored()
        async with self.db.reading() as repos:
            stored = await repos.schedule.get_state(CHANNEL, MENU_KEY + chat) or "{}"
        if stored == value:
            return None
        await self._store_menu(chat, value)
        return stored

    async def _store_menu(self, chat: str, value: str) -> None:
        assert self.db is not None
        async with self.db.transaction() as repos:
            await repos.schedule.set_state(CHANNEL, MENU_KEY + chat, value)

    async def _announce(self, delivery: _Delivery) -> SendOutcome:
        """Outside the window: a template names what waits; its tap reopens the window.

        One at a time: chats are sent to in parallel, and each decision must see the
        templates sent before it (one per person a day, the messaging limit)."""
        async with self._announcing:
            return await self._announce_one(delivery)

    async def _announce_one(self, delivery: _Delivery) -> SendOutcome:
        assert self.db is not None
        item, now = delivery.item, delivery.now
        alert = item.kind == DeliveryKind.ALERT
        async with self.db.reading() as repos:
            last_template = await repos.templates.last_to(delivery.chat)
            if not alert and last_template is not None and now - last_template < WINDOW:
                return SendOutcome("held", error="window closed; template already sent")
            retry_at = None
            if not alert:
                retry_at = await no_room_until(
                    repos,
                    channel=CHANNEL,
                    chat_id=delivery.chat,
                    kind=item.kind,
                    topic=item.topic,
                    now=now,
                    limit=self.settings.whatsapp_daily_limit,
                )
        if retry_at is not None:
            await self._record_deferral(delivery)
            return SendOutcome(
                "deferred",
                retry_after=(retry_at - now).total_seconds(),
                error="daily template limit reached",
                operator_alert=self._text(
                    "whatsapp.limit_reached", limit=self.settings.whatsapp_daily_limit
                ),
            )
        template = (
            self.settings.whatsapp_template_alert
            if alert
            else self.settings.whatsapp_template_notice
        )
        parameter = template_parameter(delivery.message.summary or "")
        if not parameter:
            # Every message that may wait here carries a summary ("Ringkasan harian", a case
            # number): "(pesan)" tells the person nothing, so a missing one is a bug to fix.
            log.warning("outbox %s announced without a summary", item.id)
            parameter = self._text("whatsapp.template_default")
        body = {
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": self.settings.whatsapp_template_language},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": parameter}]}
                ],
            },
        }
        try:
            message_id = await self._post(delivery, body)
        except GraphError as error:
            return await self._on_error(error, delivery, template=template)
        async with self.db.transaction() as repos:
            await repos.templates.record_send(
                now=now,
                chat_id=delivery.chat,
                template=template,
                kind=item.kind,
                outbox_id=item.id,
                ext_message_id=message_id,
            )
        return SendOutcome(
            "held", message_id=message_id, error="window closed; template sent", template=template
        )

    async def _record_deferral(self, delivery: _Delivery) -> None:
        """Remember who the limit kept a message from today, for the coordinators' report."""
        assert self.db is not None
        user = delivery.user
        if user is None:
            return
        async with self.db.transaction() as repos:
            await repos.templates.record_deferral(
                local_date=delivery.now.astimezone(self.settings.zone).date().isoformat(),
                user_id=user.id,
                category=category(delivery.item.kind, delivery.item.topic),
                kabupaten_code=user.kabupaten_code,
                now=delivery.now,
            )

    async def _on_error(
        self, error: GraphError, delivery: _Delivery, template: str | None = None
    ) -> SendOutcome:
        """Error codes, not HTTP statuses, decide what happens next."""
        code = error.code
        if code == OUTSIDE_WINDOW and template is None:
            return await self._announce(delivery)
        if code == PAIR_RATE:  # this person only
            return SendOutcome(
                "retry", retry_after=PAIR_RATE_PAUSE, error=str(error), chat_wide=True
            )
        if code == THROUGHPUT:  # the business number: pause the channel's overall pace
            return SendOutcome(
                "retry", retry_after=THROUGHPUT_PAUSE, error=str(error), channel_wide=True
            )
        if code in ACCOUNT_RATE_LIMITS:
            return SendOutcome(
                "retry", retry_after=ACCOUNT_RATE_PAUSE, error=str(error), channel_wide=True
            )
        pause = retry_pause(code, delivery.item.attempts)
        if pause is None and error.status >= 500:
            pause = temporary_pause(delivery.item.attempts)
        if pause is not None:  # Meta unwell, or holding our messages back: a failed try
            return SendOutcome("retry", retry_after=pause, error=str(error))
        if code == UNDELIVERABLE:
            return SendOutcome("unreachable", error=str(error))
        if code == TOKEN_EXPIRED:  # every send fails alike: the channel waits, no attempt used
            return SendOutcome(
                "retry",
                retry_after=TOKEN_PAUSE,
                error=str(error),
                channel_wide=True,
                operator_alert=self._text("whatsapp.token_problem", code=code),
            )
        if is_template_problem(code):  # held, no template announcing it: reaches nobody
            return SendOutcome(
                "held",
                error=str(error),
                operator_alert=self._text(
                    "whatsapp.template_problem", template=template or "-", code=code
                ),
                unannounced=True,
            )
        if code == WRONG_RECIPIENT_FIELD:
            log.error(
                "WhatsApp refused the recipient field for outbox %s (other field tried: %s): %s",
                delivery.item.id,
                delivery.swapped,
                error,
            )
        return SendOutcome("failed", error=str(error))
