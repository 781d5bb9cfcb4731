"""Searched NIK/KK numbers are audited as a keyed hash, never in the clear (UU PDP).

One server key (channel_state("server", "audit_key"), created at first use) for the chat's
/cari and the server's subject tools, so the log shows that the same person was searched,
found, corrected and erased without holding the number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from storage.repos import Repos

KEY_CHANNEL, KEY_NAME = "server", "audit_key"
SUBJECT_PREFIX = "nik-hmac:"


async def keyed_hash(repos: Repos, value: str) -> str:
    """HMAC-SHA256 of a value with this deployment's secret key (created on first use)."""
    key = await repos.schedule.get_state(KEY_CHANNEL, KEY_NAME)
    if key is None:
        key = secrets.token_hex(32)
        await repos.schedule.set_state(KEY_CHANNEL, KEY_NAME, key)
    return hmac.new(bytes.fromhex(key), value.encode(), hashlib.sha256).hexdigest()


async def number_subject(repos: Repos, digits: str) -> str:
    """The audit subject standing for a NIK or KK: `nik-hmac:<keyed hash>`."""
    return SUBJECT_PREFIX + await keyed_hash(repos, digits)
