"""A fake WhatsApp Cloud API (Graph API) server, plus webhook payload builders.

The bot's WhatsApp client talks to it over real HTTP on 127.0.0.1: point
``WHATSAPP_API_BASE_URL`` at :attr:`FakeGraph.base_url` (``{url}/{version}``).

Served endpoints (all need ``Authorization: Bearer <access_token>``, else HTTP 401 with
Graph error 190):

* ``POST /{version}/{phone_number_id}/messages`` - sends (validated the way the Cloud API
  validates them) and the "mark as read" shape;
* ``POST /{version}/{phone_number_id}/media`` - multipart media upload, returns ``{"id"}``;
* ``GET /{version}/{media_id}`` - media metadata with a download ``url``;
* ``GET /media-download/{token}`` - the media bytes.

Every request is recorded in :attr:`FakeGraph.calls`; requests the real API would refuse
as malformed (error 100), with an unknown template (132001) or bad credentials (190) are
also listed by :attr:`FakeGraph.rejections`, so a test can assert ``fake.rejections == []``.
Injected faults (:meth:`FakeGraph.fail_next`) and closed customer-service windows
(:meth:`FakeGraph.close_window`) are *not* rejections.

Opt-in, :meth:`FakeGraph.enforce_limits` answers sends beyond the Cloud API's limits the way
Meta documents them: error 130429 above the business number's throughput (80 messages a
second) and 131056 when the same person gets messages faster than the pair rate (one every 6
seconds, short bursts allowed), and counts sends made while a limit said to wait.

The module-level builders (:func:`envelope`, :func:`text_message`, :func:`button_reply`,
...) produce ``messages`` webhook payloads shaped like the Cloud API's; :func:`sign`
computes the ``X-Hub-Signature-256`` header value for a raw body.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = [
    "DISPLAY_PHONE",
    "ERROR_TITLES",
    "PHONE_NUMBER_ID",
    "FakeGraph",
    "GraphCall",
    "LimitCounters",
    "WhatsAppLimits",
    "audio_message",
    "button_reply",
    "contact",
    "document_message",
    "envelope",
    "graph_error",
    "image_message",
    "list_reply",
    "location_message",
    "sign",
    "status_update",
    "sticker_message",
    "template_button",
    "text_message",
]

#: Defaults shared by the fake and the webhook builders.
PHONE_NUMBER_ID = "1000001"
DISPLAY_PHONE = "6281100000000"
WABA_ID = "WABA_ID"

#: Titles (the ``message`` after ``(#code)``) of the Graph errors the project cares about.
ERROR_TITLES: dict[int, str] = {
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    368: "Temporarily blocked for policies violations",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    130472: "User's number is part of an experiment",
    131000: "Something went wrong",
    131005: "Access denied",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131021: "Recipient cannot be sender",
    131026: "Message undeliverable",
    131030: "Recipient phone number not in allowed list",
    131031: "Account has been locked",
    131042: "Business eligibility payment issue",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "Meta chose not to deliver",
    131051: "Unsupported message type",
    131052: "Media download error",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    133010: "Phone number not registered",
}

_WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number."
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Media the Cloud API takes (type -> largest size in bytes): what the bot uploads is among them.
UPLOAD_LIMITS = {
    "image/jpeg": 5 * 2**20,
    "image/png": 5 * 2**20,
    **{
        kind: 100 * 2**20
        for kind in (
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    },
}
MAX_BUTTON_BODY = 1024
MAX_LIST_BODY = 4096
MAX_HEADER_TEXT = 60
MAX_FOOTER_TEXT = 60
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10
MAX_ROW_ID = 200
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_SECTION_TITLE = 24

_PHONE_RE = re.compile(r"\+?[0-9]{8,15}")
# Business-scoped user id: ISO country code, ".", optional "ENT." (parent BSUID), id.
_BSUID_RE = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")
_MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
_TOP_LEVEL_KEYS = frozenset(
    {
        "messaging_product",
        "recipient_type",
        "to",
        "recipient",
        "type",
        "context",
        "biz_opaque_callback_data",
        "text",
        "interactive",
        "template",
        "location",
        "reaction",
        *_MEDIA_TYPES,
    }
)


@dataclass
class GraphCall:
    """One request received by the fake, in arrival order.

    ``body`` is the decoded JSON body (form fields for uploads, ``None`` for GETs);
    ``response`` is what was answered (bytes for media downloads); ``error_code`` is the
    Graph error code of an error answer (injected or not); ``rejected`` is the description
    when the request broke the API's rules (see :attr:`FakeGraph.rejections`);
    ``async_error`` is set when the send was accepted (HTTP 200) but fails later, the way a
    closed window does on the real platform (see ``close_window(asynchronous=True)``).
    ``at`` is ``time.monotonic()``.
    """

    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    response: dict[str, Any] | bytes
    error_code: int | None
    at: float
    rejected: str | None = None
    async_error: int | None = None


@dataclass
class WhatsAppLimits:
    """The Cloud API's send limits as token buckets; off unless `FakeGraph.enforce_limits`.

    Meta's limits: 80 messages a second per business number; one message every 6 seconds to
    the same person, in bursts of up to 45 (borrowed from the following minutes).
    """

    throughput_per_s: float = 80.0
    throughput_burst: float = 80.0
    pair_per_s: float = 1 / 6
    pair_burst: float = 45.0
    throughput_wait_s: float = 1.0  # how long a 130429 tells every send to wait


@dataclass
class LimitCounters:
    """What the enforced limits saw.

    A 131056 tells that person's sends to wait one pair interval (6 s); a 130429 tells every
    send to wait `throughput_wait_s` (a second: throughput is counted per second). A send
    that comes within such a wait is an *ignored retry* (and is then judged like any other).
    """

    accepted: int = 0  # sends within the limits
    throughput_limited: int = 0  # 130429 answers
    pair_limited: int = 0  # 131056 answers
    ignored_retry: int = 0  # sends made while a limit said to wait
    first_at: float = 0.0  # monotonic time of the first and last accepted send
    last_at: float = 0.0


class _Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, burst, time.monotonic()

    def has_token(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.tokens >= 1


@dataclass
class _Fault:
    code: int
    recipient: str | None
    remaining: int
    message: str
    status: int


@dataclass
class _Media:
    media_id: str
    data: bytes
    mime_type: str
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()


class _GraphError(Exception):
    """Raised inside handlers; becomes a Graph ``{"error": {...}}`` answer."""

    def __init__(
        self,
        code: int,
        details: str = "",
        *,
        status: int = 400,
        rejected: bool = False,
        message: str = "",
    ) -> None:
        super().__init__(details or message)
        self.code = code
        self.details = details
        self.status = status
        self.rejected = rejected
        self.message = message or f"(#{code}) {ERROR_TITLES.get(code, 'Graph API error')}"


def _bad(details: str) -> _GraphError:
    return _GraphError(100, details, rejected=True)


def _error_body(code: int, message: str, details: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": details or ERROR_TITLES.get(code, message),
            },
            "fbtrace_id": "A" + secrets.token_hex(8),
        }
    }


def _norm(recipient: str) -> str:
    """Phone numbers are compared without a leading ``+``."""
    return recipient[1:] if recipient.startswith("+") else recipient


class _QuietServer(uvicorn.Server):
    """uvicorn server that leaves the process' signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


