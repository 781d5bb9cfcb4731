"""Searched NIK/KK numbers are audited as a keyed hash, never in the clear (UU PDP)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from storage.repos import Repos

KEY_CHANNEL, KEY_NAME = "server", "audit_key"


async def keyed_hash(repos: Repos, value: str) -> str:
    """HMAC-SHA256 of a value with this deployment's secret key (created on first use)."""
    key = await repos.schedule.get_state(KEY_CHANNEL, KEY_NAME)
    if key is None:
        key = secrets.token_hex(32)
        await repos.schedule.set_state(KEY_CHANNEL, KEY_NAME, key)
    return hmac.new(bytes.fromhex(key), value.encode(), hashlib.sha256).hexdigest()
