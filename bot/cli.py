"""The `psm-bot` command line: run, migrate, demo, user add, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings, require_channel
from bot.lock import DatabaseLocked, ProcessLock
from bot.logs import setup_logging

EXIT_CONFIG = 2


def _settings() -> Settings:
    return load_settings()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    require_channel(settings)
    with ProcessLock(settings.database_path):
        from bot.app import run_bot

        asyncio.run(run_bot(settings))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.runtime import prepare_database

    settings = _settings()

    async def migrate() -> None:
        db, _ = await prepare_database(settings)
        await db.close()

    with ProcessLock(settings.database_path):
        asyncio.run(migrate())
    print(f"database ready: {settings.database_path}")
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


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.backup import backup_database

    settings = _settings()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(args.directory) / f"psm-backup-{stamp}"
    asyncio.run(backup_database(settings.database_path, folder / "psm.db"))
    if settings.media_path.exists():
        shutil.copytree(settings.media_path, folder / "media")
    print(f"backup written to {folder}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from storage.backup import restore_database

    settings = _settings()
    source = Path(args.backup)
    database = source / "psm.db" if source.is_dir() else source
    with ProcessLock(settings.database_path):
        restore_database(database, settings.database_path)
        media = database.parent / "media"
        if media.is_dir():
            if settings.media_path.exists():
                shutil.rmtree(settings.media_path)
            shutil.copytree(media, settings.media_path)
    print(f"restored {database} into {settings.database_path}; run `psm-bot migrate` next")
    return 0


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
    add.add_argument("--kecamatan", help="kecamatan code, e.g. 32.08.01 (psm, tksk)")
    add.add_argument("--desa", help="desa code, e.g. 32.08.01.2001 (psm)")
    add.set_defaults(func=cmd_user_add)
    backup = commands.add_parser("backup", help="copy the database and media, safely while running")
    backup.add_argument("directory")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="restore a backup (stop the bot first)")
    restore.add_argument("backup", help="a backup folder or .db file")
    restore.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `psm-bot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings_level = "WARNING" if args.command == "demo" else _settings().log_level
        setup_logging(settings_level)
        return args.func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseLocked as exc:
        print(exc, file=sys.stderr)
        return 1
    except (ValueError, FileExistsError, FileNotFoundError, RuntimeError) as exc:
        print(f"psm-bot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