# ---------------------------------------------------------------------- validation helpers


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{where} must be an object")
    return value


def _title(value: Any, where: str, max_len: int) -> str:
    """A button or row title, counted strictly (UTF-16 code units: "📝" is two), as Meta's
    counting of emoji is not documented."""
    title = _text(value, where, max_len)
    width = len(title.encode("utf-16-le")) // 2
    if width > max_len:
        raise _bad(f"{where} is too long: {width} UTF-16 units, the maximum is {max_len}")
    return title


def _text(value: Any, where: str, max_len: int, *, min_len: int = 1) -> str:
    if not isinstance(value, str):
        raise _bad(f"{where} is required and must be a string")
    if min_len and not value.strip():
        raise _bad(f"{where} must not be empty")
    if len(value) > max_len:
        raise _bad(f"{where} is too long: {len(value)} characters, the maximum is {max_len}")
    return value


def _optional_text(value: Any, where: str, max_len: int) -> None:
    if value is not None:
        _text(value, where, max_len, min_len=0)


def _media_object(value: Any, where: str, *, caption: bool) -> None:
    media = _obj(value, where)
    has_link = "link" in media
    has_id = "id" in media
    if has_link == has_id:
        raise _bad(f"{where} needs exactly one of 'link' or 'id'")
    if has_link:
        link = media["link"]
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            raise _bad(f"{where}.link must be an http(s) URL")
    elif not isinstance(media["id"], str) or not media["id"]:
        raise _bad(f"{where}.id must be a non-empty string")
    if "caption" in media:
        if not caption:
            raise _bad(f"{where} does not take a caption")
        _optional_text(media["caption"], f"{where}.caption", MAX_CAPTION)


def _header_footer(interactive: dict[str, Any], *, media_header: bool) -> None:
    if "header" in interactive:
        header = _obj(interactive["header"], "interactive.header")
        kind = header.get("type")
        if kind == "text":
            _text(header.get("text"), "interactive.header.text", MAX_HEADER_TEXT)
        elif media_header and kind in ("image", "document", "video"):
            _media_object(header.get(kind), f"interactive.header.{kind}", caption=False)
        else:
            raise _bad(f"interactive.header.type {kind!r} is not allowed here")
    if "footer" in interactive:
        footer = _obj(interactive["footer"], "interactive.footer")
        _text(footer.get("text"), "interactive.footer.text", MAX_FOOTER_TEXT)


def _body_text(interactive: dict[str, Any], max_len: int) -> None:
    body = _obj(interactive.get("body"), "interactive.body")
    _text(body.get("text"), "interactive.body.text", max_len)


def _check_buttons(interactive: dict[str, Any]) -> None:
    _body_text(interactive, MAX_BUTTON_BODY)
    _header_footer(interactive, media_header=True)
    action = _obj(interactive.get("action"), "interactive.action")
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        count = len(buttons) if isinstance(buttons, list) else "no"
        raise _bad(f"interactive.action.buttons must hold 1 to {MAX_BUTTONS} buttons, got {count}")
    ids: set[str] = set()
    titles: set[str] = set()
    for i, button in enumerate(buttons):
        where = f"interactive.action.buttons[{i}]"
        button = _obj(button, where)
        if button.get("type") != "reply":
            raise _bad(f"{where}.type must be 'reply'")
        reply = _obj(button.get("reply"), f"{where}.reply")
        button_id = _text(reply.get("id"), f"{where}.reply.id", MAX_BUTTON_ID)
        title = _title(reply.get("title"), f"{where}.reply.title", MAX_BUTTON_TITLE)
        if button_id in ids:
            raise _bad(f"duplicate button id {button_id!r}: button ids must be unique")
        if title in titles:
            raise _bad(f"duplicate button title {title!r}: button titles must be unique")
        ids.add(button_id)
        titles.add(title)


