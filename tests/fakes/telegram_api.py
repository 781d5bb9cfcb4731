"""A fake Telegram Bot API server for end-to-end tests with the real PTB stack.

The real ``telegram.Bot`` / ``telegram.ext.Application`` talk to it over real HTTP on
127.0.0.1. Configure them with ``base_url=f"{fake.url}/bot"`` and
``base_file_url=f"{fake.url}/file/bot"``.

Besides answering the handful of Bot API methods the project needs, the fake validates
requests the way Telegram does (text/caption length, ``callback_data`` size, HTML
``parse_mode`` markup, ...) and records every request in :attr:`FakeTelegram.calls`, so a
test can assert ``fake.rejections == []``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.message
import html
import json
import re
import socket
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = [
    "LONG_POLL_CAP",
    "TINY_JPEG",
    "Call",
    "FakeTelegram",
    "UploadedFile",
    "parse_telegram_html",
]

#: A valid 1x1 grey baseline JPEG (159 bytes).
TINY_JPEG: bytes = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"
    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAA"
    "AAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z"
)

#: Long polls never wait longer than this, whatever ``timeout`` the client asks for.
LONG_POLL_CAP = 1.0

#: Methods whose successful calls :meth:`FakeTelegram.sent_to` reports.
SENT_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200

_ALLOWED_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "a",
        "tg-spoiler",
        "blockquote",
        # Also valid in Telegram HTML (span only as <span class="tg-spoiler">).
        "span",
        "tg-emoji",
    }
)
_NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_BARE_AMP = re.compile(r"&(?!(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);)")
_TAG = re.compile(r"<[^<>]*>")
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
# Form values under these keys are always kept as strings (never JSON/int-decoded).
_STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "action",
        "description",
        "short_description",
        "title",
        "name",
        "query",
        "emoji",
        "photo",
        "document",
        "voice",
        "audio",
        "video",
        "sticker",
        "animation",
        "phone_number",
        "first_name",
        "last_name",
        "language_code",
        "secret_token",
        "ip_address",
    }
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d+")


@dataclass
class Call:
    """One request received by the fake, in arrival order.

    ``at`` is ``time.monotonic()``. ``rejected`` is the Telegram-like description when the
    request was invalid (validation failure, unknown method, wrong token); ``error`` is the
    description of *any* error reply, including injected faults and blocked users;
    ``result`` is what a successful call returned (e.g. the sent Message dict).
    """

    method: str
    params: dict[str, Any]
    at: float
    rejected: str | None = None
    error: str | None = None
    result: Any = None


@dataclass
class UploadedFile:
    """A file part of a multipart request (e.g. ``photo`` of ``sendPhoto``)."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Fault:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | str | None
    remaining: int


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


