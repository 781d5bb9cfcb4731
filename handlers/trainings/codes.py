"""Proof of presence: rotating check-in codes (the distance from the venue: handlers/geo.py).

A code is 6 digits from an HMAC of the training's secret and the current time slot (like
TOTP, RFC 6238). It changes every ROTATE_SECONDS, so a code forwarded to a group chat is soon
stale; the current and the previous slot are accepted, so a code read out just before it
changes still works.

A code of an earlier slot of the same local day is "expired", not "wrong" (someone read it
at the venue long before typing it, a phone slow to send): said so, and not counted
towards the wrong-code lockout (code_attempts.py). The day bounds it: at most 288 earlier
codes of a training, so a random guess lands on one about 3 times in 10,000 and guessing
stays limited by the lockout; a code of an earlier day is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

ROTATE_SECONDS = 300
DIGITS = 6


def new_secret() -> str:
    return secrets.token_hex(20)


def slot_of(moment: datetime) -> int:
    return int(moment.timestamp()) // ROTATE_SECONDS


def code_for(secret: str, slot: int) -> str:
    """The code of one time slot."""
    digest = hmac.new(bytes.fromhex(secret), slot.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_code(secret: str, now: datetime) -> str:
    return code_for(secret, slot_of(now))


def valid_until(now: datetime) -> datetime:
    """When the current code stops being the current one."""
    return datetime.fromtimestamp((slot_of(now) + 1) * ROTATE_SECONDS, UTC)


def normalise_code(text: str) -> str | None:
    """The digits of a typed code ("123 456", "123-456"), or None if it is not one."""
    digits = re.sub(r"[\s.\-]", "", text)
    return digits if re.fullmatch(rf"[0-9]{{{DIGITS}}}", digits) else None


def slots_ago(secret: str, code: str, now: datetime, *, lookback: int) -> int | None:
    """How many slots ago a code was current (0 = now), looking back `lookback` slots."""
    slot = slot_of(now)
    for back in range(lookback + 1):
        if hmac.compare_digest(code, code_for(secret, slot - back)):
            return back
    return None


def code_matches(secret: str, code: str, now: datetime) -> bool:
    """Whether a code is the current or the previous slot's."""
    return slots_ago(secret, code, now, lookback=1) is not None


def code_expired(secret: str, code: str, now: datetime, *, since: datetime) -> bool:
    """A code that was current at some moment from `since` (the start of the local day) but
    is no longer accepted (so we can say so)."""
    back = slots_ago(secret, code, now, lookback=max(0, slot_of(now) - slot_of(since)))
    return back is not None and back > 1