def _check_list(interactive: dict[str, Any]) -> None:
    _body_text(interactive, MAX_LIST_BODY)
    _header_footer(interactive, media_header=False)
    action = _obj(interactive.get("action"), "interactive.action")
    _text(action.get("button"), "interactive.action.button", MAX_LIST_BUTTON)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
        raise _bad(f"interactive.action.sections must hold 1 to {MAX_SECTIONS} sections")
    ids: set[str] = set()
    total = 0
    for s, section in enumerate(sections):
        where = f"interactive.action.sections[{s}]"
        section = _obj(section, where)
        if len(sections) > 1 or "title" in section:
            _text(section.get("title"), f"{where}.title", MAX_SECTION_TITLE)
        rows = section.get("rows")
        if not isinstance(rows, list) or not rows:
            raise _bad(f"{where}.rows must be a non-empty list")
        for r, row in enumerate(rows):
            row_where = f"{where}.rows[{r}]"
            row = _obj(row, row_where)
            row_id = _text(row.get("id"), f"{row_where}.id", MAX_ROW_ID)
            _title(row.get("title"), f"{row_where}.title", MAX_ROW_TITLE)
            _optional_text(row.get("description"), f"{row_where}.description", MAX_ROW_DESCRIPTION)
            if row_id in ids:
                raise _bad(f"duplicate row id {row_id!r}: row ids must be unique")
            ids.add(row_id)
        total += len(rows)
    if total > MAX_ROWS:
        raise _bad(f"a list message holds at most {MAX_ROWS} rows in total, got {total}")


def _check_location_request(interactive: dict[str, Any]) -> None:
    _body_text(interactive, MAX_BUTTON_BODY)
    action = _obj(interactive.get("action"), "interactive.action")
    if action.get("name") != "send_location":
        raise _bad("interactive.action.name must be 'send_location'")


def _check_cta_url(interactive: dict[str, Any]) -> None:
    _body_text(interactive, MAX_BUTTON_BODY)
    _header_footer(interactive, media_header=True)
    action = _obj(interactive.get("action"), "interactive.action")
    if action.get("name") != "cta_url":
        raise _bad("interactive.action.name must be 'cta_url'")
    params = _obj(action.get("parameters"), "interactive.action.parameters")
    _text(params.get("display_text"), "interactive.action.parameters.display_text", 20)
    url = params.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise _bad("interactive.action.parameters.url must be an http(s) URL")


_INTERACTIVE_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "button": _check_buttons,
    "list": _check_list,
    "location_request_message": _check_location_request,
    "cta_url": _check_cta_url,
}


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Form fields of a multipart body; file parts become ``(filename, mime, bytes)``."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            fields[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode("utf-8")
    return fields


# ---------------------------------------------------------------------- the fake server


