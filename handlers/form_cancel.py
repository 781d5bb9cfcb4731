"""/batal: asking whether to drop the form being filled in, and the answer, tapped
("cx:y|n:<session>") or typed (ya/tidak while the question waits beside the form). A form
with nothing answered yet (`FormSession.untouched`: no draft) is dropped at once.

A dropped form that interrupted another (a check-in's code amid a report) brings that one
back; how each form's "cancel?" and "cancelled" are worded is the runner's `cancel_text`
(a correction's own words: handlers/correction_cancel.py).
"""

from __future__ import annotations

from handlers import (
    correction_cancel,  # noqa: F401 (how cancelling a correction is worded)
    registration,
)
from handlers.context import Turn
from handlers.events import Button, InboundKind, Outbound, button_fields
from handlers.forms.answers import NO_WORDS, YES_WORDS, normalise_word
from handlers.forms.runner import (
    RETURNS_TO,
    cancel_form,
    cancel_text,
    hold,
    resume_form,
    resume_interrupted,
)
from storage.models import FormSession

CANCEL_PREFIX = "cx"


async def ask_cancel(turn: Turn, *, again: bool = False) -> None:
    """/batal: ask whether to drop the form being filled in (again: the answer was unclear)."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is None:
        turn.reply(turn.t("cancel.nothing"))
        return
    if session.untouched and not again:
        # Nothing answered (a report at its first question): no draft to lose, nothing to
        # confirm; "answers will be deleted" would be untrue.
        await cancel_or_keep(turn, session, cancel=True)
        return
    buttons = [
        [
            Button(label=turn.t("cancel.yes"), data=f"{CANCEL_PREFIX}:y:{session.id}"),
            Button(label=turn.t("cancel.no"), data=f"{CANCEL_PREFIX}:n:{session.id}"),
        ]
    ]
    text = await cancel_text(turn, session, "confirm")
    if again:
        text = "⚠️ " + turn.t("cancel.need_yes_no") + "\n\n" + text
    turn.reply(Outbound.say(text, buttons))
    await hold(turn, session, CANCEL_PREFIX)


async def cancel_button(turn: Turn, data: str) -> None:
    """The "cancel?" question's Ya/Tidak, for the form still open (else an old button)."""
    assert turn.user is not None
    _, answer, raw_id = button_fields(data, 3)
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or str(session.id) != raw_id:
        turn.reply(turn.t("errors.old_button"))
        return
    await cancel_or_keep(turn, session, cancel=answer == "y")


async def typed_answer(turn: Turn, session: FormSession) -> None:
    """A message while "cancel?" waits: typed yes/no answers it; anything else asks again."""
    text = turn.event.text if turn.event.kind == InboundKind.TEXT else None
    word = normalise_word(text or "")
    if word in YES_WORDS or word in NO_WORDS:
        await cancel_or_keep(turn, session, cancel=word in YES_WORDS)
    else:
        await ask_cancel(turn, again=True)


async def cancel_or_keep(turn: Turn, session: FormSession, *, cancel: bool) -> None:
    """The answer to "cancel this form?", tapped or typed."""
    if not cancel:
        await resume_form(turn, session, turn.t("cancel.kept") + "\n\n")
        return
    await cancel_form(turn, session)
    turn.toast = turn.t("cancel.done")
    interrupted = session.state.get(RETURNS_TO)
    if session.form_id == registration.FORM_ID:
        text = turn.t("cancel.done_registration")
    elif session.untouched:  # nothing was answered, so no answers were deleted
        key = "done_untouched_back" if interrupted else "done_untouched"
        text = await cancel_text(turn, session, key)
    else:  # where next: the menu, or the form this one interrupted, which follows
        text = await cancel_text(turn, session, "done_named_back" if interrupted else "done_named")
    turn.reply(Outbound(text=text, remove_keyboard=True))
    # A short form that interrupted another (a check-in's code amid a report): back to that,
    # its summary too (nothing else is on screen for a tap to be meant for).
    await resume_interrupted(turn, interrupted, asked=True)
