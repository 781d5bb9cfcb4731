"""The `psm-bot` commands on personal data, run on the server: the case export, case show,
a data subject's find/export/correct/erase (UU PDP) and a user's copy of their own data."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli_dates import command_line_date
from bot.cli_signals import ended_like_ctrl_c
from bot.config import load_settings
from bot.lock import BACKUP_LOCK, ProcessLock


def counted(number: int, thing: str) -> str:
    """ "1 row", "5 rows": a count and its noun, in the plural unless one."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


NOBODY_ERASED = (
    "nobody in the database has this NIK: nothing about a person was erased (check the"
    " number: psm-bot subject find NIK)"
)
ERASE_BUSY = (
    "a backup (psm-bot backup) is copying {database}: erase when it has ended (that backup"
    " holds the person too: renew or destroy it afterwards)"
)


def _private_argument(value: str) -> str:
    """A NIK (or a phone number) from the command line, or from standard input with "-"
    (keeps it out of the shell history and the process list)."""
    return sys.stdin.readline().strip() if value == "-" else value


ONE_WAY = "psm-bot user export: name the person by one of ID, --phone or --telegram-id"
NO_FILE = (
    "psm-bot user export: name the .json file to write after the id: psm-bot user export {id} OUT"
)


def cmd_user_export(args: argparse.Namespace) -> int:
    from bot.user_tools import NotOneUser, UserNamed, export_user

    given = [args.id, args.phone, args.telegram_id]
    if not any(value is not None for value in given) and args.out.isdigit():
        print(NO_FILE.format(id=args.out), file=sys.stderr)  # `user export 5`: an id, no file
        return 2
    if sum(value is not None for value in given) != 1:
        print(ONE_WAY, file=sys.stderr)
        return 2
    phone = _private_argument(args.phone) if args.phone is not None else None
    named = UserNamed(user_id=args.id, phone=phone, telegram_id=args.telegram_id)
    try:
        user_id = asyncio.run(export_user(load_settings(), named, Path(args.out)))
    except NotOneUser as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"user {user_id}'s data written to {args.out}; logged in the audit")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export_file import export_cases
    from bot.priority import lower_priority

    lower_priority()  # a long export never slows a running bot's conversations

    since = command_line_date(args.since, "--since") if args.since else None
    with ended_like_ctrl_c():
        rows = asyncio.run(
            export_cases(
                load_settings(),
                Path(args.out),
                kabupaten=args.kabupaten,
                since=since,
                unmasked=args.unmasked,
                layout=args.layout,
            )
        )
    state = "UNMASKED (full NIK/KK)" if args.unmasked else "NIK/KK masked"
    print(
        f"{counted(rows, 'row')} written to {args.out} ({args.layout}, {state});"
        " logged in the audit"
    )
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from bot.subject_tools import show_case

    found = asyncio.run(show_case(load_settings(), args.number, reveal=args.reveal, out=sys.stdout))
    return 0 if found else 1


def cmd_subject_find(args: argparse.Namespace) -> int:
    from bot.subject_tools import find_subject

    asyncio.run(find_subject(load_settings(), _private_argument(args.nik), sys.stdout))
    return 0


def cmd_subject_export(args: argparse.Namespace) -> int:
    from bot.subject_tools import export_subject

    people = asyncio.run(
        export_subject(load_settings(), _private_argument(args.nik), Path(args.out))
    )
    print(f"{people} person record(s) written to {args.out}; logged in the audit")
    return 0


def cmd_subject_correct(args: argparse.Namespace) -> int:
    from bot.subject_tools import correct_subject

    changed = asyncio.run(
        correct_subject(load_settings(), _private_argument(args.nik), args.field, args.value)
    )
    print(f"{changed} person record(s) corrected ({args.field}); logged in the audit")
    return 0 if changed else 1


def cmd_subject_erase(args: argparse.Namespace) -> int:
    from bot.subject_tools import erase_subject

    nik = _private_argument(args.nik)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValueError("erasure cannot be undone: add --yes to confirm")
        if input("Erasure cannot be undone. Type ERASE to confirm: ").strip() != "ERASE":
            print("nothing erased")
            return 1
    settings = load_settings()
    with (
        ProcessLock(settings.database_path),
        ProcessLock(settings.database_path, suffix=BACKUP_LOCK, busy=ERASE_BUSY),
    ):
        report = asyncio.run(erase_subject(settings, nik, sys.stderr))
    rewritten = sum(report.rows_rewritten.values())
    if report.members:
        print(
            f"erased: {report.members} person record(s), {report.households_cleared}"
            f" household(s) cleared, {report.cases} case(s) kept without them,"
            f" {len(report.photos_removed)} photo(s) removed, {counted(rewritten, 'row')} of"
            " chat messages, notes and answers that named them rewritten; database rebuilt"
            " (VACUUM) and WAL emptied; logged in the audit"
        )
    else:  # a mistyped NIK, or one never reported
        print(NOBODY_ERASED)
        if not rewritten:
            return 1
        print(
            f"the NIK (or a masked number like it) was written in {counted(rewritten, 'row')}"
            " elsewhere (chat messages, case texts, notes): removed there; database rebuilt"
            " (VACUUM); logged in the audit"
        )
    if report.audit_rows_holding_it:
        print(
            f"warning: {report.audit_rows_holding_it} audit row(s) hold this NIK and cannot be"
            " changed (append-only)",
            file=sys.stderr,
        )
    print("backups made before now still hold the data: renew or destroy them", file=sys.stderr)
    return 0