class FakeGraph:
    """In-process fake of the WhatsApp Cloud API, served by uvicorn on 127.0.0.1."""

    def __init__(
        self,
        *,
        access_token: str = "TEST-TOKEN",
        phone_number_id: str = PHONE_NUMBER_ID,
        version: str = "v23.0",
        templates: Iterable[str] = ("psm_pemberitahuan", "psm_darurat"),
    ) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.version = version
        self.templates = set(templates)
        self.url = ""
        self.calls: list[GraphCall] = []
        #: ``statuses[]`` items (``status == "failed"``) for sends that were accepted but
        #: fail later (windows closed with ``asynchronous=True``); wrap them with
        #: :func:`envelope` and post them to the bot's webhook.
        self.failed_statuses: list[dict[str, Any]] = []
        self._closed: dict[str, bool] = {}  # normalised recipient -> asynchronous
        self._limits: WhatsAppLimits | None = None  # see enforce_limits
        self.limit_counters = LimitCounters()
        self._faults: list[_Fault] = []
        #: Awaited with each accepted send's body before the fake answers it: what the bot
        #: had done by the moment a person could see the message.
        self.on_send: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self._media: dict[str, _Media] = {}
        self._downloads: dict[str, str] = {}  # download token -> media id
        self._wamid_no = itertools.count(1)
        self._media_no = itertools.count(1)
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        self._app = Starlette(
            routes=[
                Route("/media-download/{token}", self._handle_download, methods=["GET"]),
                Route("/{version}/{phone_id}/messages", self._handle_messages, methods=["POST"]),
                Route("/{version}/{phone_id}/media", self._handle_upload, methods=["POST"]),
                Route("/{version}/{media_id}", self._handle_media_info, methods=["GET"]),
                Route("/{path:path}", self._handle_unknown, methods=methods),
            ]
        )

    @property
    def app(self) -> Starlette:
        """The ASGI app, for an in-memory client (``httpx.ASGITransport(app=fake.app)``)."""
        return self._app

    @property
    def base_url(self) -> str:
        """The client's ``WHATSAPP_API_BASE_URL``: ``{url}/{version}``."""
        return f"{self.url}/{self.version}"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Serve on a free 127.0.0.1 port in a background task; return once it serves."""
        if self._task is not None:
            return
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto is TCP; without it every response stalls ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=2,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("fake Graph server exited during startup")
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Shut the server down."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=5)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        self._server = None
        self._task = None

    def reset(self) -> None:
        """Forget calls, faults, closed windows, media, failed statuses and a test's
        `on_send` hook (it may read the runtime of a test that has ended).

        The server keeps running; ``wamid``s and media ids keep increasing, so ids from
        before a reset never collide with later ones.
        """
        self.calls.clear()
        self.failed_statuses.clear()
        self._closed.clear()
        self._faults.clear()
        self._media.clear()
        self._downloads.clear()
        self._limits = None
        self.on_send = None

    # ------------------------------------------------------------------ inspection

    @property
    def rejections(self) -> list[GraphCall]:
        """Requests refused for breaking the API's rules (not injected faults/windows)."""
        return [c for c in self.calls if c.rejected is not None]

    def messages_to(self, recipient: str) -> list[dict[str, Any]]:
        """Bodies of successful sends whose ``to`` (``+`` ignored) or ``recipient`` matches.

        Excludes "mark as read" calls and sends that were accepted but fail later
        (``close_window(..., asynchronous=True)``).
        """
        key = _norm(recipient)
        found = []
        for c in self.calls:
            if not self._is_send(c) or c.status != 200 or c.async_error is not None:
                continue
            assert c.body is not None
            to = c.body.get("to")
            if (isinstance(to, str) and _norm(to) == key) or c.body.get("recipient") == recipient:
                found.append(c.body)
        return found

    @property
    def sends(self) -> list[GraphCall]:
        """Every POST /messages call that was a send (not "mark as read"), in order."""
        return [c for c in self.calls if self._is_send(c)]

    @property
    def read_receipts(self) -> list[str]:
        """``message_id``s of successful "mark as read" calls, in order."""
        return [
            str(c.body["message_id"])
            for c in self.calls
            if c.status == 200
            and c.path.endswith("/messages")
            and c.body is not None
            and c.body.get("status") == "read"
        ]

    def _is_send(self, c: GraphCall) -> bool:
        return (
            c.method == "POST"
            and c.path.endswith("/messages")
            and isinstance(c.body, dict)
            and c.body.get("status") != "read"
        )

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the fake's API
        *,
        what: str = "",
    ) -> None:
        """Poll ``predicate`` every 20 ms; on timeout raise AssertionError with recent calls."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                label = f" ({what})" if what else ""
                raise AssertionError(
                    f"condition{label} not met within {timeout}s; last calls:\n" + self._summary(5)
                )
            await asyncio.sleep(0.02)

    async def wait_messages(
        self,
        recipient: str,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the fake's API
    ) -> list[dict[str, Any]]:
        """Wait until ``messages_to(recipient)`` has at least ``count`` items; return them."""
        await self.wait_for(
            lambda: len(self.messages_to(recipient)) >= count,
            timeout,
            what=f"{count} message(s) to {recipient}, got {len(self.messages_to(recipient))}",
        )
        return self.messages_to(recipient)

    def _summary(self, n: int) -> str:
        if not self.calls:
            return "  (no calls)"
        lines = []
        for c in self.calls[-n:]:
            shown = json.dumps(c.body, default=repr, ensure_ascii=False)
            if len(shown) > 300:
                shown = shown[:300] + "..."
            outcome = "ok" if c.error_code is None else f"error {c.error_code}"
            if c.rejected:
                outcome += f" ({c.rejected})"
            lines.append(f"  {c.method} {c.path} {shown} -> {c.status} {outcome}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ test controls

    def close_window(self, recipient: str, *, asynchronous: bool = False) -> None:
        """Close ``recipient``'s 24-hour customer-service window.

        Free-form (non-template) sends to it then fail with error 131047. By default the
        send itself is answered HTTP 400; with ``asynchronous=True`` it is accepted (HTTP
        200 with a ``wamid``, as the real Cloud API usually does) and a ``failed`` status
        item is appended to :attr:`failed_statuses` instead.
        """
        self._closed[_norm(recipient)] = asynchronous

    def open_window(self, recipient: str) -> None:
        """Undo :meth:`close_window`."""
        self._closed.pop(_norm(recipient), None)

    def fail_next(
        self,
        code: int,
        *,
        recipient: str | None = None,
        times: int = 1,
        message: str = "",
        status: int | None = None,
    ) -> None:
        """Make the next ``times`` valid sends (optionally only to ``recipient``) fail.

        The answer is HTTP ``status`` (default 401 for code 190, else 400) with a Graph
        error body ``{"error": {"message": "(#code) <title>", "type": "OAuthException",
        "code": code, "error_data": {"details": message}, "fbtrace_id": ...}}``. Faults
        apply to POST /messages sends only (not "mark as read", media or uploads).
        """
        if status is None:
            status = 401 if code == 190 else 400
        target = None if recipient is None else _norm(recipient)
        self._faults.append(_Fault(code, target, times, message, status))

    def enforce_limits(self, limits: WhatsAppLimits | None = None) -> LimitCounters:
        """Answer sends beyond the throughput with 130429 and beyond the pair rate with
        131056 (HTTP 400, like the Cloud API), until :meth:`reset`; returns the counters."""
        self._limits = limits or WhatsAppLimits()
        self._throughput = _Bucket(self._limits.throughput_per_s, self._limits.throughput_burst)
        self._pairs: dict[str, _Bucket] = {}
        self._channel_wait_until = 0.0
        self._pair_wait_until: dict[str, float] = {}
        self.limit_counters = LimitCounters()
        return self.limit_counters

    def _apply_limits(self, body: dict[str, Any]) -> None:
        limits = self._limits
        if limits is None:
            return
        now, counters, target = time.monotonic(), self.limit_counters, self._target(body)
        if now < max(self._channel_wait_until, self._pair_wait_until.get(target, 0.0)):
            counters.ignored_retry += 1
        pair = self._pairs.get(target)
        if pair is None:
            pair = self._pairs[target] = _Bucket(limits.pair_per_s, limits.pair_burst)
        if not self._throughput.has_token(now):
            counters.throughput_limited += 1
            self._channel_wait_until = now + limits.throughput_wait_s
            raise _GraphError(130429, "Cloud API message throughput has been reached.")
        if not pair.has_token(now):
            counters.pair_limited += 1
            self._pair_wait_until[target] = now + 1 / limits.pair_per_s
            raise _GraphError(
                131056,
                "Too many messages sent from the sender phone number to the same recipient "
                "phone number in a short period of time.",
            )
        self._throughput.tokens -= 1
        pair.tokens -= 1
        counters.accepted += 1
        counters.first_at = counters.first_at or now
        counters.last_at = now

    def register_media(self, data: bytes, mime_type: str = "image/jpeg") -> str:
        """Store media (as if a user had sent it); return its media id."""
        media_id = f"{900000000000000 + next(self._media_no)}"
        self._media[media_id] = _Media(media_id, data, mime_type)
        return media_id

    def media(self, media_id: str) -> tuple[bytes, str] | None:
        """``(data, mime_type)`` of stored media (registered or uploaded by the client)."""
        stored = self._media.get(media_id)
        return None if stored is None else (stored.data, stored.mime_type)

    # ------------------------------------------------------------------ HTTP plumbing

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.access_token.encode()
        )

    def _check_auth(self, request: Request) -> None:
        if not self._authorized(request):
            raise _GraphError(190, status=401, rejected=True)

    def _check_phone_path(self, request: Request) -> None:
        version = request.path_params["version"]
        phone_id = request.path_params["phone_id"]
        if version != self.version or phone_id != self.phone_number_id:
            raise _GraphError(
                100,
                f"Unsupported post request. Object with ID '{phone_id}' does not exist, "
                f"cannot be loaded due to missing permissions, or does not support this "
                f"operation (version {version!r}, expected {self.version!r})",
                rejected=True,
            )

    async def _record(
        self,
        request: Request,
        handler: Callable[[GraphCall], Any],
        *,
        body: dict[str, Any] | None = None,
    ) -> Response:
        call = GraphCall(
            method=request.method,
            path=request.url.path,
            body=body,
            status=200,
            response={},
            error_code=None,
            at=time.monotonic(),
        )
        self.calls.append(call)
        try:
            result = await handler(call)
        except _GraphError as exc:
            call.status = exc.status
            call.error_code = exc.code
            if exc.rejected:
                call.rejected = exc.details or exc.message
            call.response = _error_body(exc.code, exc.message, exc.details)
            return JSONResponse(call.response, status_code=exc.status)
        except Exception as exc:  # a bug in the fake: surface it loudly
            call.status = 500
            call.rejected = f"fake server error: {exc!r}"
            call.response = {"error": {"message": call.rejected, "code": 1}}
            return JSONResponse(call.response, status_code=500)
        call.response = result
        if isinstance(result, Response):  # media download
            call.response = result.body
            return result
        return JSONResponse(result)

    async def _json_body(self, request: Request, call: GraphCall) -> dict[str, Any]:
        raw = await request.body()
        try:
            decoded = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad(f"request body is not valid JSON: {exc}") from exc
        if not isinstance(decoded, dict):
            raise _bad("request body must be a JSON object")
        call.body = decoded
        return decoded

    async def _handle_messages(self, request: Request) -> Response:
        async def handle(call: GraphCall) -> dict[str, Any]:
            self._check_auth(request)
            self._check_phone_path(request)
            body = await self._json_body(request, call)
            if body.get("status") == "read" or "message_id" in body:
                self._check_read(body)
                return {"success": True}
            self._validate_send(body)
            self._apply_limits(body)
            self._apply_faults(body)
            if self.on_send is not None:
                await self.on_send(body)
            wamid = f"wamid.HBgL{next(self._wamid_no):010d}{secrets.token_hex(6).upper()}"
            target = self._target(body)
            if body.get("type", "text") != "template" and target in self._closed:
                if not self._closed[target]:
                    raise _GraphError(131047, _WINDOW_DETAILS)
                call.async_error = 131047
                self.failed_statuses.append(
                    status_update(
                        wamid,
                        str(body.get("to") or body.get("recipient")),
                        "failed",
                        errors=[graph_error(131047, _WINDOW_DETAILS)],
                    )
                )
            to = body.get("to")
            return {
                "messaging_product": "whatsapp",
                "contacts": [
                    {
                        "input": to if to is not None else body.get("recipient"),
                        "wa_id": _norm(to) if isinstance(to, str) else "",
                    }
                ],
                "messages": [{"id": wamid}],
            }

        return await self._record(request, handle)

    async def _handle_upload(self, request: Request) -> Response:
        async def handle(call: GraphCall) -> dict[str, Any]:
            self._check_auth(request)
            self._check_phone_path(request)
            content_type = request.headers.get("content-type", "")
            if not content_type.lower().startswith("multipart/form-data"):
                raise _bad("media uploads must be multipart/form-data")
            try:
                fields = _parse_multipart(await request.body(), content_type)
            except ValueError as exc:
                raise _bad(f"cannot parse multipart body: {exc}") from exc
            upload = fields.get("file")
            call.body = {
                k: (
                    {"filename": v[0], "content_type": v[1], "size": len(v[2])}
                    if isinstance(v, tuple)
                    else v
                )
                for k, v in fields.items()
            }
            if fields.get("messaging_product") != "whatsapp":
                raise _bad("messaging_product must be 'whatsapp'")
            if not isinstance(upload, tuple) or not upload[2]:
                raise _bad("the 'file' part is required")
            mime = fields.get("type") or upload[1]
            if not isinstance(mime, str) or "/" not in mime:
                raise _bad("the 'type' field must be a MIME type")
            limit = UPLOAD_LIMITS.get(mime)
            if limit is None or len(upload[2]) > limit:
                raise _GraphError(
                    131053, f"media upload: {mime} of {len(upload[2])} bytes is not supported"
                )
            return {"id": self.register_media(upload[2], mime)}

        return await self._record(request, handle)

    async def _handle_media_info(self, request: Request) -> Response:
        async def handle(call: GraphCall) -> dict[str, Any]:
            self._check_auth(request)
            media_id = request.path_params["media_id"]
            stored = self._media.get(media_id)
            if request.path_params["version"] != self.version or stored is None:
                raise _GraphError(
                    100,
                    f"Unsupported get request. Object with ID '{media_id}' does not exist, "
                    "cannot be loaded due to missing permissions, or does not support this "
                    "operation",
                    rejected=True,
                )
            token = secrets.token_urlsafe(12)
            self._downloads[token] = media_id
            expires = int(time.time()) + 300
            return {
                "url": f"{self.url}/media-download/{token}?expires={expires}",
                "mime_type": stored.mime_type,
                "sha256": stored.sha256,
                "file_size": len(stored.data),
                "id": media_id,
                "messaging_product": "whatsapp",
            }

        return await self._record(request, handle)

    async def _handle_download(self, request: Request) -> Response:
        async def handle(call: GraphCall) -> Response:
            self._check_auth(request)
            media_id = self._downloads.get(request.path_params["token"])
            stored = None if media_id is None else self._media.get(media_id)
            if stored is None:
                raise _GraphError(100, "unknown or expired media download URL", status=404)
            return Response(stored.data, media_type=stored.mime_type)

        return await self._record(request, handle)

    async def _handle_unknown(self, request: Request) -> Response:
        async def handle(call: GraphCall) -> dict[str, Any]:
            raise _GraphError(
                100,
                f"Unknown path components: {request.method} {request.url.path}",
                rejected=True,
            )

        return await self._record(request, handle)

    # ------------------------------------------------------------------ send semantics

    @staticmethod
    def _target(body: dict[str, Any]) -> str:
        to = body.get("to")
        return _norm(to) if isinstance(to, str) else str(body.get("recipient"))

    def _apply_faults(self, body: dict[str, Any]) -> None:
        target = self._target(body)
        for fault in self._faults:
            if fault.recipient is not None and fault.recipient != target:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise _GraphError(fault.code, fault.message, status=fault.status)

    @staticmethod
    def _check_read(body: dict[str, Any]) -> None:
        if body.get("messaging_product") != "whatsapp":
            raise _bad("messaging_product must be 'whatsapp'")
        if body.get("status") != "read":
            raise _bad("status must be 'read' when marking a message as read")
        message_id = body.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise _bad("message_id is required")
        extra = set(body) - {"messaging_product", "status", "message_id", "typing_indicator"}
        if extra:
            raise _bad(f"unexpected keys in a mark-as-read request: {sorted(extra)}")
        if "typing_indicator" in body:
            indicator = _obj(body["typing_indicator"], "typing_indicator")
            if indicator.get("type") != "text":
                raise _bad("typing_indicator.type must be 'text'")

    def _validate_send(self, body: dict[str, Any]) -> None:
        """Raise a ``_GraphError`` wherever the real Cloud API would refuse the send."""
        if body.get("messaging_product") != "whatsapp":
            raise _bad("messaging_product is required and must be 'whatsapp'")
        extra = set(body) - _TOP_LEVEL_KEYS
        if extra:
            raise _bad(f"unexpected keys: {sorted(extra)}")
        if body.get("recipient_type", "individual") != "individual":
            raise _bad("recipient_type must be 'individual'")
        has_to = "to" in body
        has_recipient = "recipient" in body
        if has_to == has_recipient:
            raise _bad("exactly one of 'to' or 'recipient' is required")
        if has_to:
            to = body["to"]
            if not isinstance(to, str) or not _PHONE_RE.fullmatch(to):
                raise _bad(f"'to' must be a phone number of 8-15 digits, got {to!r}")
        else:
            recipient = body["recipient"]
            if not isinstance(recipient, str) or not _BSUID_RE.fullmatch(recipient):
                raise _bad(f"'recipient' must be a business-scoped user id, got {recipient!r}")
        if "context" in body:
            context = _obj(body["context"], "context")
            if not isinstance(context.get("message_id"), str) or not context["message_id"]:
                raise _bad("context.message_id is required")
        kind = body.get("type", "text")
        if not isinstance(kind, str):
            raise _bad("type must be a string")
        present = (_TOP_LEVEL_KEYS & set(body)) - {
            "messaging_product",
            "recipient_type",
            "to",
            "recipient",
            "type",
            "context",
            "biz_opaque_callback_data",
        }
        if present != {kind}:
            raise _bad(
                f"a {kind!r} message needs exactly the {kind!r} object, got {sorted(present)}"
            )
        if kind == "text":
            text = _obj(body["text"], "text")
            _text(text.get("body"), "text.body", MAX_TEXT)
            if "preview_url" in text and not isinstance(text["preview_url"], bool):
                raise _bad("text.preview_url must be a boolean")
        elif kind == "interactive":
            interactive = _obj(body["interactive"], "interactive")
            check = _INTERACTIVE_CHECKS.get(str(interactive.get("type")))
            if check is None:
                raise _bad(
                    f"interactive.type {interactive.get('type')!r} is not supported "
                    f"(the fake knows {sorted(_INTERACTIVE_CHECKS)})"
                )
            check(interactive)
        elif kind == "template":
            self._check_template(_obj(body["template"], "template"))
        elif kind in _MEDIA_TYPES:
            _media_object(body[kind], kind, caption=kind in ("image", "document", "video"))
            if kind == "document":
                _optional_text(body[kind].get("filename"), "document.filename", 240)
        elif kind == "location":
            location = _obj(body["location"], "location")
            for key in ("latitude", "longitude"):
                if not isinstance(location.get(key), int | float | str):
                    raise _bad(f"location.{key} is required")
        elif kind == "reaction":
            reaction = _obj(body["reaction"], "reaction")
            if not isinstance(reaction.get("message_id"), str):
                raise _bad("reaction.message_id is required")
            if not isinstance(reaction.get("emoji"), str):
                raise _bad("reaction.emoji is required (empty string removes a reaction)")
        else:
            raise _bad(f"unsupported message type {kind!r}")

    def _check_template(self, template: dict[str, Any]) -> None:
        name = template.get("name")
        if not isinstance(name, str) or not name:
            raise _bad("template.name is required")
        language = _obj(template.get("language"), "template.language")
        if not isinstance(language.get("code"), str) or not language["code"]:
            raise _bad("template.language.code is required")
        components = template.get("components")
        if components is not None:
            if not isinstance(components, list):
                raise _bad("template.components must be a list")
            for i, component in enumerate(components):
                component = _obj(component, f"template.components[{i}]")
                if not isinstance(component.get("type"), str):
                    raise _bad(f"template.components[{i}].type is required")
                for parameter in component.get("parameters") or []:
                    text = parameter.get("text") if isinstance(parameter, dict) else None
                    if isinstance(text, str) and (
                        not text.strip() or re.search(r"[\n\t]| {5,}", text)
                    ):
                        raise _GraphError(
                            132018,
                            "template parameter: empty, or new lines, tabs or more than 4"
                            " consecutive spaces",
                            rejected=True,
                        )
        if name not in self.templates:
            raise _GraphError(
                132001,
                f"template name ({name}) does not exist in {language['code']}",
                rejected=True,
            )


# ---------------------------------------------------------------------- webhook builders


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _ts(timestamp: int | float | str | None) -> str:
    return str(int(time.time()) if timestamp is None else int(timestamp))


def envelope(
    messages: Iterable[dict[str, Any]] = (),
    statuses: Iterable[dict[str, Any]] = (),
    contacts: Iterable[dict[str, Any]] = (),
    *,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone: str = DISPLAY_PHONE,
    waba_id: str = WABA_ID,
) -> dict[str, Any]:
    """A ``messages`` webhook notification; empty ``contacts``/``messages``/``statuses``
    keys are omitted."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone, "phone_number_id": phone_number_id},
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses)):
        items = list(items)
        if items:
            value[key] = items
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": value}]}],
    }


