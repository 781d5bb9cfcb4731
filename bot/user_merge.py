"""`psm-bot user merge KEEP ABSORB [--yes]`: two users who are one person made one by hand.

A PSM who registered twice (on Telegram and on WhatsApp, before the channels were linked by
a verified phone), or changed phone without Meta's word of it (`user_changed_number`), has
two users. Everything of ABSORB (channel accounts, drafts, cases, training invitations and
attendance, messages not sent yet) moves to KEEP (storage/user_merge.py); ABSORB's row stays,
suspended, without role or region (the audit log names it); a registration begun on it is
cancelled when KEEP is past theirs. Each is named by user id or by
a phone number verified for them (as `user export` takes it).

Without `--yes` nothing changes: what would move is printed. What cannot be one person is
refused: two roles or regions, the role on ABSORB only, two drafts of the same form.
The bot must be stopped (its lock is taken): a turn under way must not write to an account
moved under it. Audited `user.merged` (subject ABSORB, `into` KEEP, accounts' numbers
masked); the person told on each of their chats surely theirs (`account_link.merged`).
A merge is not undone: nothing splits the accounts again (the notice says to call the
coordinator, who can suspend the account, if one is not theirs)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Settings, load_settings
from bot.export_file import operator
from bot.lock import ProcessLock
from bot.runtime import one_transaction
from bot.user_tools import NotOneUser, UserNamed, find_user
from handlers.account_links import numbers_of, tell_merged
from handlers.people.common import masked_phone
from handlers.registration import FORM_ID as REGISTRATION
from storage.models import ChannelIdentity, User, UserStatus
from storage.repos import Repos

MERGED = "user.merged"
STOP_THE_BOT = (
    "another psm-bot process is using {database}: stop the bot first, then merge"
    " (a message under way must not land on an account being moved)"
)


class MergeRefused(Exception):
    """The two users cannot be merged as they are; the message says why and what to do."""


@dataclass
class MergeSummary:
    """What a merge moves (or would: `done` False for a dry run)."""

    keep: User
    absorb: User
    accounts: list[str]
    moves: dict[str, int] = field(default_factory=dict)
    done: bool = False
    told: list[str] = field(default_factory=list)  # the channels KEEP was told on


def user_named(text: str) -> UserNamed:
    """A user id ("12": up to 8 digits, none leading 0), else a phone number as people
    write it (08..., +628..., 628...: 10 digits or more)."""
    digits = text.strip()
    if digits.isdigit() and len(digits) <= 8 and not digits.startswith("0"):
        return UserNamed(user_id=int(digits))
    return UserNamed(phone=text)


def _described(user: User) -> str:
    role = user.role or (f"asked for {user.requested_role}" if user.requested_role else "no role")
    return f"user {user.id} ({user.full_name or 'no name'}; {role}, {user.status})"


def _account(identity: ChannelIdentity) -> str:
    """A channel account for the operator and the audit: its channel and number, masked."""
    numbers = sorted(numbers_of(identity))
    return f"{identity.channel} {masked_phone(numbers[0])}" if numbers else identity.channel


async def _refusal(repos: Repos, keep: User, absorb: User) -> str | None:
    """Why the two cannot be merged as they are, else None."""
    if keep.id == absorb.id:
        return f"KEEP and ABSORB are the same user {keep.id}"
    for user in (keep, absorb):
        if user.merged_into is not None:
            return f"user {user.id} was already merged into user {user.merged_into} (see /audit)"
    if keep.status == UserStatus.REGISTERING and absorb.status != UserStatus.REGISTERING:
        return (
            f"{_described(absorb)} is further along than {_described(keep)}, still"
            f" registering: keep it (psm-bot user merge {absorb.id} {keep.id})"
        )
    if absorb.role and not keep.role:
        return (
            f"{_described(absorb)} has a role and {_described(keep)} has none: keep the one"
            f" with the role (psm-bot user merge {absorb.id} {keep.id})"
        )
    if keep.role and absorb.role and keep.role != absorb.role:
        return (
            f"{_described(keep)} and {_described(absorb)} have two roles: a person has one;"
            " change or suspend one on /pengguna first"
        )
    regions = [(u.kabupaten_code, u.kecamatan_code, u.desa_code) for u in (keep, absorb)]
    if keep.role and absorb.role and regions[0] != regions[1]:
        return (
            f"{_described(keep)} and {_described(absorb)} are in two regions"
            f" ({' / '.join(filter(None, regions[0]))} and"
            f" {' / '.join(filter(None, regions[1]))}): correct one on /pengguna first"
        )
    if absorb.status == UserStatus.ACTIVE and keep.status != UserStatus.ACTIVE:
        return (
            f"{_described(absorb)} is active and {_described(keep)} is not: reactivate the kept"
            " one on /pengguna first, or keep the active one"
        )
    both = await _open_forms(repos, keep.id) & await _open_forms(repos, absorb.id)
    both -= _cancelled_forms(keep)
    if both:
        return (
            f"both have a draft of {', '.join(sorted(both))}: the person finishes or cancels"
            " (/batal) one of them first"
        )
    return None


def _cancelled_forms(keep: User) -> frozenset[str]:
    """The absorbed user's drafts dropped, not moved: a registration, when the kept person
    is past theirs."""
    return frozenset() if keep.status == UserStatus.REGISTERING else frozenset({REGISTRATION})


async def merge_users(
    settings: Settings, keep_named: UserNamed, absorb_named: UserNamed, *, apply: bool
) -> MergeSummary:
    """Merge ABSORB into KEEP (`apply`), else only say what would move. NotOneUser when
    either is nobody (or several people); MergeRefused when they cannot be one person."""
    async with one_transaction(settings) as (repos, app):
        keep = await repos.users.get(await find_user(repos, keep_named))
        absorb = await repos.users.get(await find_user(repos, absorb_named))
        assert keep is not None and absorb is not None
        refusal = await _refusal(repos, keep, absorb)
        if refusal:
            raise MergeRefused(refusal)
        moved = await repos.users.identities_of(absorb.id)
        accounts = [_account(i) for i in moved]
        summary = MergeSummary(keep=keep, absorb=absorb, accounts=accounts)
        if not apply:
            summary.moves = await repos.user_merge.counts(absorb.id)
            return summary
        now = datetime.now(UTC)
        summary.moves = await repos.user_merge.merge(
            keep=keep.id, absorb=absorb.id, now=now, cancel_forms=_cancelled_forms(keep)
        )
        await repos.audit.record(
            now=now,
            actor_id=None,
            action=MERGED,
            subject=f"user:{absorb.id}",
            detail={
                "into": keep.id,
                "accounts": accounts,
                "moved": {what: n for what, n in summary.moves.items() if n},
                "found_by": [keep_named.way, absorb_named.way],
                "operator": operator(),
            },
        )
        kept = await repos.users.get(keep.id)
        assert kept is not None
        summary.told = await tell_merged(repos, app, kept, moved, now=now)
        summary.done = True
        return summary


def _told_line(channels: list[str]) -> str:
    """Whether the person hears of the merge, so the operator knows to call them if not."""
    if not channels:
        return "the person was not told: they have no chat with the bot yet"
    return (
        f"the person is told on {', '.join(sorted(set(channels)))}"
        " (queued: sent once the bot runs again)"
    )


def cmd_user_merge(args: argparse.Namespace) -> int:
    """`psm-bot user merge KEEP ABSORB [--yes]`."""
    keep, absorb = user_named(args.keep), user_named(args.absorb)
    settings = load_settings()
    try:
        if args.yes:
            with ProcessLock(settings.database_path, busy=STOP_THE_BOT):
                summary = asyncio.run(merge_users(settings, keep, absorb, apply=True))
        else:
            summary = asyncio.run(merge_users(settings, keep, absorb, apply=False))
    except (NotOneUser, MergeRefused) as exc:
        print(f"psm-bot user merge: {exc}; nothing changed", file=sys.stderr)
        return 1
    verb = "moved" if summary.done else "would move"
    print(f"{_described(summary.absorb)} into {_described(summary.keep)}: {verb}")
    print(f"  channel accounts: {', '.join(summary.accounts) or 'none'}")
    for what, count in summary.moves.items():
        if count and what != "channel accounts":
            print(f"  {what}: {count}")
    if summary.done:
        print(
            f"user {summary.absorb.id} is left suspended, without role or region;"
            " logged in the audit; this cannot be undone"
        )
        print(_told_line(summary.told))
    else:
        print(
            "dry run, nothing changed: stop the bot, then add --yes to merge"
            " (a merge cannot be undone: take a backup first)"
        )
    return 0


async def _open_forms(repos: Repos, user_id: int) -> set[str]:
    """The forms the user has a draft of (a session active or paused)."""
    return {s.form_id for s in await repos.forms.of_user(user_id, ("active", "paused"))}
