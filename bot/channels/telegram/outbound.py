"""Neutral `Outbound` messages to Bot API calls, within Telegram's limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.base import PartsSent, SendOutcome
from bot.channels.telegram import raw_api
from handlers.events import Button, Outbound

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
HTML = ParseMode.HTML.value
TOAST_LIMIT = 200
# Bad requests that mean "nothing left to do" rather than a failure.
_HARMLESS = (
    "message is not modified",
    "message to delete not found",
    "query is too old",
    "message can't be deleted",
    "message to edit not found",
)


class TelegramLimitError(ValueError):
    """A message our code built breaks a Telegram limit (a bug, not a user error)."""


# Reply markups are sent as the Bot API's JSON objects (see raw_api).
Markup = dict[str, Any]
REMOVE_KEYBOARD: Markup = {"remove_keyboard": True}


def inline_keyboard(rows: list[list[Button]]) -> Markup | None:
    """Our buttons as an InlineKeyboardMarkup; refuses callback data over 64 bytes."""
    if not rows:
        return None
    for row in rows:
        for button in row:
            size = len(button.data.encode())
            if not 0 < size <= CALLBACK_DATA_LIMIT:
                raise TelegramLimitError(f"callback_data {button.data!r} is {size} bytes")
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in rows
        ]
    }


def request_keyboard(message: Outbound) -> Markup:
    """A one-time keyboard with the share-contact or share-location key.

    Telegram cannot put a request key and inline buttons on one message, so the other
    options (e.g. "Lewati") become plain keys the person taps as text.
    """
    key = {"text": message.request_label, f"request_{message.request}": True}
    extra = [[{"text": b.label}] for row in message.buttons for b in row]
    return {"keyboard": [[key], *extra], "one_time_keyboard": True, "resize_keyboard": True}


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Long texts in pieces at line breaks, each within Telegram's limit."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _text_plan(message: Outbound) -> list[tuple[str, Markup | None]]:
    """The sendMessage calls of a text message, in order: (text, reply markup or None)."""
    pieces = split_text(message.text or "…")
    calls: list[tuple[str, Markup | None]] = []
    if message.request is not None:
        markup: Markup | None = request_keyboard(message)
    elif message.buttons:
        markup = inline_keyboard(message.buttons)
        if message.remove_keyboard:
            # One markup per message: close the old reply keyboard with the first part.
            head, _, rest = pieces[0].partition("\n\n")
            if rest:
                calls.append((head, REMOVE_KEYBOARD))
                pieces[0] = rest
    elif message.remove_keyboard:
        markup = REMOVE_KEYBOARD
    else:
        markup = None
    last = len(pieces) - 1
    calls.extend((piece, markup if index == last else None) for index, piece in enumerate(pieces))
    return calls


def api_calls(message: Outbound) -> int:
    """How many rate-limited Bot API calls sending `message` takes (a reply keyboard removal
    before a question, a long text in pieces): what the sender's pacing charges for it."""
    if message.type != "text":
        return 1
    try:
        return len(_text_plan(message))
    except TelegramLimitError:
        return 1  # refused before any call


async def _send_text(bot: Bot, chat_id: int, message: Outbound, parts: PartsSent) -> str | None:
    for text, markup in parts.still_to_send(_text_plan(message)):
        sent = await raw_api.call(
            bot, "sendMessage", chat_id=chat_id, text=text, parse_mode=HTML, reply_markup=markup
        )
        parts.accept(str(sent["message_id"]))
    return parts.last


async def render(
    bot: Bot, chat_id: int, message: Outbound, parts: PartsSent | None = None
) -> str | None:
    """Perform the API call(s) for one message; returns the id of the message sent. A text
    in several calls resumes after the `parts` accepted before and notes each one sent."""
    if message.type == "text":
        return await _send_text(bot, chat_id, message, parts or PartsSent((), keep_ids=False))
    if message.type == "callback_answer":
        if message.callback_id:
            await raw_api.call(
                bot,
                "answerCallbackQuery",
                callback_query_id=message.callback_id,
                text=message.text[:TOAST_LIMIT] or None,
            )
        return None
    if message.type == "menu":
        commands = [BotCommand(name, description) for name, description in message.commands]
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        return None
    if message.type == "delete":
        await bot.delete_message(chat_id, int(message.target_message_id or 0))
        return None
    if message.type == "edit":
        target = {"chat_id": chat_id, "message_id": int(message.target_message_id or 0)}
        markup = inline_keyboard(message.buttons)
        if message.text:
            await raw_api.call(
                bot,
                "editMessageText",
                **target,
                text=message.text[:TEXT_LIMIT],
                parse_mode=HTML,
                reply_markup=markup,
            )
        else:
            await raw_api.call(bot, "editMessageReplyMarkup", **target, reply_markup=markup)
        return message.target_message_id
    caption = (message.text or None) and message.text[:CAPTION_LIMIT]
    document = Path(message.file_path or "")
    if message.type == "image":
        sent = await bot.send_photo(chat_id, document, caption=caption, parse_mode=ParseMode.HTML)
    else:
        sent = await bot.send_document(
            chat_id, document, caption=caption, parse_mode=ParseMode.HTML
        )
    return str(sent.message_id)


def seconds_of(value: int | float | timedelta) -> float:
    """A PTB time period in seconds: an int today, a timedelta in PTB's next major version."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send(
    bot: Bot, chat_id: str, message: Outbound, attempts: int, sent_parts: Sequence[str] = ()
) -> SendOutcome:
    """Send and translate Telegram's answer into a `SendOutcome`; a text in several calls
    resumes after the `sent_parts` of an earlier attempt, and says which parts went."""
    # Telegram reports nothing later about a message: the parts' ids matter only to resume.
    parts = PartsSent(sent_parts, keep_ids=False)
    return parts.outcome(await _send_now(bot, chat_id, message, attempts, parts))


async def _send_now(
    bot: Bot, chat_id: str, message: Outbound, attempts: int, parts: PartsSent
) -> SendOutcome:
    try:
        return SendOutcome.sent(await render(bot, int(chat_id), message, parts))
    except RetryAfter as exc:
        return SendOutcome(
            "retry", retry_after=seconds_of(exc.retry_after), error=str(exc), chat_wide=True
        )
    except Forbidden as exc:
        return SendOutcome("unreachable", error=str(exc))
    except BadRequest as exc:
        if any(text in str(exc).lower() for text in _HARMLESS):
            return SendOutcome.sent()
        return SendOutcome("failed", error=str(exc))
    except (TimedOut, NetworkError) as exc:
        return SendOutcome("retry", retry_after=min(300.0, 2.0 ** min(attempts, 8)), error=str(exc))
    except (TelegramLimitError, OSError) as exc:
        return SendOutcome("failed", error=str(exc))