def contact(*, user_id: str | None, wa_id: str | None, name: str = "Budi") -> dict[str, Any]:
    """A ``contacts[]`` item; ``wa_id``/``user_id`` are omitted when ``None``."""
    item: dict[str, Any] = {"profile": {"name": name}}
    if wa_id is not None:
        item["wa_id"] = wa_id
    if user_id is not None:
        item["user_id"] = user_id
    return item


def _message(
    wamid: str,
    sender: str,
    kind: str,
    content: dict[str, Any],
    *,
    timestamp: int | float | str | None = None,
    context_id: str | None = None,
    business_number: str = DISPLAY_PHONE,
) -> dict[str, Any]:
    message: dict[str, Any] = {}
    if context_id is not None:
        message["context"] = {"from": business_number, "id": context_id}
    message.update(
        {"from": sender, "id": wamid, "timestamp": _ts(timestamp), "type": kind, kind: content}
    )
    return message


def text_message(
    wamid: str, sender: str, text: str, *, timestamp: int | float | str | None = None
) -> dict[str, Any]:
    """A ``messages[]`` text item; ``sender`` goes into ``from`` as given."""
    return _message(wamid, sender, "text", {"body": text}, timestamp=timestamp)


def button_reply(
    wamid: str,
    sender: str,
    reply_id: str,
    title: str,
    *,
    context_id: str,
    timestamp: int | float | str | None = None,
    business_number: str = DISPLAY_PHONE,
) -> dict[str, Any]:
    """A reply-button tap on interactive message ``context_id``."""
    content = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return _message(
        wamid,
        sender,
        "interactive",
        content,
        timestamp=timestamp,
        context_id=context_id,
        business_number=business_number,
    )


