"""Numbers typed back to a menu outside a form (WhatsApp's numbered text: /bimtek's trainings
or /pengguna's lists whose rows would share a title, more than 10 options), or below which a
form waits (handlers/side_trip_menus.py): one option at a time.

A channel that prints options as numbered text reads what is typed back itself: one printed
number comes as that button's tap; a list ("1,2"), or a number it did not print, comes as
`Inbound.picks` with the message the numbers were printed in (`Inbound.picked_from`). Such
a menu takes one pick, so the person is told why nothing happened and sees the same menu
again. (A form's questions answer picks themselves: handlers/forms/choice_step.py.)

A number no channel printed, typed outside a form where no list takes a typed reply (a
review's or a training's buttons, on Telegram or as WhatsApp buttons): those buttons act at
once (approve, send back, attend), so a digit is never taken for one; the person is told to
tap it (`unread_number_hint`), under "not understood", with a one-line pointer to /bantuan
rather than the whole help (on WhatsApp that is a screen for one digit). Those lists' rows are
not numbered on either channel (Telegram's buttons, WhatsApp's interactive list), so a digit
is not guessed to be the n-th row.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import InboundKind, Outbound
from handlers.forms.choices import only_numbers


async def refuse_picks(turn: Turn) -> None:
    """ "Type one number" (or "number 12 is not in the list"), with the menu again."""
    picks = turn.event.picks
    if len(picks) > 1:
        warning = turn.t("answer.one_number")
    else:
        warning = turn.t("answer.number_not_listed", number=picks[0].number)
    menu = await _printed_menu(turn)
    if menu is None:
        turn.reply("⚠️ " + warning)
        return
    turn.reply(menu.model_copy(update={"text": "⚠️ " + warning + "\n\n" + menu.text}))


async def _printed_menu(turn: Turn) -> Outbound | None:
    """The message the numbers were printed in, when it went to this person in this chat
    and still holds its text and options (texts are blanked after the transcript period)."""
    event = turn.event
    if event.picked_from is None or turn.user is None:
        return None
    item = await turn.repos.outbox.get(event.picked_from)
    if (
        item is None
        or item.user_id != turn.user.id
        or item.channel != event.channel
        or item.chat_id != event.chat_id
        or item.message.get("cleared")
    ):
        return None
    message = Outbound.model_validate(item.message)
    if message.type != "text" or not message.buttons:
        return None
    return message


def unread_number_hint(turn: Turn) -> str | None:
    """ "To choose from a message, tap its button" when the text is only numbers ("1",
    "1, 2") that nothing read; None for any other message."""
    event = turn.event
    if event.kind != InboundKind.TEXT or not event.text or not only_numbers(event.text):
        return None
    return turn.t("errors.number_tap_button")
