"""The ways back from a question: while it is edited from the summary, "‹ Ke ringkasan" (a
button under every type of question, or typed "kembali", "ringkasan", "batal ubah", the
button's words) returns to the summary with the answer as it was; typed while the form is
filled the first time, there is no step back, and the person is told the summary comes
before anything is sent (QA walk 15: "kembali" at a NIK opened from the summary was "numbers
only", the only ways out retyping it or "Tidak tahu", which overwrote it).

`WaysBack` is mixed into `FormEngine` (handlers/forms/engine.py); the question step
(handlers/forms/question_step.py) and the choice step (through
`RegionAnswers._typed_way_out`, handlers/forms/region_answers.py) ask it first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.events import Button, Inbound, InboundKind, Outbound
from handlers.forms import answers as parsers
from handlers.forms.state import FormState
from handlers.forms.step import StepResult
from handlers.forms.summary_replies import BACK_WORDS

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine

# The action of "‹ Ke ringkasan" under a question edited from the summary (the edit menu's
# "‹ Kembali ke ringkasan" is the same action there).
SUMMARY_AGAIN = "sum"


class WaysBack:
    """The way back to the summary of `FormEngine`'s questions."""

    SUMMARY_AGAIN = SUMMARY_AGAIN

    def _back_in_sight(self: FormEngine, question: Outbound) -> Outbound:
        """A question edited from the summary with "‹ Ke ringkasan" as its last row, or, where
        that button would put options in sight out of it (WhatsApp: 3 reply buttons and a
        fourth make a list behind "Pilih", a typed number then counting nothing seen), the
        question as it was with the way back said in a line ("ketik kembali")."""
        hides = self.ctx.traits.hides_options
        if hides is None:
            return question
        under = self.ctx.rows_under

        def hidden(rows: list[list[Button]]) -> bool:
            return hides(question.model_copy(update={"buttons": [*rows, *under]}))

        without = question.buttons[:-1]
        if not hidden(question.buttons) or hidden(without):
            return question
        text = question.text + "\n" + self.t("form.back_typed")
        return question.model_copy(update={"buttons": without, "text": text})

    async def _summary_again(self: FormEngine, fs: FormState) -> StepResult:
        """Back to the summary from an answer edited there, the answer as it was."""
        fs.state.update(phase="summary", page=0, picking=[], editing=None)
        return StepResult(fs.state, [await self.render(fs.state)])

    def _typed_back_word(self: FormEngine, event: Inbound) -> bool:
        """Whether a typed text asks to go back: "kembali", "ringkasan", "batal ubah", or
        the words of a way-back button."""
        if event.kind != InboundKind.TEXT or not event.text:
            return False
        labels = (self.t("form.to_summary"), self.t("form.back_to_summary"))
        words = BACK_WORDS | {parsers.normalise_word(label) for label in labels}
        return parsers.normalise_word(event.text) in words

    async def _typed_back(self: FormEngine, fs: FormState, event: Inbound) -> StepResult | None:
        """A typed way back: to the summary while a question is edited from there; while
        the form is filled the first time, that earlier answers are changed at the summary,
        then the question again. None for any other text, and in a form with no summary
        (a one-question form: "kembali" may be its answer)."""
        if not self._typed_back_word(event):
            return None
        if fs.state.get("editing"):
            return await self._summary_again(fs)
        if not self.form.confirm:
            return None
        message = await self.render(fs.state, self.t("form.back_later") + "\n\n")
        return StepResult(fs.state, [message])