def list_reply(
    wamid: str,
    sender: str,
    row_id: str,
    title: str,
    *,
    context_id: str,
    description: str = "",
    timestamp: int | float | str | None = None,
    business_number: str = DISPLAY_PHONE,
) -> dict[str, Any]:
    """A list-row selection on list message ``context_id`` (``description`` if non-empty)."""
    row: dict[str, Any] = {"id": row_id, "title": title}
    if description:
        row["description"] = description
    return _message(
        wamid,
        sender,
        "interactive",
        {"type": "list_reply", "list_reply": row},
        timestamp=timestamp,
        context_id=context_id,
        business_number=business_number,
    )


def template_button(
    wamid: str,
    sender: str,
    payload: str,
    text: str,
    *,
    context_id: str,
    timestamp: int | float | str | None = None,
    business_number: str = DISPLAY_PHONE,
) -> dict[str, Any]:
    """A quick-reply button tap on template message ``context_id`` (``type: "button"``)."""
    return _message(
        wamid,
        sender,
        "button",
        {"payload": payload, "text": text},
        timestamp=timestamp,
        context_id=context_id,
        business_number=business_number,
    )


def location_message(
    wamid: str,
    sender: str,
    lat: float,
    lon: float,
    name: str | None = None,
    address: str | None = None,
    *,
    timestamp: int | float | str | None = None,
    forwarded: str | None = None,
) -> dict[str, Any]:
    """A shared location (``name``/``address`` only when given, as for a chosen place);
    `forwarded` is "forwarded" or "frequently_forwarded" for a forwarded one."""
    location: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if name is not None:
        location["name"] = name
    if address is not None:
        location["address"] = address
    message = _message(wamid, sender, "location", location, timestamp=timestamp)
    if forwarded is not None:
        message["context"] = {forwarded: True}
    return message


