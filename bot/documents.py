"""Spreadsheets people send as documents (a coordinator's list of phone numbers to invite):
fetched at once, like photos (channel links expire), into MEDIA_PATH/tmp for the handler to
read. Other documents are not downloaded."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.clock import Clock
from handlers.events import Inbound
from handlers.temp_files import temp_path

log = logging.getLogger(__name__)

SPREADSHEET_SUFFIXES = (".csv", ".xlsx")
MAX_BYTES = 5 * 1024 * 1024


def is_spreadsheet(event: Inbound) -> bool:
    """A CSV or XLSX document (by its name) not fetched yet."""
    name = (event.file_name or "").lower()
    return (
        event.other_type == "document"
        and bool(event.file_ref)
        and name.endswith(SPREADSHEET_SUFFIXES)
    )


async def fetch_spreadsheet(
    event: Inbound,
    downloaders: dict[str, Callable[..., Awaitable[bytes]]],
    media_dir: Path,
    clock: Clock,
) -> Inbound:
    """The event with `file_ref` the local copy's path, or None when it could not be had."""
    download = downloaders.get(event.channel)
    if download is None or not event.file_ref:
        return event.model_copy(update={"file_ref": None})
    try:
        data = await download(event.file_ref, max_bytes=MAX_BYTES)  # refused while it comes
    except Exception:
        log.warning("could not fetch a document from %s", event.channel, exc_info=True)
        return event.model_copy(update={"file_ref": None})
    if len(data) > MAX_BYTES:
        return event.model_copy(update={"file_ref": None})
    suffix = Path((event.file_name or "").lower()).suffix
    path = temp_path(media_dir, "import", suffix, clock.now())
    path.write_bytes(data)
    return event.model_copy(update={"file_ref": str(path)})
