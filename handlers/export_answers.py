"""The case spreadsheet's columns of further answers: one per question of the case report
form that has no column of its own (household size, bansos, the category follow-ups, the
reasons for a missing KK, NIK or location), headed by the question's label, empty where the
case was not asked it. Values come from `handlers/case_answers.py`, as on the case's page.

A case's answers are read once for all its rows (they come together, one per person), so a
row costs a dictionary look-up per column."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from handlers.case_answers import AnswerLines
from handlers.forms.model import QuestionType
from storage.exports import ExportRow


class AnswerColumn(NamedTuple):
    key: str  # "answer:<question>"
    header: str  # the question's short label
    free: bool  # typed by a person (masked like a name or an address)


class FurtherAnswers:
    """The further answers' columns and their values, for one export."""

    def __init__(self, lines: AnswerLines) -> None:
        self._lines = lines
        self._case_id: int | None = None
        self._case: dict[str, str] = {}
        self._members: dict[tuple[str, str], str] = {}
        self.columns: list[AnswerColumn] = []
        self.values: dict[str, Callable[[ExportRow], str | None]] = {}
        for asked, per_member in [(a, False) for a in lines.questions] + [
            (a, True) for a in lines.member_questions
        ]:
            name = asked.question.name
            key = f"answer:{name}"
            free = asked.question.type == QuestionType.TEXT
            self.columns.append(AnswerColumn(key, asked.label, free))
            self.values[key] = self._member_value(name) if per_member else self._case_value(name)

    def _read(self, row: ExportRow) -> None:
        if row.case_id == self._case_id:
            return
        self._case_id = row.case_id
        try:
            answers: Any = json.loads(row.answers)
        except ValueError:
            answers = {}
        lines = self._lines.of(answers if isinstance(answers, dict) else {})
        self._case = {line.question: line.value for line in lines if line.about is None}
        self._members = {
            (line.about, line.question): line.value for line in lines if line.about is not None
        }

    def _case_value(self, name: str) -> Callable[[ExportRow], str | None]:
        def value(row: ExportRow) -> str | None:
            self._read(row)
            return self._case.get(name)

        return value

    def _member_value(self, name: str) -> Callable[[ExportRow], str | None]:
        def value(row: ExportRow) -> str | None:
            self._read(row)
            return self._members.get((row.name or "", name))

        return value