def _sha(sha256: str | None, media_id: str) -> str:
    return sha256 if sha256 is not None else hashlib.sha256(media_id.encode()).hexdigest()


def image_message(
    wamid: str,
    sender: str,
    media_id: str,
    *,
    caption: str | None = None,
    mime_type: str = "image/jpeg",
    sha256: str | None = None,
    timestamp: int | float | str | None = None,
) -> dict[str, Any]:
    """An image; pass ``sha256=hashlib.sha256(data).hexdigest()`` for registered media."""
    image: dict[str, Any] = {"mime_type": mime_type, "sha256": _sha(sha256, media_id)}
    image["id"] = media_id
    if caption is not None:
        image["caption"] = caption
    return _message(wamid, sender, "image", image, timestamp=timestamp)


def sticker_message(
    wamid: str,
    sender: str,
    media_id: str = "800000000000001",
    *,
    animated: bool = False,
    timestamp: int | float | str | None = None,
) -> dict[str, Any]:
    """A (webp) sticker."""
    sticker = {
        "mime_type": "image/webp",
        "sha256": _sha(None, media_id),
        "id": media_id,
        "animated": animated,
    }
    return _message(wamid, sender, "sticker", sticker, timestamp=timestamp)


def audio_message(
    wamid: str,
    sender: str,
    media_id: str = "800000000000002",
    *,
    voice: bool = True,
    timestamp: int | float | str | None = None,
) -> dict[str, Any]:
    """A voice note (``voice=True``) or audio file."""
    audio = {
        "mime_type": "audio/ogg; codecs=opus" if voice else "audio/mpeg",
        "sha256": _sha(None, media_id),
        "id": media_id,
        "voice": voice,
    }
    return _message(wamid, sender, "audio", audio, timestamp=timestamp)


