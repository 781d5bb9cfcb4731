"""Searched NIK/KK numbers are audited as a keyed hash, never in the clear (UU PDP).

One server key (`AppContext.audit_key`, read at start from AUDIT_KEY or AUDIT_KEY_FILE by
bot/audit_key.py, never kept in the database) for the chat's /cari and the server's subject
tools, so the log shows that the same person was searched, found, corrected and erased
without holding the number. Kept apart from the database so that a backup, which holds the
log, cannot be used to guess an erased NIK back (some 4e8 guesses) from its hash.
"""

from __future__ import annotations

import hashlib
import hmac

from handlers.context import AppContext

SUBJECT_PREFIX = "nik-hmac:"
# Where versions before the key left the database kept it (moved out at start).
KEY_CHANNEL, KEY_NAME = "server", "audit_key"
# The key's fingerprint (`key_id`), kept in the database to notice a key replaced.
KEY_ID_NAME = "audit_key_id"
# The audit entry of a key replaced (the key file lost): its subject and action.
KEY_SUBJECT, KEY_REPLACED = "audit-key", "audit.key_replaced"
CHECK_LENGTH = 6  # hex characters of a `number_check`


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of a value with this deployment's secret key."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A fingerprint naming the key without revealing it (a keyed hash of a fixed text)."""
    return keyed_hash(key, "psm-bot audit key id")[:16]


def number_subject(app: AppContext, digits: str) -> str:
    """The audit subject standing for a NIK or KK: `nik-hmac:<keyed hash>`."""
    return SUBJECT_PREFIX + keyed_hash(app.audit_key, digits)


def number_check(app: AppContext, digits: str) -> str:
    """A short check of a NIK or KK (the first hex characters of its keyed hash), sent with
    a row id standing for the number: a row holding another number now fails it. Too short
    to find the number by, and made with the server key."""
    return keyed_hash(app.audit_key, digits)[:CHECK_LENGTH]
