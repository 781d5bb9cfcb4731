"""A button's label typed instead of tapped ("validasi" under a case's notice whose
"✅ Validasi (setujui)" scrolled away), outside a form where nothing else read it: the
buttons of the last message (a review's, a training's, the menu's) act at once, so a word is
never taken for one; the person is told to tap it, as for a typed number
(handlers/typed_numbers.py), not shown the whole help."""

from __future__ import annotations

import re

from handlers.context import Turn
from handlers.events import InboundKind, Outbound

# What a label and a typed word are compared by: the words alone, without emoji, marks or case.
_NOT_A_WORD = re.compile(r"[^\w]+")
# A long label's own words before its details ("Dewi · Desa Babatan", "Validasi (setujui)").
_DETAILS = re.compile(r"\s*[·(].*$")


def _words(text: str) -> str:
    return " ".join(_NOT_A_WORD.sub(" ", text).split()).casefold()


async def unread_label_hint(turn: Turn) -> str | None:
    """ "To choose "Validasi", tap its button" when the text is the label of a button of the
    last message sent to this chat (whole, or its words before " · " or "("); None for any
    other message."""
    event = turn.event
    if event.kind != InboundKind.TEXT or not event.text or turn.user is None:
        return None
    typed = _words(event.text)
    if not typed:
        return None
    last = await turn.repos.outbox.last_text_to_chat(
        user_id=turn.user.id, channel=event.channel, chat_id=event.chat_id
    )
    if last is None or last.message.get("cleared"):
        return None
    message = Outbound.model_validate(last.message)
    for row in message.buttons or []:
        for button in row:
            if typed in (_words(button.label), _words(_DETAILS.sub("", button.label))):
                return turn.t("errors.label_tap_button", label=_DETAILS.sub("", button.label))
    return None
