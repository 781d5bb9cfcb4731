"""Bot API calls on the hot path, answered as the JSON Telegram sent.

PTB's typed methods turn every answer into objects (`Message.de_json` for each message
sent, `Update.de_json` for each update), which we only read one or two fields from: for a
conversation step that was about a fifth of its CPU. These calls go through the same `Bot`
(`do_api_request`: its request object, defaults, rate limiter and error translation) but
return the parsed JSON. Media uploads and rare calls keep PTB's typed methods.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.error import EndPointNotFound, InvalidToken
from telegram.warnings import PTBUserWarning

# PTB warns that a typed method exists for these endpoints; the JSON answer is the point.
warnings.filterwarnings(
    "ignore", r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request", PTBUserWarning
)


async def call(bot: Bot, endpoint: str, read_timeout: float | None = None, **params: Any) -> Any:
    """POST `endpoint` with `params` (None values are left out); the answer's `result`."""
    extra = {} if read_timeout is None else {"read_timeout": read_timeout}
    try:
        return await bot.do_api_request(endpoint, api_kwargs=params, **extra)
    except EndPointNotFound as exc:  # how do_api_request reports a refused token
        raise InvalidToken(str(exc)) from exc