class _ApiError(Exception):
    """Raised inside handlers; becomes an ``{"ok": false, ...}`` reply."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        rejected: bool = False,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.rejected = rejected
        self.retry_after = retry_after


# Methods that send a message and count against Telegram's flood limits.
LIMITED_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


@dataclass
class RateLimits:
    """Telegram's flood limits as token buckets (about 30 messages a second overall, about
    one a second per chat with short bursts); off unless `FakeTelegram.enforce_limits`."""

    overall_per_s: float = 30.0
    overall_burst: float = 30.0
    chat_per_s: float = 1.0
    chat_burst: float = 3.0


class _Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, burst, time.monotonic()

    def wait(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class LimitCounters:
    """What the enforced limits saw."""

    accepted: int = 0  # messages sent within the limits
    limited: int = 0  # 429 answers
    ignored_retry_after: int = 0  # sends to a chat before its retry_after had passed
    first_at: float = 0.0  # monotonic time of the first and last accepted message
    last_at: float = 0.0


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}", rejected=True)


class _TelegramHTMLChecker(HTMLParser):
    """Checks Telegram-flavoured HTML and collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.error: str | None = None

    def _fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_HTML_TAGS:
            self._fail(f'Unsupported start tag "{tag}"')
        elif tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self._fail('Unsupported start tag "span"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f'Unexpected end tag "{tag}"')
        elif self.stack[-1] != tag:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]}"')
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail('Unexpected character "<": unescaped "<" must be written as "&lt;"')
        if "&" in data:
            self._fail('Unexpected character "&": unescaped "&" must be written as "&amp;"')
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _NAMED_ENTITIES:
            self._fail(f'Unsupported HTML entity "&{name};"')
        self.parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self._fail("Comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self._fail("Declarations are not supported")

    def unknown_decl(self, data: str) -> None:
        self._fail("Declarations are not supported")

    def handle_pi(self, data: str) -> None:
        self._fail("Processing instructions are not supported")


def parse_telegram_html(text: str) -> str:
    """Return the visible text of Telegram HTML; raise ``ValueError`` if Telegram would."""
    bare = _BARE_AMP.search(_TAG.sub("", text))
    if bare is not None:
        raise ValueError('Unexpected character "&": unescaped "&" must be written as "&amp;"')
    checker = _TelegramHTMLChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error is not None:
        raise ValueError(checker.error)
    return "".join(checker.parts)


def _coerce(key: str, value: str) -> Any:
    """Decode a form value the way Telegram interprets it (JSON objects, ints, bools)."""
    if key in _STRING_KEYS:
        return value
    if value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
        return value
    if value in ("true", "false"):
        return value == "true"
    if _INT_RE.fullmatch(value):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    return value


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_boundary()
    if not boundary:
        raise ValueError("multipart body without boundary")
    params: dict[str, Any] = {}
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, _, content = chunk.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        part = email.message_from_bytes(head + b"\r\n\r\n")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        if filename is not None:
            params[name] = UploadedFile(filename, part.get("content-type"), content)
        else:
            params[name] = content.decode("utf-8")
    return params


def _chat_key(value: Any) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return value
    return None


class _QuietServer(uvicorn.Server):
    """uvicorn server that leaves the process' signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegram:
    """In-process fake of the Telegram Bot API, served by uvicorn on 127.0.0.1."""

    def __init__(
        self, token: str = "123456:TEST", bot_id: int = 123456, username: str = "psm_test_bot"
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.url = ""
        self.calls: list[Call] = []
        self.confirmed_offset = 0
        #: Set to False to disable the "message is not modified" check on edits.
        self.strict_not_modified = True
        self._updates: list[dict[str, Any]] = []
        self._update_event = asyncio.Event()
        self._next_update_id = 1000
        self._next_message_ids: dict[int | str, int] = {}
        self._next_callback_id = 1
        self._next_file_no = 0
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._message_src: dict[tuple[int | str, int], tuple[Any, ...]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self.files_served: list[str] = []  # the file_id of each file download, in order
        self._callback_ids: set[str] = set()
        self._faults: list[_Fault] = []
        self._blocked: set[int | str] = set()
        self._limits: RateLimits | None = None  # see enforce_limits
        self.limit_counters = LimitCounters()
        self._allowed_updates: set[str] | None = None
        self._webhook_url = ""
        self._webhook_secret = ""
        self._pushing: set[asyncio.Task[None]] = set()  # updates on their way to the webhook
        #: Webhook posts that were not answered 200 (each is posted again, as Telegram does).
        self.webhook_failures = 0
        # Command menus by (scope, language): ("default", None, "") or ("chat", chat_id, "").
        self._commands: dict[tuple[str, int | None, str], list[Any]] = {}
        #: (chat_id, message_id) of every message deleted, in order.
        self.deleted: list[tuple[int | str, int]] = []
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._true,
            "sendChatAction": self._true,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }
        # Telegram matches method names case-insensitively.
        self._handlers = {name.lower(): (name, fn) for name, fn in handlers.items()}
        self._app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._handle_file, methods=["GET"]),
            ]
        )

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
                raise RuntimeError("fake Telegram server exited during startup")
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Shut the server down (pending long polls are released first)."""
        for task in list(self._pushing):
            task.cancel()
        if self._server is None or self._task is None:
            return
        self._update_event.set()
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=5)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        self._server = None
        self._task = None

    def reset(self) -> None:
        """Forget calls, queued updates, faults, blocks, messages and files.

        The server keeps running; update ids and message ids keep increasing so clients
        that are still polling with an old offset are not confused.
        """
        self.calls.clear()
        self._updates.clear()
        self._faults.clear()
        self._blocked.clear()
        self._limits = None
        self._messages.clear()
        self._message_src.clear()
        self.deleted.clear()
        self._chats.clear()
        self._files.clear()
        self._files_by_path.clear()
        self.files_served.clear()
        self._callback_ids.clear()
        self._allowed_updates = None
        self._webhook_url = ""
        self._webhook_secret = ""
        self.webhook_failures = 0
        self._commands = {}
        self.confirmed_offset = 0
        self.strict_not_modified = True
        self._update_event.set()

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (including failed ones), in order."""
        return [c for c in self.calls if c.method == method]

    @property
    def rejections(self) -> list[Call]:
        """Calls Telegram would have refused as invalid (tests usually assert ``== []``)."""
        return [c for c in self.calls if c.rejected is not None]

    def sent_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Params of successful sendMessage/sendPhoto/sendDocument calls to ``chat_id``."""
        return [
            c.params
            for c in self.calls
            if c.method in SENT_METHODS and c.error is None and c.params.get("chat_id") == chat_id
        ]

    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the fake knows about (sent or edited)."""
        return self._messages.get((chat_id, message_id))

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

    async def wait_sent(
        self,
        chat_id: int | str,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the fake's API
    ) -> list[dict[str, Any]]:
        """Wait until ``sent_to(chat_id)`` has at least ``count`` items and return them."""
        await self.wait_for(
            lambda: len(self.sent_to(chat_id)) >= count,
            timeout,
            what=f"{count} message(s) sent to chat {chat_id}, got {len(self.sent_to(chat_id))}",
        )
        return self.sent_to(chat_id)

    def _summary(self, n: int) -> str:
        if not self.calls:
            return "  (no calls)"
        lines = []
        for c in self.calls[-n:]:
            shown = json.dumps(c.params, default=repr, ensure_ascii=False)
            if len(shown) > 300:
                shown = shown[:300] + "..."
            lines.append(f"  {c.method} {shown} -> {c.error or 'ok'}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally to ``chat_id``) fail."""
        self._faults.append(_Fault(method, error_code, description, retry_after, chat_id, times))

    def block_user(self, chat_id: int) -> None:
        """Every call targeting ``chat_id`` fails with 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo :meth:`block_user`."""
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ inbound updates

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (``update_id`` assigned unless given); return its id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_ids.add(str(query["id"]))
        if self._webhook_url:  # webhook mode: posted to the bot, never offered to getUpdates
            task = asyncio.get_running_loop().create_task(self._push(update))
            self._pushing.add(task)
            task.add_done_callback(self._pushing.discard)
            return update_id
        self._updates.append(update)
        self._updates.sort(key=lambda u: u["update_id"])
        self._update_event.set()
        return update_id

    def user_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Budi",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> int:
        """Queue a text message; commands get a ``bot_command`` entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._user_message(
            user_id, first_name, content, chat_type=chat_type, chat_id=chat_id
        )

    def user_callback(
        self, user_id: int, data: str, *, message_id: int, first_name: str = "Budi"
    ) -> int:
        """Queue a button press on message ``message_id`` in the user's private chat."""
        user = self._user(user_id, first_name)
        chat = self._remember_private_chat(user_id, first_name)
        message = self._messages.get((user_id, message_id))
        if message is None:
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": self.bot_user,
                "text": "...",
            }
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        return self.add_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": json.loads(json.dumps(message)),
                    "chat_instance": f"ci{user_id}",
                    "data": data,
                }
            }
        )

    def user_contact(
        self, user_id: int, phone: str, *, contact_user_id: int | None, first_name: str = "Budi"
    ) -> int:
        """Queue a shared contact (``contact_user_id`` = user_id when sharing their own)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._user_message(user_id, first_name, {"contact": contact})

    def user_location(
        self,
        user_id: int,
        lat: float,
        lon: float,
        *,
        first_name: str = "Budi",
        forwarded_from: str | None = None,
    ) -> int:
        """Queue a shared location (forwarded from someone's chat when `forwarded_from`)."""
        content: dict[str, Any] = {"location": {"latitude": lat, "longitude": lon}}
        if forwarded_from is not None:
            content["forward_origin"] = {
                "type": "hidden_user",
                "date": int(time.time()) - 600,
                "sender_user_name": forwarded_from,
            }
        return self._user_message(user_id, first_name, content)

    def user_photo(
        self,
        user_id: int,
        file_unique: str,
        *,
        media_group_id: str | None = None,
        caption: str | None = None,
        data: bytes = TINY_JPEG,
        first_name: str = "Budi",
    ) -> int:
        """Queue a photo (2 sizes; the largest has ``file_unique_id == file_unique``)."""
        small = self._register_file(data, "photos", "jpg", unique=f"{file_unique}-s")
        large = self._register_file(data, "photos", "jpg", unique=file_unique)
        content: dict[str, Any] = {
            "photo": [
                {**small, "width": 90, "height": 90},
                {**large, "width": 1280, "height": 1280},
            ]
        }
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user_id, first_name, content)

    def user_video(
        self, user_id: int, *, media_group_id: str | None = None, first_name: str = "Budi"
    ) -> int:
        """Queue a video (of an album with photos when `media_group_id`)."""
        info = self._register_file(b"\x00\x00\x00\x18ftypmp42", "videos", "mp4")
        content: dict[str, Any] = {"video": {**info, "width": 640, "height": 360, "duration": 3}}
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._user_message(user_id, first_name, content)

    def user_sticker(self, user_id: int, *, first_name: str = "Budi") -> int:
        """Queue a sticker."""
        info = self._register_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", "webp")
        sticker = {
            **info,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\U0001f44d",
        }
        return self._user_message(user_id, first_name, {"sticker": sticker})

    def user_voice(self, user_id: int, *, first_name: str = "Budi") -> int:
        """Queue a voice note."""
        info = self._register_file(b"OggS\x00fake-voice", "voice", "oga")
        voice = {**info, "duration": 3, "mime_type": "audio/ogg"}
        return self._user_message(user_id, first_name, {"voice": voice})

    def user_document(
        self,
        user_id: int,
        *,
        first_name: str = "Budi",
        data: bytes = b"%PDF-1.4\n%%EOF\n",
        file_name: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        media_group_id: str | None = None,
    ) -> int:
        """Queue a document (by default a tiny PDF), of an album when `media_group_id`."""
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        info = self._register_file(data, "documents", extension)
        document = {**info, "file_name": file_name, "mime_type": mime_type}
        content: dict[str, Any] = {"document": document}
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._user_message(user_id, first_name, content)

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's own User dict (as in ``getMe``)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "PSM Test Bot",
            "username": self.username,
        }

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"}

    def _remember_private_chat(self, user_id: int, first_name: str) -> dict[str, Any]:
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        self._chats[user_id] = chat
        return dict(chat)

    def _user_message(
        self,
        user_id: int,
        first_name: str,
        content: dict[str, Any],
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> int:
        if chat_type == "private":
            chat_id = user_id if chat_id is None else chat_id
            chat = self._remember_private_chat(user_id, first_name)
            chat["id"] = chat_id
        else:
            chat_id = -abs(user_id) if chat_id is None else chat_id
            chat = {"id": chat_id, "type": chat_type, "title": "Grup Uji"}
            self._chats[chat_id] = chat
        message = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": dict(chat),
            "from": self._user(user_id, first_name),
            **content,
        }
        return self.add_update({"message": message})

    # ------------------------------------------------------------------ files

    def _register_file(
        self, data: bytes, folder: str, ext: str, *, unique: str | None = None
    ) -> dict[str, Any]:
        no = self._next_file_no
        self._next_file_no += 1
        stored = _StoredFile(
            file_id=f"F{no:06d}-{unique or 'u'}",
            file_unique_id=unique or f"U{no:06d}",
            file_path=f"{folder}/file_{no}.{ext}",
            data=data,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }

    def _input_file(self, value: Any, folder: str, ext: str, what: str) -> dict[str, Any]:
        """Resolve an uploaded file, known file_id or URL into a file info dict."""
        if isinstance(value, UploadedFile):
            return self._register_file(value.data, folder, ext)
        if isinstance(value, str) and value in self._files:
            known = self._files[value]
            return {
                "file_id": known.file_id,
                "file_unique_id": known.file_unique_id,
                "file_size": len(known.data),
            }
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._register_file(TINY_JPEG, folder, ext)
        if value is None or value == "":
            raise _bad(f"there is no {what} in the request")
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _handle_file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        stored = self._files_by_path.get(request.path_params["file_path"])
        if stored is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404
            )
        self.files_served.append(stored.file_id)
        return Response(stored.data, media_type="application/octet-stream")

    # ------------------------------------------------------------------ HTTP plumbing

    async def _read_params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _coerce(k, v) for k, v in request.query_params.items()}
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        if not body:
            return params
        if media == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("JSON body is not an object")
            for key, value in decoded.items():
                params[key] = _coerce(key, value) if isinstance(value, str) else value
        elif media == "multipart/form-data":
            for key, value in _parse_multipart(body, content_type).items():
                params[key] = _coerce(key, value) if isinstance(value, str) else value
        else:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            params.update({k: _coerce(k, v) for k, v in pairs})
        return params

    async def _handle_api(self, request: Request) -> Response:
        raw_method = request.path_params["method"]
        name, handler = self._handlers.get(raw_method.lower(), (raw_method, None))
        call = Call(method=name, params={}, at=time.monotonic())
        self.calls.append(call)
        try:
            try:
                call.params = await self._read_params(request)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad(f"can't parse request body: {exc}") from exc
            if request.path_params["token"] != self.token:
                raise _ApiError(401, "Unauthorized", rejected=True)
            if handler is None:
                raise _ApiError(404, "Not Found", rejected=True)
            self._validate(name, call.params)
            self._apply_faults(name, call.params)
            call.result = result = await handler(call.params)
        except _ApiError as exc:
            call.error = exc.description
            if exc.rejected:
                call.rejected = exc.description
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return JSONResponse(body, status_code=exc.code)
        except Exception as exc:  # a bug in the fake: surface it loudly
            call.error = call.rejected = f"fake server error: {exc!r}"
            return JSONResponse(
                {"ok": False, "error_code": 500, "description": call.error}, status_code=500
            )
        return JSONResponse({"ok": True, "result": result})

    def enforce_limits(self, limits: RateLimits | None = None) -> LimitCounters:
        """Answer sends beyond Telegram's flood limits with 429 and a retry_after (whole
        seconds, as Telegram does), and count sends that come back too early."""
        self._limits = limits or RateLimits()
        self._overall = _Bucket(self._limits.overall_per_s, self._limits.overall_burst)
        self._chat_buckets: dict[int | str | None, _Bucket] = {}
        self._retry_until: dict[int | str | None, float] = {}
        self.limit_counters = LimitCounters()
        return self.limit_counters

    def _apply_limits(self, method: str, chat: int | str | None) -> None:
        if self._limits is None or method not in LIMITED_METHODS:
            return
        now, counters = time.monotonic(), self.limit_counters
        if now < self._retry_until.get(chat, 0.0):
            counters.ignored_retry_after += 1
        bucket = self._chat_buckets.get(chat)
        if bucket is None:
            limits = self._limits
            bucket = self._chat_buckets[chat] = _Bucket(limits.chat_per_s, limits.chat_burst)
        wait = max(self._overall.wait(now), bucket.wait(now))
        if wait > 0:
            retry_after = max(1, int(wait + 0.999))
            self._retry_until[chat] = now + retry_after
            counters.limited += 1
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        self._overall.tokens -= 1
        bucket.tokens -= 1
        counters.accepted += 1
        counters.first_at = counters.first_at or now
        counters.last_at = now

    def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        chat = _chat_key(params.get("chat_id"))
        self._apply_limits(method, chat)
        for fault in self._faults:
            if fault.method.lower() != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != chat:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise _ApiError(fault.error_code, fault.description, retry_after=fault.retry_after)
        if chat is not None and chat in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    # ------------------------------------------------------------------ validation

    def _validate(self, method: str, p: dict[str, Any]) -> None:
        """Raise a 400 ``_ApiError`` wherever real Telegram would refuse the request."""
        chat_required = ("sendMessage", "sendPhoto", "sendDocument", "sendChatAction")
        if method in chat_required and p.get("chat_id") in (None, ""):
            raise _bad("chat_id is empty")
        if method in (
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "deleteMessage",
        ):
            has_chat = p.get("chat_id") not in (None, "") and p.get("message_id") is not None
            if not has_chat and not (method != "deleteMessage" and p.get("inline_message_id")):
                raise _bad("message identifier is not specified")
        if method in ("sendMessage", "editMessageText"):
            text = p.get("text")
            if not isinstance(text, str):
                raise _bad("message text is empty")
            visible = self._visible(text, p.get("parse_mode"))
            if not visible.strip():
                raise _bad("message text is empty")
            if len(visible) > MAX_TEXT:
                raise _bad("message is too long")
        if "caption" in p and method in ("sendPhoto", "sendDocument", "editMessageCaption"):
            caption = p["caption"]
            if caption is not None:
                visible = self._visible(str(caption), p.get("parse_mode"))
                if len(visible) > MAX_CAPTION:
                    raise _bad("message caption is too long")
        if "reply_markup" in p:
            self._check_markup(p["reply_markup"])
        if method == "answerCallbackQuery":
            if str(p.get("callback_query_id", "")) not in self._callback_ids:
                raise _bad("query is too old and response timeout expired or query ID is invalid")
            text = p.get("text")
            if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
                raise _bad("MESSAGE_TOO_LONG")
        if method == "sendChatAction" and p.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        if method == "setMyCommands":
            self._check_commands(p.get("commands"))

    @staticmethod
    def _visible(text: str, parse_mode: Any) -> str:
        if parse_mode in (None, ""):
            return text
        mode = str(parse_mode).lower()
        if mode == "html":
            try:
                return parse_telegram_html(text)
            except ValueError as exc:
                raise _bad(f"can't parse entities: {exc}") from exc
        if mode in ("markdown", "markdownv2"):
            return text
        raise _bad(f"unsupported parse_mode {parse_mode!r}")

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be a String')
                if not any(key in button for key in _INLINE_ACTIONS):
                    raise _bad(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                    if not 1 <= size <= MAX_CALLBACK_DATA:
                        raise _bad("BUTTON_DATA_INVALID")

    @staticmethod
    def _check_commands(commands: Any) -> None:
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand")
            command = item.get("command")
            if not isinstance(command, str) or not _COMMAND_RE.fullmatch(command):
                raise _bad("BOT_COMMAND_INVALID")
            description = item.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")

    # ------------------------------------------------------------------ messages

    def next_message_id(self, chat_id: int | str) -> int:
        """The id the next message in a chat gets (a person's message about to be typed)."""
        return self._next_message_ids.get(chat_id, 1)

    def _new_message_id(self, chat_id: int | str) -> int:
        message_id = self._next_message_ids.get(chat_id, 1)
        self._next_message_ids[chat_id] = message_id + 1
        return message_id

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        if isinstance(chat_id, str):  # "@channelusername"
            return {"id": -1009999999999, "type": "channel", "title": chat_id, "username": chat_id}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Grup Uji"}

    def _bot_message(self, p: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        chat_id = p["chat_id"]
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **content,
        }
        markup = p.get("reply_markup")
        # Only inline keyboards are echoed back in Message.reply_markup (as on Telegram).
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        key = (chat_id, message["message_id"])
        self._messages[key] = message
        self._message_src[key] = (p.get("text", p.get("caption")), p.get("parse_mode"), markup)
        return message

    def _caption(self, p: dict[str, Any]) -> dict[str, Any]:
        caption = p.get("caption")
        if caption in (None, ""):
            return {}
        return {"caption": self._visible(str(caption), p.get("parse_mode"))}

    def _target(self, p: dict[str, Any]) -> tuple[int | str, int] | None:
        if p.get("inline_message_id"):
            return None
        return (p["chat_id"], int(p["message_id"]))

    def _edited(self, key: tuple[int | str, int], changes: dict[str, Any]) -> dict[str, Any]:
        message = self._messages.get(key)
        if message is None:
            message = {
                "message_id": key[1],
                "date": int(time.time()),
                "chat": self._chat(key[0]),
                "from": self.bot_user,
            }
        message = {**message, **changes, "edit_date": int(time.time())}
        if not isinstance(message.get("reply_markup"), dict) or (
            "inline_keyboard" not in message["reply_markup"]
        ):
            message.pop("reply_markup", None)
        self._messages[key] = message
        return message

    def _not_modified(self, key: tuple[int | str, int], source: tuple[Any, ...]) -> None:
        if self.strict_not_modified and self._message_src.get(key) == source:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._message_src[key] = source

    # ------------------------------------------------------------------ method handlers

    async def _true(self, p: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = {str(a) for a in allowed} or None
        offset = p.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool) and offset != 0:
            if offset > 0:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            else:
                self._updates = self._updates[offset:]
        if self._allowed_updates is not None:
            self._updates = [
                u for u in self._updates if set(u) - {"update_id"} <= self._allowed_updates
            ]
        limit = p.get("limit")
        limit = min(max(int(limit), 1), 100) if isinstance(limit, int | float) else 100
        timeout = p.get("timeout")
        wait = min(float(timeout), LONG_POLL_CAP) if isinstance(timeout, int | float) else 0.0
        if not self._updates and wait > 0:
            self._update_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_event.wait(), wait)
            if isinstance(offset, int) and offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return [json.loads(json.dumps(u)) for u in self._updates[:limit]]

    async def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        text = self._visible(p["text"], p.get("parse_mode"))
        return self._bot_message(p, {"text": text})

    async def _send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        info = self._input_file(p.get("photo"), "photos", "jpg", "photo")
        small = self._register_file(self._files[info["file_id"]].data, "photos", "jpg", unique=None)
        photo = [{**small, "width": 90, "height": 90}, {**info, "width": 1280, "height": 1280}]
        return self._bot_message(p, {"photo": photo, **self._caption(p)})

    async def _send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        value = p.get("document")
        info = self._input_file(value, "documents", "bin", "document")
        document: dict[str, Any] = {**info}
        if isinstance(value, UploadedFile):
            document["file_name"] = value.filename or "document"
            document["mime_type"] = value.content_type or "application/octet-stream"
        return self._bot_message(p, {"document": document, **self._caption(p)})

    async def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        text = self._visible(p["text"], p.get("parse_mode"))
        key = self._target(p)
        if key is None:
            return True
        self._not_modified(key, (p["text"], p.get("parse_mode"), p.get("reply_markup")))
        return self._edited(key, {"text": text, "reply_markup": p.get("reply_markup")})

    async def _edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        key = self._target(p)
        if key is None:
            return True
        self._not_modified(key, (p.get("caption"), p.get("parse_mode"), p.get("reply_markup")))
        changes = {"caption": None, **self._caption(p), "reply_markup": p.get("reply_markup")}
        message = self._edited(key, changes)
        if message.get("caption") is None:
            message.pop("caption", None)
        return message

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        key = self._target(p)
        if key is None:
            return True
        old = self._message_src.get(key)
        source = (*(old[:2] if old else (None, None)), p.get("reply_markup"))
        self._not_modified(key, source)
        return self._edited(key, {"reply_markup": p.get("reply_markup")})

    async def _delete_message(self, p: dict[str, Any]) -> bool:
        key = (p["chat_id"], int(p["message_id"]))
        if key in self.deleted:  # what Telegram answers; not an invalid request
            raise _ApiError(400, "Bad Request: message to delete not found")
        self._messages.pop(key, None)
        self._message_src.pop(key, None)
        self.deleted.append(key)
        return True

    @staticmethod
    def _menu_key(p: dict[str, Any]) -> tuple[str, int | None, str]:
        scope = p.get("scope") or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        if scope.get("type") not in ("default", "chat", "all_private_chats"):
            raise _bad("unsupported scope in this fake")
        chat = scope.get("chat_id")
        return scope["type"], int(chat) if chat is not None else None, p.get("language_code") or ""

    async def _set_my_commands(self, p: dict[str, Any]) -> bool:
        self._commands[self._menu_key(p)] = list(p.get("commands") or [])
        return True

    def menu_of(self, chat_id: int | None = None, language: str = "") -> list[str]:
        """The command names a chat's menu shows (the default menu when no chat is given)."""
        key = ("chat", chat_id, "") if chat_id is not None else ("default", None, language)
        return [command["command"] for command in self._commands.get(key, [])]

    async def _get_my_commands(self, p: dict[str, Any]) -> list[Any]:
        return list(self._commands.get(self._menu_key(p), []))

    async def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        self._commands.pop(self._menu_key(p), None)
        return True

    async def _set_webhook(self, p: dict[str, Any]) -> bool:
        self._webhook_url = str(p.get("url") or "")
        self._webhook_secret = str(p.get("secret_token") or "")
        if self._webhook_url:  # what was waiting for getUpdates goes to the webhook now
            waiting, self._updates = self._updates, []
            for update in waiting:
                self.add_update(update)
        return True

    async def _push(self, update: dict[str, Any]) -> None:
        """POST one update to the webhook, again and again until it is answered 200."""
        import httpx  # only the webhook mode needs a client

        headers = {"X-Telegram-Bot-Api-Secret-Token": self._webhook_secret}
        delay = 0.05
        async with httpx.AsyncClient(timeout=30) as client:
            while self._webhook_url:
                try:
                    response = await client.post(self._webhook_url, json=update, headers=headers)
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                self.webhook_failures += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        self._updates.append(update)  # the webhook was deleted meanwhile: for getUpdates
        self._updates.sort(key=lambda u: u["update_id"])
        self._update_event.set()

    async def _delete_webhook(self, p: dict[str, Any]) -> bool:
        self._webhook_url = ""
        if p.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(p.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
