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

Where a typed number does count buttons (a form's choice question, handlers/forms/
choice_step.py; a region or PSM picker, handlers/region_pickers.py), one rule and one wording:
it counts the option buttons in sight, never rows behind WhatsApp's "Pilih" list button
(`number_hidden`), and a number beyond the options is said as the button it lands on
(`number_beyond`: "Nomor 9 bukan pilihan: pilih salah satu nomor 1–8, atau tekan
Berikutnya").
"""

from __future__ import annotations

import html
from collections.abc import Callable

from handlers.context import Turn
from handlers.events import InboundKind, Outbound, small_number
from handlers.forms.choices import only_numbers
from handlers.refusal_above import above

Texts = Callable[..., str]  # a catalogue text in the person's language: t(key, **values)


def number_hidden(t: Texts, number: str) -> str:
    """A number typed where the options sit behind one button with no number next to them
    (WhatsApp's list, `ChannelTraits.hides_options`): nothing counted, pick from the list
    (its button named) or type the name."""
    return t("answer.number_hidden", number=number, choose=t("whatsapp.choose"))


def number_beyond(t: Texts, number: str, counted: int, beyond: list[str], cancel: int = 0) -> str:
    """A typed number past the `counted` option buttons, said as what it lands on: one of the
    buttons shown after them (`beyond`, their labels in the order shown: a page, group, skip,
    done, "whole list" button), "press Berikutnya"; one of `cancel` buttons after those
    (a review's "✖️ Batal" under a form), "type batal"; past every button, not in the list
    (QA walk 10: a number the person saw on a button read "not in the list")."""
    index = (small_number(number) or 0) - 1 - counted
    numbers = "1" if counted == 1 else f"1–{counted}"
    if 0 <= index < len(beyond):
        button = html.escape(beyond[index].strip(" ‹›«»"))
        return t("answer.number_is_a_button", number=number, numbers=numbers, button=button)
    if 0 <= index - len(beyond) < cancel:
        return t("answer.number_is_cancel", number=number, numbers=numbers)
    return t("answer.number_not_listed", number=number)


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
    turn.reply(above(menu, "⚠️ " + warning))


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
