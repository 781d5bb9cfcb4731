"""The WhatsApp channel: sends through the Cloud API inside the 24-hour window, announces
with a utility template outside it, and receives through the webhook (bot/webhook.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.channels.base import SendOutcome
from bot.channels.whatsapp.client import GraphClient, GraphError
from bot.channels.whatsapp.inbound import CHANNEL
from bot.channels.whatsapp.outbound import render, to_whatsapp_text
from bot.clock import Clock
from bot.config import Settings
from handlers.delivery import DeliveryKind
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import OutboxItem

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = 131047
THROUGHPUT, PAIR_RATE = 130429, 131056
UNDELIVERABLE, WRONG_RECIPIENT_FIELD = 131026, 131062
TOKEN_EXPIRED = 190
MENU_KEY = "menu:"


class WhatsAppChannel:
    """Everything WhatsApp needs at run time."""

    name = CHANNEL

    def __init__(self, settings: Settings, catalog: Catalog, client: GraphClient | None = None):
        assert settings.whatsapp_access_token is not None
        self.settings, self.catalog = settings, catalog
        self.client = client or GraphClient(
            settings.whatsapp_api_base_url,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_access_token.get_secret_value(),
        )
        self.db: Database | None = None
        self.clock: Clock | None = None
        self.on_stored: Callable[[], None] = lambda: None

    async def start(self, db: Database, clock: Clock, on_stored: Callable[[], None]) -> None:
        """Nothing to poll: the webhook stores messages; keep what the sender needs."""
        self.db, self.clock, self.on_stored = db, clock, on_stored

    async def stop_polling(self) -> None:
        return None

    async def confirm(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self.client.close()

    async def download(self, ref: str) -> bytes:
        return await self.client.download_media(ref)

    def _text(self, key: str, **values: object) -> str:
        return self.catalog.text(self.settings.default_language, key, **values)

    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome:
        """Send inside the window; outside it, hold the message and send a template."""
        assert self.db is not None and self.clock is not None
        chat = item.chat_id or ""
        if message.type in ("delete", "callback_answer"):
            return SendOutcome.sent()  # WhatsApp can neither delete our copy nor answer taps
        async with self.db.reading() as repos:
            identity = await repos.users.identity_by_chat(CHANNEL, chat)
            user = await repos.users.get(identity.user_id) if identity else None
        language = user.language if user else self.settings.default_language
        now = self.clock.now()
        last_inbound = identity.last_inbound_at if identity else None
        if last_inbound is None or now - last_inbound >= WINDOW:
            return await self._announce(item, chat, message, now)
        rendered = render(message, self.catalog, language)
        message_id = None
        try:
            if message.type in ("image", "document") and message.file_path:
                rendered.bodies = [await self._media_body(message)]
            for body in rendered.bodies:
                message_id = await self.client.send(chat, body)
        except GraphError as error:
            return await self._on_error(error, item, chat, message, now)
        except Exception as exc:  # network trouble: try again later
            return SendOutcome(
                "retry", retry_after=min(300.0, 2.0 ** min(item.attempts, 8)), error=str(exc)
            )
        await self._remember_menu(chat, rendered.menu)
        return SendOutcome.sent(message_id)

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

    async def _remember_menu(self, chat: str, menu: dict[str, str]) -> None:
        """Numbered options (or words) the person may type back instead of tapping."""
        assert self.db is not None
        async with self.db.transaction() as repos:
            await repos.schedule.set_state(CHANNEL, MENU_KEY + chat, json.dumps(menu))

    async def _announce(
        self, item: OutboxItem, chat: str, message: Outbound, now: datetime
    ) -> SendOutcome:
        """Outside the window: a template names what waits; its tap reopens the window."""
        assert self.db is not None
        alert = item.kind == DeliveryKind.ALERT
        async with self.db.reading() as repos:
            last_template = await repos.outbox.last_template_to(CHANNEL, chat)
            _, reached = await repos.outbox.templates_since(CHANNEL, now - WINDOW)
        if not alert and last_template is not None and now - last_template < WINDOW:
            return SendOutcome("held", error="window closed; template already sent")
        if reached >= self.settings.whatsapp_daily_limit and not alert:
            return SendOutcome(
                "held",
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
        parameter = message.summary or "1"
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
            await self.client.send(chat, body)
        except GraphError as error:
            return await self._on_error(error, item, chat, message, now, template=template)
        async with self.db.transaction() as repos:
            month = now.strftime("%Y-%m")
            count = int(await repos.schedule.get_state(CHANNEL, f"templates:{month}") or 0)
            await repos.schedule.set_state(CHANNEL, f"templates:{month}", str(count + 1))
        return SendOutcome("held", error="window closed; template sent", template=template)

    async def _on_error(
        self,
        error: GraphError,
        item: OutboxItem,
        chat: str,
        message: Outbound,
        now: datetime,
        template: str | None = None,
    ) -> SendOutcome:
        """Error codes, not HTTP statuses, decide what happens next."""
        code = error.code
        if code == OUTSIDE_WINDOW and template is None:
            return await self._announce(item, chat, message, now)
        if code == PAIR_RATE:
            return SendOutcome("retry", retry_after=6.0, error=str(error), chat_wide=True)
        if code == THROUGHPUT:
            return SendOutcome("retry", retry_after=30.0, error=str(error))
        if code == UNDELIVERABLE:
            return SendOutcome("unreachable", error=str(error))
        if code == TOKEN_EXPIRED:
            return SendOutcome(
                "retry",
                retry_after=600.0,
                error=str(error),
                operator_alert=self._text("whatsapp.token_problem", code=code),
            )
        if 132000 <= code < 133000:
            return SendOutcome(
                "held",
                error=str(error),
                operator_alert=self._text(
                    "whatsapp.template_problem", template=template or "-", code=code
                ),
            )
        if code == WRONG_RECIPIENT_FIELD:
            log.error("WhatsApp refused the recipient field for %s: %s", chat, error)
        return SendOutcome("failed", error=str(error))
