"""An answer checked against its question's rules: refused, or taken with a doubt.

A refusal (the question's `constraint`, a NIK already given in another repeat item, a NIK that
is the form's KK number or a KK number that is a NIK given) asks the question again; a doubt
(the question's `warning`, a NIK's facts the answer contradicts, a region nobody knows) is told
with the answer's acknowledgement, and the answer is kept.
`AnswerChecks` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING, Any

from handlers.forms import answers as parsers
from handlers.forms.answer_dates import age_fits, age_said, months_between
from handlers.forms.expr import EvalContext, Expression
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import FormState, Position, expression_value

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class AnswerChecks:
    """The checks of `FormEngine`: constraints that refuse, warnings that doubt."""

    # -- refusals -----------------------------------------------------------------------------

    def _holds(
        self: FormEngine, fs: FormState, expression: Expression, position: Position, value: Any
    ) -> bool:
        """Whether an expression of the question at `position` is true for the answer."""
        context = EvalContext(
            values=fs.values(position), current=expression_value(value), today=self.ctx.today
        )
        return expression.truthy(context)

    def _satisfies(
        self: FormEngine, fs: FormState, question: Question, position: Position, value: Any
    ) -> bool:
        expression = question.parsed("constraint")
        return expression is None or self._holds(fs, expression, position, value)

    def _first_refused(
        self: FormEngine, fs: FormState, positions: list[Position]
    ) -> Position | None:
        """The first answer its question's constraint refuses now (a skip is no answer)."""
        for position in positions:
            value = fs.get(position)
            question = self.form.question(position.name)
            if value is not None and not self._satisfies(fs, question, position, value):
                return position
        return None

    # -- doubts -------------------------------------------------------------------------------

    async def _warnings(
        self: FormEngine,
        fs: FormState,
        question: Question,
        position: Position,
        answer: parsers.Answer,
    ) -> list[str]:
        """Doubts worth telling but not refusing: a NIK keeps the place it was first issued; a
        typed position was read with latitude and longitude swapped; the question's own
        `warning`."""
        warnings = [self.t(key) for key in answer.warnings]
        warnings.extend(self._doubts(fs, question, position, answer.value))
        region = answer.extra.get("region") if answer.extra else None
        if region and not await self.ctx.choices.region_known(region):
            warnings.append(self.t("identifier.unknown_region", region=region))
        if question.nik:
            facts = fs.state["derived"].get(
                Position(question.nik, position.group, position.index).key
            )
            if facts:
                warnings.extend(self._nik_mismatches(question, answer, facts))
        return warnings

    def _choice_warnings(
        self: FormEngine, fs: FormState, question: Question, position: Position, value: Any
    ) -> list[str]:
        """A chosen sex other than the NIK's; the question's own `warning`."""
        warnings = []
        if question.nik and isinstance(value, dict):
            facts = fs.state["derived"].get(
                Position(question.nik, position.group, position.index).key
            )
            if facts and facts.get("sex") and facts["sex"] != value["name"]:
                warnings.append(self.t("identifier.sex_mismatch"))
        warnings.extend(self._doubts(fs, question, position, value))
        return warnings

    def _nik_mismatches(
        self: FormEngine, question: Question, answer: parsers.Answer, facts: dict
    ) -> list[str]:
        """A typed birth date other than the NIK's, or an age that cannot be its holder's."""
        value = answer.value
        if question.type != QuestionType.AGE or not facts.get("birth_date"):
            return []
        nik_born = date.fromisoformat(facts["birth_date"])
        shown = nik_born.strftime("%d-%m-%Y")
        if value.get("birth_date"):
            if value["birth_date"] != facts["birth_date"]:
                return [self.t("identifier.birth_mismatch", date=shown)]
            return []
        today = self.ctx.today
        if age_fits(nik_born, value["months"], answer.age_slack, today=today):
            return []
        age = age_said(self.t, months_between(nik_born, today))
        return [self.t("identifier.age_mismatch", date=shown, age=age)]

    def _doubts(
        self: FormEngine, fs: FormState, question: Question, position: Position, value: Any
    ) -> list[str]:
        """The question's warning_message when its `warning` holds for the answer (taken
        all the same, e.g. a wife under 18: child marriage is reported, not refused)."""
        expression = question.parsed("warning")
        if expression is None or question.warning_message is None:
            return []
        if not self._holds(fs, expression, position, value):
            return []
        return [html.escape(self._with_answers(fs, position, question.warning_message))]

    # -- doubts an edit raises elsewhere ------------------------------------------------------

    def _warned(self: FormEngine, fs: FormState) -> list[Position]:
        """The answers their question's `warning` holds for."""
        if not any(question.warning for question in self.form.questions()):
            return []
        return [
            position
            for position in fs.answered_positions()
            if self._doubts(fs, self.form.question(position.name), position, fs.get(position))
        ]

    def _warned_keys(self: FormEngine, fs: FormState) -> frozenset[str]:
        """The keys of the answers warned now: taken before an edit is stored, so that
        `_newly_warned` tells only what the edit changed."""
        return frozenset(warned.key for warned in self._warned(fs))

    def _newly_warned(
        self: FormEngine, fs: FormState, edited: Position, warned_before: frozenset[str]
    ) -> list[str]:
        """The warnings of other answers that an edit made hold (an age changed to 15 under
        "Istri"), each named by its question: told with the edit, as a doubt, not refused."""
        told = []
        for position in self._warned(fs):
            if position == edited or position.key in warned_before:
                continue
            question = self.form.question(position.name)
            label = html.escape(self._position_label(question, position))
            doubts = self._doubts(fs, question, position, fs.get(position))
            told += [f"{label}: {doubt}" for doubt in doubts]
        return told


def same_nik_in_item(
    fs: FormState, question: Question, position: Position, value: Any
) -> int | None:
    """The number (from 1) of another item of the same repeat already given this NIK, or
    None: one NIK is one person, and two members stored under one NIK would become one
    (the household's members are kept by NIK)."""
    if question.type != QuestionType.NIK or position.group is None or not isinstance(value, str):
        return None
    for index, item in enumerate(fs.answers.get(position.group, [])):
        if index != position.index and item.get(position.name) == value:
            return index + 1
    return None


# The identifier type a NIK or KK answer must never equal: the other one.
_OTHER_IDENTIFIER = {QuestionType.NIK: QuestionType.KK, QuestionType.KK: QuestionType.NIK}


def other_identifier_refusal(
    fs: FormState, question: Question, position: Position, value: Any
) -> tuple[str, dict[str, Any]] | None:
    """The refusal (catalogue key and values) of a number the form already holds as the
    other identifier: the family's KK number typed at a member's NIK, or a member's NIK typed
    as the KK number (that member's number told); None when it holds none.

    A NIK and a KK number are both 16 digits with a region and a date, so one passes for the
    other; yet they are never the same number (a KK's date is its issue date, a NIK's the
    holder's birth), and a KK stored as a NIK gives a wrong birth date and sex and makes the
    family findable by neither. An engine rule, not a form constraint: it holds for every form
    with both questions and for drafts on any version, with no new form version."""
    other = _OTHER_IDENTIFIER.get(question.type)
    if other is None or not isinstance(value, str):
        return None
    for answered in fs.answered_positions():
        if answered == position or fs.form.question(answered.name).type != other:
            continue
        if fs.get(answered) != value:
            continue
        if question.type == QuestionType.NIK:
            return "identifier.nik_is_kk", {}
        if answered.index is None:
            return "identifier.kk_is_nik", {}
        return "identifier.kk_is_members_nik", {"number": answered.index + 1}
    return None
