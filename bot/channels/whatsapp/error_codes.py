"""The Cloud API's error codes we act on, on a send or in a failed status report: one rule
per code, whichever way it came (`channel.py` on the send, `statuses.py` in a report)."""

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
# Meta holds our messages back: our number's spam rate limit (131048: too many of its
# messages blocked or reported; Meta's quality rating looks at the last 7 days) or Meta chose
# not to deliver ("healthy ecosystem engagement", 131049: a person's cap on what businesses
# send them). Not the person unreachable, and not for long; Meta says not to retry at once
# (its providers: hours later, then later again), so a failed try waits an hour, doubled
# each time, at most a day.
HELD_BACK = frozenset({131048, 131049})
HELD_BACK_PAUSE, HELD_BACK_PAUSE_MAX = 3600.0, 86400.0
# Too many API calls (the app, the WhatsApp account): the whole channel waits a minute.
ACCOUNT_RATE_LIMITS = frozenset({4, 80007})


def temporary_pause(failed_tries: int) -> float:
    """Seconds before a message Meta could not take (TEMPORARY) is tried again."""
    return min(TEMPORARY_PAUSE * 2**failed_tries, TEMPORARY_PAUSE_MAX)


def retry_pause(code: int | None, failed_tries: int) -> float | None:
    """Seconds before a message refused with `code` after `failed_tries` failed tries is
    tried again (a failed try itself: Meta unwell, or holding it back); None when `code`
    is not one to try again for."""
    if code in TEMPORARY:
        return temporary_pause(failed_tries)
    if code in HELD_BACK:
        return min(HELD_BACK_PAUSE * 2**failed_tries, HELD_BACK_PAUSE_MAX)
    return None


def is_template_problem(code: int | None) -> bool:
    """A template of ours Meta will not send (132xxx: missing in its language, paused or
    disabled for low quality, its parameters not as approved): only an admin can fix it in
    WhatsApp Manager; what it announced waits for the person's next message."""
    return code is not None and 132000 <= code < 133000
