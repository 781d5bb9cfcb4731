"""Files the bot cannot read or write: one line naming the path and the likely fix.

The usual cause is an install done as root (`make run` makes `.env` and `data/` root-only,
mode 600/700) and then run as the service's own user: without this, SQLite failed deep in
aiosqlite's thread with a double traceback and exit 1, which the systemd unit takes for "no
network" and retries every 10 s for ever. Said here instead, before any connection is
opened, as a configuration problem (exit 2: the unit does not restart on it).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from bot.config import ConfigError, Settings

# What SQLite makes beside the database (WAL mode) and what the bot keeps there.
DATABASE_COMPANIONS = ("-wal", "-shm", ".lock")


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def access_problem(path: Path | str, *, writing: bool = True) -> str:
    """One line: this process's user cannot use `path`, who owns it, and how to fix it."""
    where = Path(path).absolute()
    user = _user_name(os.geteuid())
    try:
        owner = f" (it belongs to {_user_name(where.stat().st_uid)})"
    except OSError:
        owner = ""
    folder = where if where.is_dir() else where.parent
    need = "read and write" if writing else "read"
    return (
        f"psm-bot: permission denied: {where}{owner}; the user running the bot ({user}) must"
        f" {need} it. Give the bot's folder to that user, e.g. `sudo chown -R {user}: {folder}`,"
        " or run the bot as the owner (an install done as root makes root-only files)."
    )


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def require_database_access(settings: Settings) -> None:
    """Raise ConfigError when the database, its companions (WAL, lock), the audit key file
    or the folders for the database and the media cannot be used by this process."""
    database = settings.database_path
    places = [database, *(Path(f"{database}{suffix}") for suffix in DATABASE_COMPANIONS)]
    for place in places:
        if place.exists() and not os.access(place, os.R_OK | os.W_OK):
            raise ConfigError([access_problem(place)])
    key = settings.audit_key_path  # read at every start (bot/audit_key.py)
    if settings.audit_key is None and key.exists() and not os.access(key, os.R_OK):
        raise ConfigError([access_problem(key, writing=False)])
    for folder in (database.parent, settings.media_path):
        existing = _nearest_existing(folder)
        # A folder must take new files (WAL, photos); one still to be made, its parent.
        if existing.is_dir() and not os.access(existing, os.R_OK | os.W_OK | os.X_OK):
            raise ConfigError([access_problem(existing)])
