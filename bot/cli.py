"""The `psm-bot` command line: run, migrate, demo, user add/export/merge, backup, restore,
audit-key new, export, case show, subject find/export/correct/erase."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

from bot.backup_commands import cmd_backup, cmd_restore
from bot.cli_dates import DATE_FORMS
from bot.config import (
    ConfigError,
    Settings,
    load_settings,
    quiet_hour_warnings,
    require_channel,
)
from bot.data_commands import (
    cmd_case_show,
    cmd_export,
    cmd_subject_correct,
    cmd_subject_erase,
    cmd_subject_export,
    cmd_subject_find,
    cmd_user_export,
)
from bot.file_access import access_problem, require_database_access
from bot.lock import DatabaseLocked, ProcessLock
from bot.logs import setup_logging
from bot.subject_values import SEXES, relation_codes
from storage.backup import BACKUP_RATE
from storage.migrate import MigrationFailed
from storage.subjects import CORRECTABLE

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
# A migration failed (rolled back) or the database is newer than the code: the README's
# systemd unit does not restart on it (RestartPreventExitStatus), as a rebuild tried again
# every 10 s would write its WAL again and again and fail the same way.
EXIT_MIGRATION = 3


# Commands that may make the database: run (`make run` migrates first; tests start fresh
# ones), migrate, demo (a throwaway one) and restore (onto a new server). Every other command
# refuses a database that is not there rather than make an empty one wherever it was run.
MAKE_THE_DATABASE = frozenset({"run", "migrate", "demo", "restore"})
NO_DATABASE = "psm-bot: no database at {path} (run from the bot's folder or set DATABASE_PATH)"


def _settings() -> Settings:
    try:
        return load_settings()
    except PermissionError as exc:  # `.env` made root-only by an install as root
        raise ConfigError([access_problem(exc.filename or ".env", writing=False)]) from None


def _require_database(settings: Settings) -> None:
    if not settings.database_path.is_file():
        raise ConfigError([NO_DATABASE.format(path=settings.database_path.absolute())])


TOKEN_REJECTED = (
    "TELEGRAM_BOT_TOKEN: Telegram rejected this token ({reason}). Copy it again from"
    " @BotFather (/mybots, API Token) into .env; a token revoked there no longer works."
)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    require_channel(settings)
    for warning in quiet_hour_warnings(settings):
        log.warning(warning)
    with ProcessLock(settings.database_path):
        from telegram.error import InvalidToken, TelegramError

        from bot.app import run_bot

        # A failed start has closed everything (Runtime.run_until_signal): one line, an exit
        # code, and systemd's Restart=on-failure may try again.
        try:
            asyncio.run(run_bot(settings))
        except InvalidToken as exc:
            reason = str(exc.__cause__ or "Unauthorized")
            raise ConfigError([TOKEN_REJECTED.format(reason=reason)]) from None
        except TelegramError as exc:  # no network, or Telegram refused a start-up call
            print(_start_failed(exc, settings), file=sys.stderr)
            return 1
    return 0


def _start_failed(exc: Exception, settings: Settings) -> str:
    """One line for a Telegram error at start-up, without the bot token (which request
    URLs hold)."""
    from telegram.error import BadRequest, NetworkError

    text, token = str(exc), settings.telegram_bot_token
    if token is not None:
        text = text.replace(token.get_secret_value(), "<token>")
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return (
            f"psm-bot: could not reach Telegram at {settings.telegram_api_base_url} ({text});"
            " check the server's connection"
        )
    return f"psm-bot: Telegram refused the start: {text}"


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.runtime import prepare_database

    settings = _settings()

    async def migrate() -> None:
        db, _ = await prepare_database(settings, follow_zone=True)
        await db.close()

    with ProcessLock(settings.database_path):
        asyncio.run(migrate())
    print(f"database ready: {settings.database_path}")
    return 0


def cmd_audit_key_new(args: argparse.Namespace) -> int:
    """A new audit key where its file was lost (the bot refuses to start without it)."""
    from bot.audit_key import NEW_KEY_WRITTEN, make_new_key
    from storage.db import Database

    settings = _settings()

    async def make() -> Path:
        db = Database(settings.database_path)
        await db.open()
        try:
            return await make_new_key(settings, db)
        finally:
            await db.close()

    with ProcessLock(settings.database_path):
        path = asyncio.run(make())
    print(NEW_KEY_WRITTEN.format(path=path))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(sys.stdin, sys.stdout))


def cmd_user_add(args: argparse.Namespace) -> int:
    from bot.admin_tools import add_user

    settings = _settings()
    user_id = asyncio.run(
        add_user(
            settings,
            role=args.role,
            telegram_id=args.telegram_id,
            name=args.name,
            kabupaten=args.kabupaten,
            kecamatan=args.kecamatan,
            desa=args.desa,
        )
    )
    print(f"user {user_id} added ({args.role}); they can now send /start to the bot")
    return 0


def cmd_user_merge(args: argparse.Namespace) -> int:
    from bot.user_merge import cmd_user_merge as merge

    return merge(args)


def _rate(text: str) -> float:
    """--rate: MiB a second, 0 for no limit."""
    value = float(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError("give MiB a second, 0 or more (0: no limit)")
    return value


def _correction_help() -> str:
    """What `subject correct --value` takes for each field, the codes listed."""
    return (
        f"the new value. name: the name; sex: {' or '.join(SEXES)} (laki-laki, perempuan);"
        f" birth_date: {DATE_FORMS}; relation: one of {', '.join(relation_codes())};"
        " nik: its 16 digits"
    )


# -- personal data on the server (bot/data_commands.py): exports, case show, data-subject rights


def _add_data_commands(commands: Any) -> None:
    export = commands.add_parser("export", help="all cases to an .xlsx file (masked by default)")
    export.add_argument("out", help="the .xlsx file to write")
    export.add_argument("--kabupaten", help="only this kabupaten, e.g. 32.08")
    export.add_argument(
        "--since", help=f"only cases reported on or after this local date: {DATE_FORMS}"
    )
    export.add_argument("--unmasked", action="store_true", help="full NIK/KK (logged)")
    export.add_argument("--layout", choices=["standard", "siksng"], default="standard")
    export.set_defaults(func=cmd_export)
    case = commands.add_parser("case", help="look at one case").add_subparsers(
        dest="case_command", required=True
    )
    show = case.add_parser("show", help="print a case (NIK/KK masked unless --reveal)")
    show.add_argument("number", help="e.g. KNG-2026-000123")
    show.add_argument("--reveal", action="store_true", help="full NIK/KK (logged)")
    show.set_defaults(func=cmd_case_show)
    subject = commands.add_parser(
        "subject", help="a person's data: find, export, correct, erase (UU PDP)"
    ).add_subparsers(dest="subject_command", required=True)
    nik_help = 'the NIK, or "-" to read it from standard input'
    find = subject.add_parser("find", help="the records and cases of a NIK")
    find.add_argument("nik", help=nik_help)
    find.set_defaults(func=cmd_subject_find)
    copy = subject.add_parser("export", help="everything about a NIK to a JSON file")
    copy.add_argument("nik", help=nik_help)
    copy.add_argument("out", help="the .json file to write")
    copy.set_defaults(func=cmd_subject_export)
    correct = subject.add_parser("correct", help="correct one field of a NIK's records")
    correct.add_argument("nik", help=nik_help)
    correct.add_argument("--field", required=True, choices=CORRECTABLE)
    correct.add_argument("--value", required=True, help=_correction_help())
    correct.set_defaults(func=cmd_subject_correct)
    erase = subject.add_parser("erase", help="erase a NIK's personal data (stop the bot first)")
    erase.add_argument(
        "nik", help=f"{nik_help}, or its audit subject (nik-hmac:...) a restore named"
    )
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(func=cmd_subject_erase)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psm-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot").set_defaults(func=cmd_run)
    commands.add_parser("migrate", help="create or upgrade the database").set_defaults(
        func=cmd_migrate
    )
    commands.add_parser("demo", help="chat with the bot in this terminal").set_defaults(
        func=cmd_demo
    )
    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add an active user (e.g. the first coordinator)")
    add.add_argument("--role", required=True, choices=["psm", "tksk", "coordinator", "admin"])
    add.add_argument("--telegram-id", required=True, type=int)
    add.add_argument("--name", required=True)
    add.add_argument("--kabupaten", help="kabupaten code, e.g. 32.08 (not for admins)")
    add.add_argument(
        "--kecamatan",
        help="kecamatan code or name, e.g. 32.08.01 or Kadugede (required for psm, tksk;"
        " names and codes in regions/*.csv)",
    )
    add.add_argument(
        "--desa", help="desa code or name, e.g. 32.08.01.2001 or Sindangjawa (required for psm)"
    )
    add.set_defaults(func=cmd_user_add)
    mine = user.add_parser(
        "export",
        help="a user's own data to a JSON file (UU PDP), by user id, phone or Telegram id",
    )
    mine.add_argument(
        "id", nargs="?", type=int, help="the user id (shown on /audit and in the logs)"
    )
    mine.add_argument("out", help="the .json file to write")
    named = mine.add_mutually_exclusive_group()
    named.add_argument("--phone", help="their phone number (08..., +628...; - reads it from stdin)")
    named.add_argument("--telegram-id", type=int, help="their Telegram user id")
    mine.set_defaults(func=cmd_user_export)
    merge = user.add_parser(
        "merge",
        help="make two users of one person one (registered twice, or a new phone without"
        " WhatsApp's notice): a dry run without --yes; stop the bot first. Cannot be undone:"
        " check the dry run and take a backup",
    )
    merge.add_argument("keep", help="the user kept: user id, or a phone number verified for them")
    merge.add_argument("absorb", help="the user merged into it (left suspended): id or phone")
    merge.add_argument(
        "--yes", action="store_true", help="merge (the bot stopped); without it: what would move"
    )
    merge.set_defaults(func=cmd_user_merge)
    backup = commands.add_parser("backup", help="copy the database and media, safely while running")
    backup.add_argument("directory")
    backup.add_argument(
        "--rate",
        type=_rate,
        default=BACKUP_RATE / 2**20,
        help="MiB written per second, so a running bot's commits never wait long (0: no limit;"
        " default %(default)g)",
    )
    backup.set_defaults(func=cmd_backup)
    audit_key = commands.add_parser("audit-key", help="the audit key").add_subparsers(
        dest="audit_key_command", required=True
    )
    audit_key.add_parser(
        "new",
        help="make a new audit key where its file was lost (stop the bot first; entries made"
        " under the old key can then no longer be matched to a NIK)",
    ).set_defaults(func=cmd_audit_key_new)
    restore = commands.add_parser("restore", help="restore a backup (stop the bot first)")
    restore.add_argument("backup", help="a backup folder or .db file")
    restore.set_defaults(func=cmd_restore)
    _add_data_commands(commands)
    return parser


# Files and folders the bot and these commands make (the database, its WAL, photos, backups,
# exports) are its user's alone: they hold NIK, KK, names and addresses.
PRIVATE_FILES = 0o077


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `psm-bot` console script."""
    args = build_parser().parse_args(argv)
    umask = os.umask(PRIVATE_FILES)
    try:
        settings_level = "WARNING" if args.command == "demo" else _settings().log_level
        setup_logging(settings_level)
        if args.command != "demo":  # the demo's database is a throwaway one of its own
            settings = _settings()
            if args.command not in MAKE_THE_DATABASE:
                _require_database(settings)
            require_database_access(settings)
        return args.func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseLocked as exc:
        print(exc, file=sys.stderr)
        return 1
    except PermissionError as exc:  # a file or folder of another user: a setup problem
        if exc.filename is None:
            print(f"psm-bot: {exc}", file=sys.stderr)
            return 1
        print(access_problem(exc.filename), file=sys.stderr)
        return EXIT_CONFIG
    except MigrationFailed as exc:
        print(f"psm-bot: {exc}", file=sys.stderr)
        return EXIT_MIGRATION
    except (ValueError, OSError, RuntimeError) as exc:  # a full disk too: said, not a traceback
        print(f"psm-bot: {exc}", file=sys.stderr)
        return 1
    finally:
        os.umask(umask)  # for callers in the same process (tests)


if __name__ == "__main__":
    sys.exit(main())
