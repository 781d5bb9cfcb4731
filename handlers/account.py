"""A person's own account: profile (/saya), help (/bantuan), language (/bahasa)."""

from __future__ import annotations

from handlers import channel_choice
from handlers.command_menu import role_help, served_elsewhere
from handlers.context import Turn
from handlers.district_contact import contact_note
from handlers.events import Button, Outbound
from handlers.i18n import LANGUAGES
from handlers.main_menu import menu_rows
from handlers.people.common import phone_shown
from handlers.regions import region_name, region_name_after_level
from handlers.registration_rejection import latest_rejection, reason_lines, reason_of_entry
from handlers.status_explained import naming, rejected_by, suspended_by
from storage.models import UserStatus

LANGUAGE_PREFIX = "lang"
# Words a name may start with that already address the person ("Pak Tono", "Bu Wati",
# "Teh Iis"): the greeting then says the name alone, not "Bapak/Ibu Pak Tono".
HONORIFICS = frozenset(
    {"pak", "bapak", "bpk", "bp", "bu", "ibu", "mas", "mbak", "mba", "kang", "akang", "teh",
     "teteh", "sdr", "sdri", "saudara", "saudari"}
)  # fmt: skip


def has_honorific(name: str) -> bool:
    """Whether a name starts with a word that addresses its bearer ("Pak.", "bu")."""
    first, *_ = name.split(maxsplit=1) or [""]
    return first.rstrip(".").casefold() in HONORIFICS


def welcome_back(turn: Turn) -> str:
    """The greeting of someone coming back: "Bapak/Ibu Tono", or "Pak Tono" alone when the
    name says it."""
    assert turn.user is not None
    name = turn.user.full_name
    key = "start.welcome_back_named" if has_honorific(name) else "start.welcome_back"
    return turn.t(key, name=name)


def welcome_first(turn: Turn) -> str:
    """The greeting of someone active from their very first message (an admin by the
    settings, someone added on the command line): welcome, and the role they have."""
    assert turn.user is not None
    name = turn.user.full_name
    key = "start.welcome_first_named" if has_honorific(name) else "start.welcome_first"
    role = turn.t(f"roles.{turn.user.role}") if turn.user.role else "-"
    return turn.t(key, name=name, role=role)


async def show_profile(turn: Turn) -> None:
    """/saya: who the bot thinks I am, and where to read about my data (/privasi)."""
    user = turn.user
    assert user is not None
    role = (
        turn.t(f"roles.{user.role or user.requested_role}")
        if (user.role or user.requested_role)
        else "-"
    )
    card = turn.t(
        "profile.card",
        name=user.full_name or "-",
        role=role,
        status=turn.t(f"status.{user.status}"),
        kabupaten=await region_name_after_level(turn, user.kabupaten_code),
        kecamatan=await region_name(turn, user.kecamatan_code),
        desa=await region_name(turn, user.desa_code),
        phone=phone_shown(turn.app.catalog, turn.language, user.phone, user.phone_verified),
        language=turn.t(f"languages.{user.language}"),
    )
    card += "\n" + turn.t("profile.privacy")  # where a copy or deletion is asked (UU PDP)
    offered = await channel_choice.choice(turn)  # people on both channels pick one
    if offered is None:
        turn.reply(card)
    else:
        turn.reply(Outbound.say(card + "\n\n" + offered[0], offered[1]))


async def help_text(turn: Turn) -> str:
    """Plain-words help for the person's role, suspension or registration state (who
    suspended or rejected them named where known)."""
    user = turn.user
    if user is not None and user.status == UserStatus.SUSPENDED:
        # Not the registration's help: they were approved.
        key, values = naming("help.suspended", await suspended_by(turn.repos, user.id))
        return turn.t(key, **values)
    if user is not None and user.status == UserStatus.REJECTED:
        # Not the registration's help either: why it was rejected and what they can do.
        entry = await latest_rejection(turn.repos, user.id)
        lines = reason_lines(turn, user, reason_of_entry(entry), candidate=False)
        key, values = naming("help.rejected", await rejected_by(turn.repos, entry))
        return turn.t(key, **values) + (f"\n\n{lines}" if lines else "")
    if user is not None and user.status == UserStatus.PENDING:
        return turn.t("help.pending")  # sent already: nothing to start or continue
    if user is None or user.status != UserStatus.ACTIVE or user.role is None:
        return turn.t("help.not_active")
    return role_help(turn.app.catalog, user, served_elsewhere(turn.app, turn.event.channel))


async def show_help(turn: Turn) -> None:
    """/bantuan, with the contact of the person's district office when it is set."""
    note = ""
    if turn.user is not None:
        note = await contact_note(
            turn.repos, turn.app.catalog, turn.language, turn.user.kabupaten_code
        )
    turn.reply(await help_text(turn) + note)


async def show_menu(turn: Turn, prefix: str = "") -> None:
    """/menu: what I can do, with buttons for my daily work."""
    turn.reply(Outbound.say(prefix + await help_text(turn), menu_rows(turn)))


async def ask_language(turn: Turn) -> None:
    """/bahasa: offer the languages."""
    buttons = [
        [
            Button(label=turn.t(f"languages.{code}"), data=f"{LANGUAGE_PREFIX}:{code}")
            for code in LANGUAGES
        ]
    ]
    turn.reply(Outbound.say(turn.t("language.choose"), buttons))


async def set_language(turn: Turn, data: str) -> None:
    """A language button was tapped: said in the new language, then the main menu in it
    (what next, as after a report), unless a form is open (its question stays the next
    step) or the person has no menu (not active)."""
    assert turn.user is not None
    code = data.partition(":")[2]
    if code not in LANGUAGES:
        turn.reply(turn.t("errors.unknown_button"))
        return
    turn.user = await turn.repos.users.update(turn.user.id, now=turn.now, language=code)
    changed = turn.t("language.changed")
    turn.toast = changed
    rows = menu_rows(turn)
    if rows and await turn.repos.forms.active(turn.user.id) is None:
        turn.reply(Outbound.say(f"{changed}\n\n{turn.t('menu.title')}", rows))
    else:
        turn.reply(changed)
