"""A side trip amid a form whose answer ends with a numbered menu: a command word typed at a
question, or a button tapped over the open form (a list's page, a notice's button, a main-menu
button): the form waits below that menu.

On a channel that reads a typed number against the last numbered menu it printed
(`ChannelTraits.prints_numbered_options`: WhatsApp, beyond 10 options or with titles alike),
the form's question asked right below would take the menu's place, and the number typed to
pick from the menu would answer the question ("1" to open a case was stored as "Jumlah
penghuni: 1"). After a button the question is not asked again, but a number the menu did
not print ("12") or words typed at the menu would still answer the question higher up. So
the menu says the form waits and how to go back to it ("lanjut"), and the form is held
(`runner.hold`) until then: a number the menu did not print is refused with the menu again,
anything else brings the question back with nothing stored. A command ends the wait, as it
ends any choice held beside a form; another choice held beside it ("cancel?") is kept.
"""

from __future__ import annotations

from handlers import typed_numbers
from handlers.context import Turn
from handlers.forms.kept_open import BELOW_SIDE_TRIP
from handlers.forms.runner import held_choice, hold, resume_interrupted, session_name
from handlers.forms.step import button_action
from storage.models import FormSession


async def wait_below_numbered_menu(turn: Turn, interrupted: FormSession) -> bool:
    """Whether the side trip's answer (the turn's last reply) ends with options the channel
    prints as numbered text; then the form waits below it, held, and the menu says so."""
    assert turn.user is not None
    numbered = turn.channel_traits.prints_numbered_options
    menu = turn.replies[-1] if turn.replies else None
    if numbered is None or menu is None or not numbered(menu):
        return False
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or session.id != interrupted.id:
        return False  # paused or ended meanwhile: the caller brings it back as usual
    if any(button_action(b.data, session.id, session.rev) for row in menu.buttons for b in row):
        return False  # the form's own question, asked again by the button ("Perbaiki")
    if held_choice(session) not in (None, BELOW_SIDE_TRIP):
        # A button tapped while "cancel?" (or "command or answer?") waits: that choice stays,
        # and it takes what is typed next, never the form's question.
        return False
    waits = turn.t("form.waits_below_menu", what=await session_name(turn, session))
    turn.replies[-1] = menu.model_copy(update={"text": f"{menu.text}\n\n{waits}"})
    await hold(turn, session, BELOW_SIDE_TRIP)
    return True


async def answer_below_menu(turn: Turn, session: FormSession) -> None:
    """A message while the form waits below the menu (or below the note of a form kept at its
    summary: handlers/forms/kept_open.py): a number the menu did not print (or a list) is
    refused with the menu again; anything else ("lanjut") asks the form's question again, its
    summary too, nothing stored (the question was not on screen)."""
    if turn.event.picks:
        await typed_numbers.refuse_picks(turn)
    else:
        await resume_interrupted(turn, session.id, asked=True)
