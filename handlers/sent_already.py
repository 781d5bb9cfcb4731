"""A case form sent already, said as such: its "✅ Kirim" tapped again on a slow network, or
"kirim" typed again soon after, read "Tombol itu sudah tidak berlaku" with the whole help, or
"Maaf, kami belum mengerti pesan itu", as if the sending had failed (QA walk 13). Now the case
it sent is named with what was done and when, as a stale review button says it
(handlers/review/change_said.py): "Laporan KNG-2026-000001 sudah Bapak/Ibu ajukan (10.00);
sekarang berstatus Diajukan." A photo or a location with no form open (a GPS fix arriving
after the form was sent) is said not kept in one line, not with the whole help.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.case_forms import case_of_session
from handlers.context import Turn
from handlers.events import InboundKind
from handlers.forms.answers import normalise_word
from handlers.forms.summary_replies import SEND_WORDS
from handlers.review.change_said import last_change_said
from handlers.scope import scope_of

# How soon after a form was sent its Kirim tapped again, or "kirim" typed, is about it: a slow
# network's retry, not a word for something else an hour later.
SENT_RECENTLY = timedelta(minutes=30)
SEND_ACTION = "ok"  # a form summary's Kirim (handlers/forms/view.py)


async def _sent_said(turn: Turn) -> str | None:
    """The case of the form the person sent last, within `SENT_RECENTLY`, said as done; None
    where none is."""
    assert turn.user is not None
    session = await turn.repos.forms.latest_finished(turn.user.id, turn.now - SENT_RECENTLY)
    case_id = case_of_session(session) if session is not None else None
    if case_id is None:
        return None
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    return await last_change_said(turn, case) if case is not None else None


async def tell_sent(turn: Turn, *, old_button: bool) -> bool:
    """The case of the form the person sent last, within `SENT_RECENTLY`, said as done
    (`old_button`: after "that button is from an old message"); False where none is."""
    text = await _sent_said(turn)
    if text is None:
        return False
    turn.reply(turn.t("review.old_button") + " " + text if old_button else text)
    return True


async def tell_media_not_kept(turn: Turn) -> bool:
    """A photo or a location with no form open (a GPS fix arriving after the form was sent):
    one line that it was not kept, with the case sent just now if any, and where the help is,
    not "not understood" with the whole help (QA walk 13). False for any other message."""
    event = turn.event
    if event.kind == InboundKind.LOCATION:
        line = turn.t("errors.location_not_kept")
    elif event.kind == InboundKind.PHOTO or event.image_document:
        line = turn.t("errors.photo_not_kept")
    else:
        return False
    if (sent := await _sent_said(turn)) is not None:
        line += " " + sent
    turn.reply(line + "\n" + turn.t("errors.help_pointer"))
    return True


async def tell_sent_tapped(turn: Turn) -> bool:
    """A form's Kirim tapped with no form open: the case it sent, if sent just now."""
    action = (turn.event.data or "").partition(":")[2]
    return action == SEND_ACTION and await tell_sent(turn, old_button=True)


async def tell_sent_typed(turn: Turn) -> bool:
    """ "kirim" (a summary's word for sending) typed with no form open: the same."""
    word = normalise_word(turn.event.text or "")
    return word in SEND_WORDS and await tell_sent(turn, old_button=False)
