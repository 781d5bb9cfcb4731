"""The tap on a WhatsApp template's "Buka pesan" (`OPEN_WAITING`): what it announced, held
behind the closed window, goes out with the tap (handlers/identity.py releases it). When the
tap releases nothing (the held message expired, a routine one after its lifetime, or went out
already after another message), the announcement is no longer news: that is said, with what
waits for the person now (their reminder's standing lines and buttons), or their main menu
when nothing does, instead of the menu alone as if the tap had been ignored."""

from __future__ import annotations

from handlers.account import show_menu
from handlers.context import Turn
from handlers.events import Outbound
from handlers.main_menu import menu_rows
from handlers.reminders import standing_work
from handlers.welcome import is_active


async def open_waiting(turn: Turn) -> None:
    """A template's tap: nothing more when it released what it announced."""
    if turn.released.count:
        return
    if turn.user is None or not is_active(turn):
        await show_menu(turn)
        return
    items = await standing_work(turn.repos, turn.app, turn.user, turn.now)
    if not items:
        # The main menu's buttons under it (the whole help would be a second message).
        nothing = turn.t("template_tap.nothing_waits")
        rows = menu_rows(turn)
        if rows:
            turn.reply(Outbound.say(nothing + "\n" + turn.t("menu.title"), rows))
        else:
            await show_menu(turn, nothing + "\n\n")
        return
    text = "\n".join([turn.t("template_tap.now_waiting"), *(item.line for item in items)])
    turn.reply(Outbound.say(text, [row for item in items for row in item.buttons]))
