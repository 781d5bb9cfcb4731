"""The Cloud API's error codes we act on, on a send or in a failed status report."""

from __future__ import annotations

OUTSIDE_WINDOW = 131047
THROUGHPUT, PAIR_RATE = 130429, 131056
# Not a WhatsApp user, terms not accepted, an app too old: unreachable until they write.
UNDELIVERABLE = 131026
WRONG_RECIPIENT_FIELD = 131062
TOKEN_EXPIRED = 190
# Meta's side is unwell for a while ("unknown", "service temporarily unavailable", "something
# went wrong", "service unavailable", "server temporarily unavailable"; or an HTTP 5xx): the
# message is tried again later, each time later (TEMPORARY_PAUSE doubled, at most 30 min).
TEMPORARY = frozenset({1, 2, 131000, 131016, 133004})
TEMPORARY_PAUSE, TEMPORARY_PAUSE_MAX = 30.0, 1800.0
# Too many API calls (the app, the WhatsApp account): the whole channel waits a minute.
ACCOUNT_RATE_LIMITS = frozenset({4, 80007})


def temporary_pause(failed_tries: int) -> float:
    """Seconds before a message Meta could not take (TEMPORARY) is tried again."""
    return min(TEMPORARY_PAUSE * 2**failed_tries, TEMPORARY_PAUSE_MAX)
