"""The summary of a form's answers and what its buttons do: send (each answer checked
against its question's constraint again), the edit menu and its pages, and an answer chosen
for editing, asked again. Typed replies do the same (handlers/forms/summary_replies.py).

`SummaryStep` is mixed into `FormEngine` (handlers/forms/engine.py); the summary's looks are
`FormView.summary` and `FormView.edit_menu` (handlers/forms/view.py).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from handlers.events import Inbound, InboundKind, small_number
from handlers.forms import answers as parsers
from handlers.forms.model import QuestionType
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult
from handlers.forms.summary_replies import Answer, Command, SummaryWords, read_reply
from handlers.identifiers import nik_sex

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class SummaryStep:
    """The summary and the edit menu of `FormEngine`."""

    def _summary_lines(self: FormEngine, fs: FormState) -> list[tuple[str, str]]:
        """Each answered question's label and its answer as shown (masked where personal)."""
        lines = []
        answered = fs.answered_positions()
        for position in answered:
            question = self.form.question(position.name)
            shown = self.view.display(question, fs.get(position))
            if question.type == QuestionType.NIK:
                shown += self._sex_from_nik(fs, position, answered)
            lines.append((self._position_label(question, position), shown))
        return lines

    def _sex_from_nik(
        self: FormEngine, fs: FormState, nik: Position, answered: list[Position]
    ) -> str:
        """Under a NIK whose sex question was skipped (the NIK says it), that sex, said to
        come from the NIK ("Jenis kelamin: Perempuan (dari NIK)"): a mistyped NIK shows as a
        wrong sex where nobody would spot a wrong digit. '' when the sex was asked."""
        digits = fs.get(nik)  # a NIK given is its digits (else why it is missing)
        # Read from the digits, not the facts derived when it was typed: a correction's
        # summary starts from the case's answers, with none derived.
        sex = nik_sex(digits) if isinstance(digits, str) and len(digits) == 16 else None
        asks = [
            q for q in self.form.questions()
            if q.nik == nik.name and q.type == QuestionType.SELECT_ONE
        ]  # fmt: skip
        if not sex or not asks or Position(asks[0].name, nik.group, nik.index) in answered:
            return ""
        value = self.view.option(asks[0], {"name": sex, "label": sex})
        label = asks[0].short_label(self.ctx.language)
        return "\n    " + self.t("form.from_nik", label=label, value=value)

    def _answer_labels(self: FormEngine, positions: list[Position]) -> list[str]:
        return [self._position_label(self.form.question(p.name), p) for p in positions]

    async def _step_summary(
        self: FormEngine, fs: FormState, action: str | None, event: Inbound
    ) -> StepResult:
        """A button of the summary or the edit menu, or a reply typed there."""
        if action is None:
            return await self._typed_on_summary(fs, event)
        state = fs.state
        positions = fs.answered_positions()
        number = small_number(action[2:]) if action[:2] in ("sp", "ep") else None
        if action == "ok":
            return await self._send(fs)
        if action == "ed" or (number is not None and action.startswith("ep")):
            return await self._show_edit_menu(fs, number or 0)
        index = small_number(action[1:]) if action.startswith("e") else None
        if index is not None and index < len(positions):
            self._start_editing(fs, positions[index])
            return StepResult(state, [await self.render(state)])
        state["phase"], state["page"] = "summary", 0
        # "sum", or a page of the summary from before it came in one message: the summary.
        stale = action != "sum" and not (number is not None and action.startswith("sp"))
        prefix = self.t("form.stale_button") + "\n\n" if stale else ""
        return StepResult(state, [await self.render(state, prefix)])

    async def _send(self: FormEngine, fs: FormState) -> StepResult:
        state = fs.state
        if fs.next_position() is not None:
            state["phase"] = "ask"
            return StepResult(state, [await self.render(state)])
        if (refused := self._first_refused(fs, fs.answered_positions())) is not None:
            # Answers given elsewhere (a case sent back, an earlier form version) meet
            # this version's constraints before they are sent: the question comes again.
            self._start_editing(fs, refused)
            question = self.form.question(refused.name)
            return await self._ask_again_constraint(fs, question, refused)
        return StepResult(state, [], finished=True)

    async def _show_edit_menu(
        self: FormEngine, fs: FormState, page: int, prefix: str = ""
    ) -> StepResult:
        fs.state["phase"], fs.state["page"] = "edit_menu", page
        return StepResult(fs.state, [await self.render(fs.state, prefix)])

    async def _typed_on_summary(self: FormEngine, fs: FormState, event: Inbound) -> StepResult:
        """ "kirim", "ubah", an answer's number or label; anything else: where they were, with
        a hint (the edit menu stays the edit menu)."""
        state = fs.state
        on_menu = state.get("phase") == "edit_menu"
        positions = fs.answered_positions()
        labels = self._answer_labels(positions)
        words = SummaryWords.from_labels(
            self.t("form.submit"), self.t("form.edit"), self.t("form.back_to_summary")
        )
        text = parsers.clean_text(event.text or "") if event.kind == InboundKind.TEXT else ""
        reply = read_reply(text, labels, words)
        if isinstance(reply, Answer):
            self._start_editing(fs, positions[reply.index])
            return StepResult(state, [await self.render(state)])
        if isinstance(reply, Command) and reply.kind == "send" and not on_menu:
            return await self._send(fs)
        if isinstance(reply, Command) and reply.kind == "edit":
            return await self._show_edit_menu(fs, state.get("page", 0) if on_menu else 0)
        if isinstance(reply, Command):  # "kembali", or "kirim" on the edit menu: the summary
            state["phase"], state["page"] = "summary", 0
            return StepResult(state, [await self.render(state)])
        if reply.candidates:
            choices = ", ".join(f"{i + 1}. {labels[i]}" for i in reply.candidates)
            hint = self.t("form.typed_several_answers", choices=html.escape(choices))
        else:
            hint = self.t("form.typed_on_edit_menu" if on_menu else "form.typed_on_summary")
        if on_menu:
            return await self._show_edit_menu(fs, state.get("page", 0), "⚠️ " + hint + "\n\n")
        state["phase"] = "summary"
        return StepResult(state, [await self.render(state, "⚠️ " + hint + "\n\n")])

    def _start_editing(self: FormEngine, fs: FormState, position: Position) -> None:
        """Ask an answered question again, its current choices ticked (a multi-select), its
        photos kept (a photo question: more are added to them, QA walk 13)."""
        question = self.form.question(position.name)
        state = fs.state
        state["phase"], state["editing"], state["page"] = "ask", position.as_list(), 0
        answer = fs.get(position)
        state["picking"] = []
        if question.type == QuestionType.SELECT_MULTIPLE and answer:
            state["picking"] = [o["name"] for o in answer]
        elif question.type == QuestionType.IMAGE and isinstance(answer, list):
            state["picking"] = [dict(photo) for photo in answer]
