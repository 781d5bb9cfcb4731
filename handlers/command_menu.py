"""Each person's command menu: only the commands their role may use, in their language;
and their help (/bantuan), which lists the same commands. Which commands a person may use
(`may_use`: the menu's, the open ones, `kontak` while waiting) is answered here once: the
router reads a typed word they may not use inside a form as text, not a command.

Channels with a command menu (Telegram's "/" list) show it per chat; the menu is sent as an
outbound `menu` message whenever what a person should see differs from what their chat was
last given (a new role, suspension, another language, a new release's commands), checked on
each message they send. Channels without one (`ChannelTraits.has_command_menu` false, e.g.
WhatsApp) are sent nothing.
"""

from __future__ import annotations

import hashlib

from handlers import export
from handlers.context import AppContext, Turn
from handlers.events import Outbound
from handlers.i18n import Catalog
from handlers.permissions import allowed
from storage.models import User, UserStatus

# Command -> the permission it needs (any of them); () = every active person.
COMMAND_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "lapor": ("case.report",),
    "draf": ("case.report",),
    "laporan_saya": ("case.list_own",),
    "antrian": ("case.queue",),
    "cari": ("case.search",),
    "statistik": ("case.stats",),
    "ekspor": ("case.export",),
    "siaran": ("broadcast.send",),
    "pengingat": ("reminder.settings", "reminder.district"),
    "jadwal": ("training.attend",),
    "hadir": ("training.attend",),
    "bimtek": ("training.manage",),
    "bimtek_baru": ("training.create",),
    "pengguna": ("people.manage",),
    "audit": ("audit.view",),
    "templat": ("whatsapp.template_count",),
    "daftar": ("registration.apply",),
    "nomor": ("phone.change",),
    "kontak": ("district.contact", "district.contact_view"),
    "privasi": (),
    "menu": (),
    "saya": (),
    "bantuan": (),
    "bahasa": (),
    "batal": (),
}
# What someone not (or no longer) active may use: the menu everyone sees first.
VISITOR_COMMANDS = ("start", "bantuan", "bahasa", "batal")
# Commands anyone may use, registered or not.
# (/privasi too: anyone may ask what is kept about them, UU PDP.)
OPEN_COMMANDS = frozenset({"start", "daftar", "bantuan", "help", "bahasa", "batal", "privasi"})
# Commands someone waiting for approval may use too (the office's contact).
PENDING_COMMANDS = frozenset({"kontak"})


def command_names(user: User | None) -> list[str]:
    """The commands this person's menu lists, in menu order."""
    if user is None or user.status != UserStatus.ACTIVE or user.role is None:
        return list(VISITOR_COMMANDS)
    return [
        name
        for name, actions in COMMAND_PERMISSIONS.items()
        if not actions or any(allowed(user, action) for action in actions)
    ]


def may_use(user: User | None, command: str) -> bool:
    """Whether this person may use a command now: the open ones anyone, `kontak` someone
    waiting for approval too, any other an active person whose role allows it (what their
    menu lists; the handler still checks the scope). Inside a form a command word they may
    not use is no command for them, but text answering the question (handlers/router.py)."""
    if command in OPEN_COMMANDS:
        return True
    if user is not None and user.status == UserStatus.PENDING and command in PENDING_COMMANDS:
        return True
    return command in command_names(user)


def role_help(catalog: Catalog, user: User, elsewhere: frozenset[str] = frozenset()) -> str:
    """An active person's help, in their language: the commands their role may use (their
    menu, in its order), each in the role's own words where it has them, then its note.
    Commands in `elsewhere` work only on another channel than the one asked on (/ekspor's
    file on WhatsApp) and say so, as the command itself would."""
    language = user.language
    lines = [catalog.text(language, "help.title")]
    for name in command_names(user):
        own_key = f"help.by_role.{user.role}.{name}"
        commands_key = f"help.commands.{name}"
        description = catalog.text(language, own_key if catalog.has(own_key) else commands_key)
        if name in elsewhere:
            description = catalog.text(language, "help.elsewhere", description=description)
        lines.append(f"/{name} - {description}")
    note_key = f"help.notes.{user.role}"
    if catalog.has(note_key):
        lines.append(catalog.text(language, note_key))
    return "\n".join(lines)


def served_elsewhere(app: AppContext, channel: str) -> frozenset[str]:
    """The commands a channel cannot serve: they work on another one (/ekspor's file on
    WhatsApp), and the help says so there."""
    return frozenset() if export.served_on(app, channel) else frozenset({"ekspor"})


async def notice_help(turn: Turn, person: User) -> str:
    """`role_help` for a notice to `person` (approved, a new role, back in use): a command
    one of their channels cannot serve says so ("hanya di Telegram"), as that channel's own
    help does. Each of their channels, not only the one it is queued on: a notice follows
    the person to their other channel when the first cannot reach them
    (handlers/unreachable.py)."""
    identities = await turn.repos.users.identities_of(person.id)
    elsewhere = frozenset().union(*(served_elsewhere(turn.app, i.channel) for i in identities))
    return role_help(turn.app.catalog, person, elsewhere)


def menu_for(turn: Turn, user: User | None, language: str) -> list[tuple[str, str]]:
    """(command, description) pairs for a person in a language."""
    catalog = turn.app.catalog
    return [(name, catalog.text(language, f"commands.{name}")) for name in command_names(user)]


def menu_key(commands: list[tuple[str, str]]) -> str:
    """A short fingerprint of a menu: a chat given this menu needs nothing new."""
    text = "\n".join(f"{name}={description}" for name, description in commands)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


async def refresh_menu(turn: Turn) -> None:
    """Give the person's chat their menu if it differs from the one it was last given."""
    if turn.user is None or turn.identity is None or not turn.channel_traits.has_command_menu:
        return
    commands = menu_for(turn, turn.user, turn.user.language)
    key = menu_key(commands)
    if turn.identity.menu_key == key:
        return
    if turn.identity.menu_key is None and command_names(turn.user) == list(VISITOR_COMMANDS):
        return  # the menu every chat starts with (published at start-up) is already theirs
    await turn.repos.users.set_menu_key(turn.identity.id, key)
    turn.reply(Outbound(type="menu", commands=commands))
