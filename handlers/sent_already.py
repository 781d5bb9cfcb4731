"""A case form sent already, said as such: its "✅ Kirim" tapped again on a slow network, or
"kirim" typed again soon after, read "Tombol itu sudah tidak berlaku" with the whole help, or
"Maaf, kami belum mengerti pesan itu", as if the sending had failed (QA walk 13). Now the case
it sent is named with what was done and when, as a stale review button says it
(handlers/review/change_said.py): "Laporan KNG-2026-000001 sudah Bapak/Ibu ajukan (10.00);
sekarang berstatus Diajukan."
"""

from __future__ import annotations

from datetime import timedelta

from handlers.case_forms import case_of_session
from handlers.context import Turn
from handlers.forms.answers import normalise_word
from handlers.forms.summary_replies import SEND_WORDS
from handlers.review.change_said import last_change_said
from handlers.scope import scope_of

# How soon after a form was sent its Kirim tapped again, or "kirim" typed, is about it: a slow
# network's retry, not a word for something else an hour later.
SENT_RECENTLY = timedelta(minutes=30)
SEND_ACTION = "ok"  # a form summary's Kirim (handlers/forms/view.py)


async def tell_sent(turn: Turn, *, old_button: bool) -> bool:
    """The case of the form the person sent last, within `SENT_RECENTLY`, said as done
    (`old_button`: after "that button is from an old message"); False where none is."""
    assert turn.user is not None
    session = await turn.repos.forms.latest_finished(turn.user.id, turn.now - SENT_RECENTLY)
    case_id = case_of_session(session) if session is not None else None
    if case_id is None:
        return False
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    if case is None:
        return False
    text = await last_change_said(turn, case)
    turn.reply(turn.t("review.old_button") + " " + text if old_button else text)
    return True


async def tell_sent_tapped(turn: Turn) -> bool:
    """A form's Kirim tapped with no form open: the case it sent, if sent just now."""
    action = (turn.event.data or "").partition(":")[2]
    return action == SEND_ACTION and await tell_sent(turn, old_button=True)


async def tell_sent_typed(turn: Turn) -> bool:
    """ "kirim" (a summary's word for sending) typed with no form open: the same."""
    word = normalise_word(turn.event.text or "")
    return word in SEND_WORDS and await tell_sent(turn, old_button=False)
