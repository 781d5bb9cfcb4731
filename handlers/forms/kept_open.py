"""A form left open at its summary, below something done meanwhile (a side trip's answer,
a check-in, a short form of the side trip's own): one line saying it is kept, not the
summary again.

The summary asked again under every side answer put its "✅ Kirim" last on screen after each
one, so the next tap meant for the side trip's list sent the broadcast (QA walk 7). A
question is still asked again (a report's question left open is asked on purpose: a tap
there only stores an answer, shown and changed at the summary); the summary is one tap from
sending. So the note names the form and offers "Lanjutkan isian" (the summary, `sum`), and
the form is held below it as below a side trip's numbered menu (handlers/side_trip_menus.py):
what is typed next ("lanjut", "kirim", "1") brings the summary back with nothing done.
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.forms.step import button_data
from handlers.i18n import Markup
from storage.forms import HELD
from storage.models import FormSession

# The held choice's name (`FormSession.state["held"]`) while a form waits below a side
# trip's answer (a numbered menu, or the note here): anything typed brings it back.
BELOW_SIDE_TRIP = "st"
# The summary's action that shows it again (handlers/forms/summary_step.py).
SHOW_SUMMARY = "sum"


async def note_kept_at_summary(turn: Turn, session: FormSession, what: Markup) -> None:
    """Say that `session` (`what`: its name) is still open at its summary, with a button back
    to it, and hold it until the person comes back."""
    state = {**session.state, HELD: BELOW_SIDE_TRIP}
    await turn.repos.forms.note(session.id, state=state, now=turn.now)
    back = Button(
        label=turn.t("form.continue_button"),
        data=button_data(session.id, session.rev, SHOW_SUMMARY),
    )
    turn.reply(Outbound.say(turn.t("form.kept_at_summary", what=what), [[back]]))
