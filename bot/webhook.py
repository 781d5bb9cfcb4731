"""The HTTP side: WhatsApp's webhook, Telegram's webhook mode, and a health check.

Every POST is verified, stored in the inbox (unique on the channel's message id) and
answered 200 once that is committed, before any processing, so restarts and redeliveries
lose nothing and apply nothing twice. Requests that arrive together share one commit
(storage/group_commit.py). Serve it behind an HTTPS reverse proxy (see README).

A body longer than MAX_BODY is refused (413) before it is read whole. A WhatsApp message
older than a week is acknowledged and dropped: its dedup key may be gone (8 days), and a
signed payload replayed then would be applied again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.telegram.inbound import CHANNEL as TELEGRAM
from bot.channels.telegram.inbound import sender_key as telegram_sender
from bot.channels.whatsapp.inbound import CHANNEL as WHATSAPP
from bot.channels.whatsapp.inbound import chat_of, object_at, sender_ids, sent_at, text_at
from bot.channels.whatsapp.menu import MENU_KEY, Menu, read_reply
from bot.channels.whatsapp.statuses import read_status, record_status
from bot.clock import Clock
from bot.config import Settings
from handlers.i18n import Catalog
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.repos import Repos

log = logging.getLogger(__name__)
MAX_BODY = 8 * 2**20  # Meta's payloads stay under 3 MB, Telegram's updates far smaller
# Under the WhatsApp dedup keys' life (bot/scheduler.py WHATSAPP_REDELIVERY_WINDOW, 8 days).
OLDEST_MESSAGE = timedelta(days=7)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of what a request carries with a secret; as bytes, since
    `compare_digest` raises on a str holding anything beyond ASCII."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def valid_signature(raw: bytes, header: str | None, secret: str) -> bool:
    """X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with the app secret."""
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return same_secret(header, expected)


async def body_within(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than `limit` bytes: judged by its
    Content-Length before anything is read, then while reading (a chunked body has none)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def sent_before(message: dict[str, Any], moment: datetime) -> bool:
    """Whether WhatsApp says the message was sent before `moment` (its `timestamp`, Unix
    seconds; one missing or unreadable is taken as recent: the payload was signed)."""
    sent = sent_at(message)
    return sent is not None and sent < moment


def _whatsapp_items(envelope: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(message payloads for the inbox, status reports) from a webhook envelope, the
    messages in the order they were sent (`_sending_order`)."""
    messages, statuses = [], []
    for entry in envelope.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            contacts = _objects(value.get("contacts"))
            for message in _objects(value.get("messages")):
                sender = message.get("from")
                contact = next(
                    (c for c in contacts if sender in (c.get("wa_id"), c.get("user_id"))),
                    contacts[0] if len(contacts) == 1 else {},
                )
                messages.append({"message": message, "contact": contact})
            statuses.extend(_objects(value.get("statuses")))
    messages.sort(key=lambda payload: _sending_order(payload["message"]))
    return messages, statuses


def _sending_order(message: dict[str, Any]) -> float:
    """Where a message of a webhook goes in the inbox: by when WhatsApp says it was sent, not
    where it is listed (a KK sent after the name but listed first was read as the name).
    The sort is stable: messages of one second keep their listed order; one without a
    readable time is taken as the latest (as `sent_before` takes it as recent)."""
    sent = sent_at(message)
    return sent.timestamp() if sent is not None else float("inf")