def document_message(
    wamid: str,
    sender: str,
    media_id: str = "800000000000003",
    *,
    filename: str = "dokumen.pdf",
    caption: str | None = None,
    mime_type: str = "application/pdf",
    sha256: str | None = None,
    timestamp: int | float | str | None = None,
) -> dict[str, Any]:
    """A document."""
    document: dict[str, Any] = {
        "filename": filename,
        "mime_type": mime_type,
        "sha256": _sha(sha256, media_id),
        "id": media_id,
    }
    if caption is not None:
        document["caption"] = caption
    return _message(wamid, sender, "document", document, timestamp=timestamp)


def graph_error(code: int, details: str = "", *, title: str | None = None) -> dict[str, Any]:
    """An ``errors[]`` item as found in failed status webhooks."""
    title = title if title is not None else ERROR_TITLES.get(code, "Error")
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details or title},
    }


def status_update(
    wamid: str,
    recipient_id: str,
    status: str,
    *,
    errors: Iterable[dict[str, Any] | int] | None = None,
    timestamp: int | float | str | None = None,
) -> dict[str, Any]:
    """A ``statuses[]`` item (``sent``/``delivered``/``read``/``failed``).

    ``errors`` items may be dicts (see :func:`graph_error`) or bare error codes.
    """
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": _ts(timestamp),
        "recipient_id": recipient_id,
    }
    if errors is not None:
        item["errors"] = [graph_error(e) if isinstance(e, int) else dict(e) for e in errors]
    return item
