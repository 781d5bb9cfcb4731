"""Logging set-up: every log line passes the NIK/KK mask (logs carry no NIK)."""

from __future__ import annotations

import logging

from handlers.masking import mask_identifiers

# The web server's loggers (bot/webhook.py): uvicorn gives them handlers of its own by default.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class MaskIdentifiers(logging.Filter):
    """Mask NIK/KK-like numbers in the formatted message and any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_identifiers(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_identifiers(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(level: str) -> None:
    """Log to stderr, masked; quiet the HTTP libraries (they log URLs with the token)."""
    handler = logging.StreamHandler()
    handler.addFilter(MaskIdentifiers())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for server in SERVER_LOGGERS:  # through the mask too, whoever configured them before
        logger = logging.getLogger(server)
        logger.handlers[:] = []
        logger.propagate = True
