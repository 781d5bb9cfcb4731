"""The main menu's buttons (/menu, /start, after a report is sent): each person's daily work.

A button per command of the table below that the person's role may use (their command menu,
handlers/command_menu.py): the review queue and the people first for those who review and
manage, then reporting. Five buttons at most, so every channel shows them as buttons: WhatsApp
as reply buttons up to three, as one list (up to 10 rows) beyond (bot/channels/whatsapp).
A tap does what the command does (handlers/router.py).
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.command_menu import command_names
from handlers.context import Turn
from handlers.events import Button, Outbound
from storage.models import User

MENU_PREFIX = "menu"
# Rows of (command, label key), in the order shown; a row keeps the buttons the person may use.
MENU_ROWS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("antrian", "menu.queue"), ("pengguna", "menu.people")),
    (("lapor", "menu.report"),),
    (("draf", "menu.drafts"), ("laporan_saya", "menu.my_reports")),
)
# Commands a notice's button runs as the menu's buttons do, though the menu lists none of them:
# tomorrow's Bimtek in the daily reminder offers its schedule and the check-in.
NOTICE_COMMANDS = frozenset({"jadwal", "hadir"})
MENU_COMMANDS = frozenset(command for row in MENU_ROWS for command, _ in row) | NOTICE_COMMANDS


def menu_rows(turn: Turn) -> list[list[Button]]:
    """The person's main-menu buttons (none for someone who may use none of them)."""
    return rows_for(turn.user, turn.t)


def rows_for(user: User | None, text: Callable[[str], str]) -> list[list[Button]]:
    """Someone's main-menu buttons, labelled by `text` (a key's text in their language): for
    a message to another person than the one whose turn it is (their approval)."""
    mine = set(command_names(user))
    rows = [
        [
            Button(label=text(label), data=f"{MENU_PREFIX}:{command}")
            for command, label in row
            if command in mine
        ]
        for row in MENU_ROWS
    ]
    return [row for row in rows if row]


def main_menu(turn: Turn) -> Outbound:
    """ "What would you like to do?" with the person's buttons."""
    return Outbound.say(turn.t("menu.title"), menu_rows(turn))
