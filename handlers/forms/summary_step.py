"""The summary of a form's answers and what its buttons do: send (each answer checked
against its question's constraint again), the edit menu and its pages, and an answer chosen
for editing, asked again.

`SummaryStep` is mixed into `FormEngine` (handlers/forms/engine.py); the summary's looks are
`FormView.summary` and `FormView.edit_menu` (handlers/forms/view.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.events import small_number
from handlers.forms.model import QuestionType
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class SummaryStep:
    """The summary and the edit menu of `FormEngine`."""

    def _summary_lines(self: FormEngine, fs: FormState) -> list[tuple[str, str]]:
        """Each answered question's label and its answer as shown (masked where personal)."""
        lines = []
        for position in fs.answered_positions():
            question = self.form.question(position.name)
            lines.append(
                (
                    self._position_label(question, position),
                    self.view.display(question, fs.get(position)),
                )
            )
        return lines

    async def _step_summary(self: FormEngine, fs: FormState, action: str | None) -> StepResult:
        """A button of the summary or the edit menu (None: something typed)."""
        state = fs.state
        positions = fs.answered_positions()
        number = small_number(action[2:]) if action and action[:2] in ("sp", "ep") else None
        if action == "ok":
            if fs.next_position() is not None:
                state["phase"] = "ask"
                return StepResult(state, [await self.render(state)])
            if (refused := self._first_refused(fs, positions)) is not None:
                # Answers given elsewhere (a case sent back, an earlier form version) meet
                # this version's constraints before they are sent: the question comes again.
                self._start_editing(fs, refused)
                question = self.form.question(refused.name)
                return await self._ask_again_constraint(fs, question, refused)
            return StepResult(state, [], finished=True)
        if action == "ed" or (number is not None and action.startswith("ep")):
            state["phase"] = "edit_menu"
            labels = [self._position_label(self.form.question(p.name), p) for p in positions]
            return StepResult(state, [self.view.edit_menu(labels, number or 0)])
        index = small_number(action[1:]) if action and action.startswith("e") else None
        if index is not None and index < len(positions):
            self._start_editing(fs, positions[index])
            return StepResult(state, [await self.render(state)])
        state["phase"] = "summary"
        state["page"] = number if number is not None and action.startswith("sp") else 0
        if action is None:
            prefix = self.t("form.use_summary_buttons") + "\n\n"
        elif action == "sum" or number is not None:
            prefix = ""
        else:
            prefix = self.t("form.stale_button") + "\n\n"
        return StepResult(state, [await self.render(state, prefix)])

    def _start_editing(self: FormEngine, fs: FormState, position: Position) -> None:
        """Ask an answered question again, its current choices ticked (a multi-select)."""
        question = self.form.question(position.name)
        state = fs.state
        state["phase"], state["editing"], state["page"] = "ask", position.as_list(), 0
        state["picking"] = (
            [o["name"] for o in fs.get(position)]
            if question.type == QuestionType.SELECT_MULTIPLE and fs.get(position)
            else []
        )
