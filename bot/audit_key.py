"""The audit key (handlers/audit_keys.py) comes from outside the database, read at start.

A backup holds the audit log; were the key in it too, anyone with a copy could guess an
erased NIK back from its `subject.erase` entry (some 4e8 guesses: kecamatan, birth date,
serial). So it is AUDIT_KEY, or the file AUDIT_KEY_FILE (`<DATABASE_PATH>.audit-key`, mode
600), made at first start. Versions before kept it in channel_state("server", "audit_key"):
it is moved out, the file on disk before the row is deleted (its bytes zeroed:
secure_delete), so a crash in between only repeats the move. The database keeps the key's
fingerprint: a key file missing where the database was used with a key (DATABASE_PATH
moved, the default key name with it?) stops the start rather than make a new key unseen;
`psm-bot audit-key new` makes one knowingly. A key replaced so (or given in AUDIT_KEY) is
warned of and logged (`audit.key_replaced`): entries made before it can no longer be matched
to a NIK.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import re
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, Settings
from handlers.audit_keys import KEY_CHANNEL, KEY_ID_NAME, KEY_NAME, KEY_REPLACED, KEY_SUBJECT
from handlers.audit_keys import key_id as fingerprint
from storage.backup import fsync_path
from storage.db import Database, fold_wal
from storage.repos import Repos

log = logging.getLogger(__name__)

_KEY = re.compile(r"[0-9a-f]{64}")

NOT_A_KEY = "AUDIT_KEY_FILE: {path} does not hold an audit key (64 hex digits)"
IN_MEDIA = (
    "AUDIT_KEY_FILE: {path} is inside MEDIA_PATH, which every backup copies; keep it beside"
    " the database (the default) or elsewhere off the backups"
)
OTHER_KEY = (
    "{source}: not the audit key this database holds (a backup from before the key left the"
    " database, restored where another key was made since?). The database's key matches its"
    " audit log: {remedy}"
)
MOVE_THE_FILE = (
    "move {path} away (keep it: entries made with it need it) and start again; the"
    " database's key is then moved to {path}"
)
UNSET_THE_SETTING = "remove AUDIT_KEY for one start; the key then moves to {path}"
NO_KEY_FILE = (
    "AUDIT_KEY_FILE: no audit key at {path}, but this database was used with one (the database"
    " moved, or DATABASE_PATH changed?): put the key file back there (or set AUDIT_KEY_FILE to"
    " where it is), or run `psm-bot audit-key new` to make a new one knowingly (audit entries"
    " made under the old key can then no longer be matched to a NIK)"
)
NOT_YOURS = (
    "AUDIT_KEY_FILE: {path} cannot be {done} by {user}, who runs psm-bot (made by another user,"
    " e.g. with sudo?): give it back to {user} (sudo chown {user} {path}) and run psm-bot as"
    " {user} only"
)
KEY_EXISTS = (
    "AUDIT_KEY_FILE: there is an audit key at {path} already; to replace it, move it away"
    " first (keep it: entries made with it need it)"
)
KEY_IN_SETTING = "AUDIT_KEY is set: the key is given there; to make one in a file, remove AUDIT_KEY"
NEW_KEY_WRITTEN = (
    "new audit key written to {path}: keep a copy safe, apart from the backups; audit entries"
    " made under an earlier key can no longer be matched to a NIK"
)
REPLACED = (
    "the audit key is not the one used before (its file lost or replaced?): the audit log's"
    " earlier NIK entries can no longer be matched to a NIK; put the old {source} back to"
    " match them"
)


async def load_audit_key(settings: Settings, db: Database, *, new_key: bool = False) -> bytes:
    """The deployment's audit key, moved out of the database first where an earlier version
    kept it there; a new one in AUDIT_KEY_FILE when the database was never used with one,
    or with `new_key` (`psm-bot audit-key new`: a lost key replaced knowingly)."""
    path = settings.audit_key_path
    if _inside(path, settings.media_path):
        raise ConfigError([IN_MEDIA.format(path=path)])
    async with db.transaction() as repos:
        stored = await repos.schedule.get_state(KEY_CHANNEL, KEY_NAME)
        known = await repos.schedule.get_state(KEY_CHANNEL, KEY_ID_NAME)
    if settings.audit_key is not None:
        key, source = settings.audit_key.get_secret_value().lower(), "AUDIT_KEY"
        remedy = UNSET_THE_SETTING.format(path=path)
    elif stored is None and known is not None and not new_key:
        key = await asyncio.to_thread(_read_kept, path)  # never a new key unseen
        source, remedy = "AUDIT_KEY_FILE", MOVE_THE_FILE.format(path=path)
    else:
        key = await asyncio.to_thread(read_or_create, path, stored or secrets.token_hex(32))
        source, remedy = "AUDIT_KEY_FILE", MOVE_THE_FILE.format(path=path)
    if stored is not None and stored != key:
        raise ConfigError([OTHER_KEY.format(source=source, remedy=remedy)])
    async with db.transaction() as repos:
        await _settle(repos, bytes.fromhex(key), source, moving=stored is not None)
    if stored is not None:
        await fold_wal(db.path)  # the old row's page out of the WAL too
        log.info("audit key moved out of the database to %s", source)
    return bytes.fromhex(key)


async def _settle(repos: Repos, key: bytes, source: str, *, moving: bool) -> None:
    """Record the key's fingerprint (a change of key logged) and drop the database's copy."""
    known = await repos.schedule.get_state(KEY_CHANNEL, KEY_ID_NAME)
    current = fingerprint(key)
    if known is not None and known != current:
        log.warning(REPLACED.format(source=source))
        await repos.audit.record(
            now=datetime.now(UTC),
            actor_id=None,
            action=KEY_REPLACED,
            subject=KEY_SUBJECT,
            detail={"from": known, "to": current, "source": source},
        )
    if known != current:
        await repos.schedule.set_state(KEY_CHANNEL, KEY_ID_NAME, current)
    if moving:
        await repos.schedule.drop_state(KEY_CHANNEL, KEY_NAME)  # zeroed: secure_delete


async def make_new_key(settings: Settings, db: Database) -> Path:
    """`psm-bot audit-key new`: a new audit key in AUDIT_KEY_FILE where there is none (its
    file lost: the start refuses to make one unseen), its change of key logged as at any
    start (`audit.key_replaced`); the file it is in."""
    path = settings.audit_key_path
    if settings.audit_key is not None:
        raise ConfigError([KEY_IN_SETTING])
    if path.exists():
        raise ConfigError([KEY_EXISTS.format(path=path)])
    await load_audit_key(settings, db, new_key=True)
    return path


def _read_kept(path: Path) -> str:
    """The key in `path`, which the database was used with: not there, the start stops."""
    try:
        return _read(path)
    except FileNotFoundError:
        raise ConfigError([NO_KEY_FILE.format(path=path)]) from None


def read_or_create(path: Path, new_key: str) -> str:
    """The key in `path`; where there is none, `new_key` written there first (mode 600, on
    disk before this returns). Two processes starting at once both get the first one's."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 600
    except PermissionError:
        raise ConfigError([_not_yours(path, "written")]) from None
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(new_key + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # never over a key written meanwhile, never half a key
        except FileExistsError:
            return _read(path)
        fsync_path(path.parent)
    finally:
        os.unlink(temporary)
    log.info("audit key written to %s: keep it safe, apart from the backups", path)
    return new_key


def _read(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii", errors="replace").strip().lower()
    except PermissionError:  # not a traceback: one line, which file and what to do
        raise ConfigError([_not_yours(path, "read")]) from None
    if not _KEY.fullmatch(key):
        raise ConfigError([NOT_A_KEY.format(path=path)])
    return key


def _not_yours(path: Path, done: str) -> str:
    user = getpass.getuser()
    return NOT_YOURS.format(path=path.absolute(), done=done, user=user)


def _inside(path: Path, folder: Path) -> bool:
    return path.absolute().is_relative_to(folder.absolute())
