"""A region question's answers that lie elsewhere: a desa of another kecamatan typed is
told where it is and how to change the kecamatan ("Ganti kecamatan", a button back to its
question; while editing from the summary, back to the summary), and those ways out typed
as people read them on the buttons.

`RegionAnswers` is mixed into `FormEngine` (handlers/forms/engine.py); the choice step that
calls it is `handlers/forms/choice_step.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.events import Inbound, Outbound
from handlers.forms import answers as parsers
from handlers.forms.choices import ChoiceOption
from handlers.forms.model import Question, parse_expression
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class RegionAnswers:
    """The region answers of `FormEngine`'s choice questions."""

    # The button under "that desa is in another kecamatan": the kecamatan's question again
    # (while editing from the summary, "‹ Ke ringkasan" too: `WaysBack.SUMMARY_AGAIN`).
    PLACE_AGAIN = "up"

    def _place_answer(
        self: FormEngine, fs: FormState, position: Position, question: Question
    ) -> str | None:
        """The answer of this form that a region question's options are in (its kecamatan);
        None when the form did not ask it (the person's own kecamatan)."""
        spec = question.choices_from
        if spec is None or not spec.parent:
            return None
        parent = fs.evaluate(parse_expression(spec.parent), position)
        return next(
            (
                name
                for name, value in fs.answers.items()
                if isinstance(value, dict) and parent and value.get("name") == parent
            ),
            None,
        )

    async def _named_elsewhere(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        options: list[ChoiceOption],
        typed: str,
    ) -> StepResult | None:
        """A desa of another kecamatan typed: where it is, not in the one chosen, and how to
        change the kecamatan (a button back to its question, when this form asked it; the
        summary, while editing). Where the person's own kecamatan is the only one offered:
        that a family there is reported there, or, in a correction (the form's `correcting`
        context value), that a family moved is for the TKSK or coordinator to hear, as a
        correction cannot take it there. None when the name is not a region elsewhere either."""
        spec = question.choices_from
        here = next((o.place for o in options if o.place), None)
        if spec is None or not spec.parent or here is None:
            return None
        parent = fs.evaluate(parse_expression(spec.parent), position)
        found = await self.ctx.choices.named_elsewhere(spec, str(parent or ""), typed)
        if not found:
            return None
        name = found[0][0]
        catalog, language = self.view.catalog, self.ctx.language
        named = [catalog.text(language, "region_answer.kecamatan_named", name=p) for _, p in found]
        places = catalog.listed(language, named)
        text = "⚠️ " + self.t("region_answer.elsewhere", name=name, places=places, here=here)
        asked = self._place_answer(fs, position, question)
        change = self.view.button(self.t("region_answer.change_button"), self.PLACE_AGAIN)
        if asked is not None and not fs.state.get("editing"):
            notice = Outbound.say(text + " " + self.t("region_answer.change_here"), [[change]])
        elif asked is not None:
            # Edited from the summary: a way back there too, the answer left as it was (QA
            # walk 8: "kembali" was "not listed", a wrong desa the only way out).
            back = self.view.button(self.t("form.to_summary"), self.SUMMARY_AGAIN)
            text += " " + self.t("region_answer.change_while_editing")
            notice = Outbound.say(text, [[change], [back]])
        elif self.ctx.context.get("correcting"):
            notice = Outbound.say(text + " " + self.t("region_answer.moved_away", here=here))
        else:
            notice = Outbound.say(text + " " + self.t("region_answer.own_place", here=here))
        return StepResult(fs.state, [notice, await self.render(fs.state)])

    async def _place_again(
        self: FormEngine, fs: FormState, position: Position, question: Question
    ) -> StepResult:
        """ "Ganti kecamatan": the answer this question's options are in is asked again (while
        editing from the summary: edited in turn; changed, it asks this question again, then
        the summary comes back)."""
        asked = self._place_answer(fs, position, question)
        if asked is None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if fs.state.get("editing"):
            self._start_editing(fs, Position(asked))
        else:
            del fs.answers[asked]
            fs.state["page"] = 0
        return StepResult(fs.state, [await self.render(fs.state)])

    async def _typed_way_out(
        self: FormEngine, fs: FormState, position: Position, question: Question, event: Inbound
    ) -> StepResult | None:
        """A choice's ways out typed as people read them on the buttons: back ("kembali",
        "ringkasan": `WaysBack._typed_back`) and, while editing from the summary, "ganti
        kecamatan" to the place the options are in. None for any other text."""
        if (back := await self._typed_back(fs, event)) is not None:
            return back
        if not fs.state.get("editing"):
            return None
        word = parsers.normalise_word(event.text or "")
        change = parsers.normalise_word(self.t("region_answer.change_button"))
        if word == change and self._place_answer(fs, position, question) is not None:
            return await self._place_again(fs, position, question)
        return None
