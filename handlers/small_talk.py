"""Everyday words outside a form, answered in a line instead of "not understood" and the
whole help (QA walk 15): thanks ("terima kasih bu", "makasih", "tq"), a greeting or a ping
("P", "assalamualaikum", "selamat pagi"), and "perbaiki" after a "Perlu perbaikan" notice,
which opens the one case sent back to the person (several: one button each). Read as chat
is typed (handlers/chat_words.py); inside a form these words are the form's answer.
"""

from __future__ import annotations

from handlers.account import welcome_back, welcome_first
from handlers.chat_words import plain
from handlers.context import Turn
from handlers.events import Outbound
from handlers.forms.typed_words import greeting as greeting_kind
from handlers.review.buttons import REVISE_PREFIX
from handlers.review.reporter import revise_button, revise_buttons

_THANKS = frozenset({
    "terima kasih", "terimakasih", "trima kasih", "trimakasih", "makasih", "makasi", "mksh",
    "tq", "tks", "thx", "thanks", "thank you", "trims", "nuhun", "hatur nuhun", "matur nuwun",
    "suwun", "ok terima kasih", "oke terima kasih", "baik terima kasih", "terima kasih banyak",
    "makasih banyak", "siap terima kasih", "baik makasih", "ok makasih", "oke makasih",
})  # fmt: skip
_REVISE = frozenset({"perbaiki", "perbaikan", "perbaiki laporan", "revisi", "koreksi"})


async def answer(turn: Turn) -> bool:
    """Everyday words answered in a line (see the module); False for any other text."""
    said = plain(turn.event.text or "")
    menu = turn.t("small_talk.menu_line")
    # The first word of someone added on the server is no "Selamat datang kembali".
    greeting = welcome_first if turn.first_contact else welcome_back
    if said in _THANKS:
        turn.reply(f"{turn.t('small_talk.thanks')}\n{menu}")
    elif (kind := greeting_kind(turn.event.text or "")) is not None:
        key = "small_talk.salam" if kind == "salam" else "small_talk.hello"
        turn.reply(f"{turn.t(key, greeting=greeting(turn))}\n{menu}")
    elif said in _REVISE:
        await _open_sent_back(turn)
    else:
        return False
    return True


async def _open_sent_back(turn: Turn) -> None:
    """The one case sent back to the person opened, as its "Perbaiki" button; several, one
    button each; none, that is said with where their reports are."""
    assert turn.user is not None
    cases = await turn.repos.cases.sent_back(turn.user.id)
    if len(cases) == 1:
        await revise_button(turn, f"{REVISE_PREFIX}:{cases[0].id}")
    elif cases:
        buttons = revise_buttons(turn.app.catalog, turn.language, cases)
        turn.reply(Outbound.say(turn.t("small_talk.revise_which", count=len(cases)), buttons))
    else:
        turn.reply(turn.t("small_talk.revise_none"))