def _objects(items: Any) -> list[dict[str, Any]]:
    """The objects of a payload's list (an item of another type is skipped, not fatal)."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


class WebhookApp:
    """Builds the Starlette app for the configured channels."""

    def __init__(
        self,
        settings: Settings,
        db: Callable[[], Database],
        clock: Clock,
        on_stored: Callable[[], None],
        on_status: Callable[[], None],
        catalog: Catalog,
    ) -> None:
        self.settings, self._db, self.clock = settings, db, clock
        self.catalog = catalog  # a darurat alert nobody could get is told in words
        # Concurrent requests share a commit; each is answered once its own write is on disk.
        self.commits = GroupCommit(db)
        self.on_stored, self.on_status = on_stored, on_status
        self._server: Any = None

    def app(self) -> Starlette:
        routes = [Route("/healthz", self.health, methods=["GET"])]
        if self.settings.whatsapp_enabled:
            routes += [
                Route("/webhook/whatsapp", self.whatsapp_verify, methods=["GET"]),
                Route("/webhook/whatsapp", self.whatsapp_receive, methods=["POST"]),
            ]
        if self.settings.telegram_webhook_url:
            routes.append(Route("/webhook/telegram", self.telegram_receive, methods=["POST"]))
        return Starlette(routes=routes)

    async def health(self, request: Request) -> Response:
        async with self._db().reading() as repos:
            counts = await repos.inbox.counts()
        return JSONResponse({"ok": True, "inbox_pending": counts.get("pending", 0)})

    async def whatsapp_verify(self, request: Request) -> Response:
        """The subscription handshake: echo hub.challenge when the verify token matches."""
        params = request.query_params
        token = self.settings.whatsapp_verify_token
        expected = token.get_secret_value() if token else ""
        if (
            params.get("hub.mode") == "subscribe"
            and expected
            and same_secret(params.get("hub.verify_token", ""), expected)
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("forbidden", status_code=403)

    async def whatsapp_receive(self, request: Request) -> Response:
        secret = self.settings.whatsapp_app_secret
        header = request.headers.get("x-hub-signature-256")
        if header is None:
            return PlainTextResponse("missing signature", status_code=401)
        raw = await body_within(request, MAX_BODY)
        if raw is None:
            return PlainTextResponse("too large", status_code=413)
        if not secret or not valid_signature(raw, header, secret.get_secret_value()):
            return PlainTextResponse("bad signature", status_code=403)
        try:
            messages, statuses = _whatsapp_items(json.loads(raw))
        except (ValueError, AttributeError, TypeError):
            # Answer 200 anyway, or Meta retries a payload we will never understand.
            log.warning("WhatsApp webhook: unreadable payload (%s bytes) ignored", len(raw))
            return PlainTextResponse("ok")
        oldest = self.clock.now() - OLDEST_MESSAGE
        recent = [payload for payload in messages if not sent_before(payload["message"], oldest)]
        if len(recent) < len(messages):
            log.warning(
                "WhatsApp webhook: %s message(s) sent over a week ago ignored (a replay?)",
                len(messages) - len(recent),
            )
        messages = recent

        reports = [r for r in map(read_status, statuses) if r is not None]

        async def store(repos: Repos) -> int:
            stored = 0
            for payload in messages:
                await self._attach_menu_choice(repos, payload)
                wamid = text_at(payload["message"], "id")
                if wamid:
                    stored += await repos.inbox.add(
                        channel=WHATSAPP,
                        ext_id=str(wamid),
                        payload=payload,
                        sender_key=sender_ids(payload)[0],
                        now=self.clock.now(),
                    )
            for report in reports:
                await record_status(
                    repos, self.catalog, report, now=self.clock.now(), settings=self.settings
                )
            return stored

        stored = await self.commits.run(store)
        if stored:
            self.on_stored()
        if reports:
            self.on_status()
        return PlainTextResponse("ok")

    @staticmethod
    async def _attach_menu_choice(repos: Repos, payload: dict[str, Any]) -> None:
        """A typed number (or word) that picks an option of the last numbered menu, or a
        typed list of numbers read against it (bot/channels/whatsapp/menu.py)."""
        message = payload["message"]
        if message.get("type") != "text":
            return
        stored = await repos.schedule.get_state(WHATSAPP, MENU_KEY + chat_of(payload))
        if not stored:
            return
        typed = text_at(object_at(message, "text"), "body") or ""
        payload.update(read_reply(Menu.parse(stored), typed))

    async def telegram_receive(self, request: Request) -> Response:
        secret = self.settings.telegram_webhook_secret
        header = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not same_secret(header, secret.get_secret_value()):
            return PlainTextResponse("forbidden", status_code=403)
        raw = await body_within(request, MAX_BODY)
        if raw is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = json.loads(raw)
            update_id = int(update["update_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("Telegram webhook: unreadable update ignored")
            return PlainTextResponse("ok")
        stored = await self.commits.run(
            lambda repos: repos.inbox.add(
                channel=TELEGRAM,
                ext_id=str(update_id),
                payload=update,
                sender_key=telegram_sender(update),
                now=self.clock.now(),
            )
        )
        if stored:
            self.on_stored()
        return PlainTextResponse("ok")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the runtime owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """uvicorn serving the webhook app inside the bot's event loop."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        # log_config=None: uvicorn's loggers keep no handlers of their own and reach the
        # root's, which masks NIK and KK (bot/logs.py); uvicorn's would print them as they are.
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", log_config=None
        )
        self.server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve(), name="webhook-server")
        while not self.server.started:
            if self._task.done():
                self._task.result()  # raises the start-up error (e.g. port in use)
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is not None:
            self.server.should_exit = True
            await self._task
            self._task = None
