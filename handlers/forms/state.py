"""A form session's state and what follows from it: positions, relevance, answers.

State (JSON, stored with the session):
  answers   {name: value}; a repeat group's answers are a list of dicts under its name
  closed    repeat groups the person said "no more" to
  editing   [name, group, index] being changed from the summary, or None
  phase     "ask" | "summary" | "edit_menu"; the summary only once every relevant question
            is answered (`FormState.settle_phase`)
  page      page of the current choice list, summary or edit menu
  picking   choices toggled (select_multiple) or photos received (image) so far
  derived   {position key: facts derived from an answer, e.g. a NIK's sex and birth date}
  meant     {question: position key, option: name, asked: "named" | "suggested"} a typed
            sentence named, or the one close spelling, asked to confirm
            (handlers/forms/choice_offers.py)
  offered   {question: position key, options: [name]} close spellings offered to tap, that a
            typed number counts; `meant` and `offered` are gone after the next answer and
            whenever the form draws anything else (`forget_offers`); drawn again at their
            question (a side trip, a resume) they are the offer again (`_offer_again`)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.forms.expr import EvalContext, Expression, RepeatAnswers, RepeatInstances
from handlers.forms.model import Form, Question, QuestionType, RepeatGroup, parse_expression

MORE = "__more"  # the "add another?" pseudo-question of a repeat group
# The values expressions see, by repeat item ((None, None): the top level).
Seen = dict[tuple[str | None, int | None], dict[str, Any]]


@dataclass(frozen=True)
class Position:
    """Where the form is: a top-level question, or a question of one repeat item."""

    name: str
    group: str | None = None
    index: int | None = None

    def as_list(self) -> list[Any]:
        return [self.name, self.group, self.index]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Position:
        return cls(raw[0], raw[1], raw[2])

    @property
    def key(self) -> str:
        return self.name if self.group is None else f"{self.group}.{self.index}.{self.name}"


def new_state() -> dict[str, Any]:
    """The state of a form nobody has answered yet."""
    return {
        "answers": {},
        "closed": [],
        "editing": None,
        "page": 0,
        "picking": [],
        "phase": "ask",
        "derived": {},
    }


def prefilled_state(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    """A state holding earlier answers (e.g. a case sent back), opened at the summary."""
    state = new_state()
    state["answers"] = answers
    state["closed"] = [
        item.name for item in form.items if isinstance(item, RepeatGroup) and answers.get(item.name)
    ]
    state["phase"] = "summary"
    return state


def expression_value(value: Any) -> Any:
    """What expressions see for a stored answer: choice names, numbers, plain strings."""
    if value is None:
        return ""
    if isinstance(value, list):
        return [v["name"] if isinstance(v, dict) and "name" in v else v for v in value]
    if isinstance(value, dict):
        for key in ("name", "e164", "months"):
            if key in value:
                return value[key]
        if "lat" in value:
            return f"{value['lat']} {value['lon']}"
        return ""  # e.g. {"missing": "tidak_punya"}: a NIK or KK nobody has
    return value


class FormState:
    """Questions of a form read against one session's state."""

    def __init__(
        self, form: Form, state: dict[str, Any], *, today: date, context: dict[str, Any]
    ) -> None:
        self.form, self.state, self.today, self.context = form, state, today, context
        # Each repeat group's questions some expression reads over every item, by group.
        self.aggregated = {
            item.name: [child.name for child in item.children if child.name in form.aggregated()]
            for item in form.items
            if isinstance(item, RepeatGroup)
        }
        self.groups = set(self.aggregated)
        state.setdefault("derived", {})

    @property
    def answers(self) -> dict[str, Any]:
        return self.state["answers"]

    def values(self, position: Position | None) -> dict[str, Any]:
        """Context, top-level answers and the current repeat item's answers, for expressions;
        a repeat group as its items (count()), and outside a group each of its questions as
        the answers of every item (max(), min())."""
        values = dict(self.context)
        raw = {k: v for k, v in self.answers.items() if k not in self.groups}
        if position is not None and position.group is not None:
            items = self.answers.get(position.group, [])
            if position.index is not None and position.index < len(items):
                raw.update(items[position.index])
        for name, value in raw.items():
            values[name] = expression_value(value)
        for group, questions in self.aggregated.items():
            items = self.answers.get(group) or []
            values[group] = RepeatInstances(len(items))  # count(${members}): items so far
            if position is None or position.group != group:
                for name in questions:  # max(${member_age}): over every item
                    values[name] = RepeatAnswers(
                        tuple(expression_value(item.get(name)) for item in items)
                    )
        prefix = (
            ""
            if position is None or position.group is None
            else f"{position.group}.{position.index}."
        )
        for key, facts in self.state["derived"].items():
            name = key.removeprefix(prefix)
            if "." not in name:
                for fact, value in facts.items():
                    values[f"{name}_{fact}"] = value
        return values

    def evaluate(
        self, expression: Expression | None, position: Position | None, current: Any = None
    ) -> Any:
        if expression is None:
            return None
        context = EvalContext(values=self.values(position), current=current, today=self.today)
        try:
            return expression.evaluate(context)
        except ValueError:
            return None

    def holds(self, expression: Expression, position: Position | None) -> bool:
        """Whether a condition (e.g. a choice's relevant) is true where the form is."""
        return expression.truthy(EvalContext(values=self.values(position), today=self.today))

    def relevant(
        self, item: Question | RepeatGroup, position: Position | None, seen: Seen | None = None
    ) -> bool:
        """Whether the item is asked; `seen` keeps the values built for each repeat item
        while a loop reads a state it does not change (building them is the costly part)."""
        expression = (
            item.parsed_relevant() if isinstance(item, RepeatGroup) else item.parsed("relevant")
        )
        if expression is None:
            return True
        if seen is None:
            values = self.values(position)
        else:
            where = (position.group, position.index) if position is not None else (None, None)
            values = seen.get(where)
            if values is None:
                values = seen[where] = self.values(position)
        return expression.truthy(EvalContext(values=values, today=self.today))

    def next_position(self) -> Position | None:
        """The first relevant question without an answer, or None when all are answered."""
        seen: Seen = {}
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name not in self.answers and self.relevant(item, None, seen):
                    return Position(item.name)
                continue
            if not self.relevant(item, None, seen):
                continue
            items = self.answers.get(item.name, [])
            for index, values in enumerate(items):
                here = Position("", item.name, index)
                for child in item.children:
                    if child.name not in values and self.relevant(child, here, seen):
                        return Position(child.name, item.name, index)
            if item.name in self.state["closed"] or len(items) >= item.max_count:
                continue
            if len(items) < item.min_count:
                return Position(item.children[0].name, item.name, len(items))
            return Position(MORE, item.name, len(items))
        return None

    def current(self) -> Position | None:
        """The question being asked: the one being edited, else the next one."""
        if self.state.get("editing"):
            return Position.from_list(self.state["editing"])
        return self.next_position()

    def settle_phase(self) -> bool:
        """The summary (or its edit menu) is where the form is only when no question is left
        to ask: a state opened there with an answer missing (a case sent back from an older
        form version or with answers blanked since, a registration rebuilt from its row) is
        at that question, as it is shown, so its buttons and typed answers answer it. True
        when an unanswered question was found so (the person is told why it is asked)."""
        if self.state.get("phase") not in ("summary", "edit_menu") or self.current() is None:
            return False
        self.state["phase"], self.state["page"] = "ask", 0
        return not self.state.get("editing")

    def get_or_none(self, position: Position) -> Any:
        """The stored answer, or None when there is none yet."""
        if position.group is None:
            return self.answers.get(position.name)
        items = self.answers.get(position.group, [])
        return items[position.index].get(position.name) if position.index < len(items) else None

    def get(self, position: Position) -> Any:
        if position.group is None:
            return self.answers.get(position.name)
        return self.answers[position.group][position.index].get(position.name)

    def store(self, position: Position, value: Any, derived: dict[str, Any] | None) -> None:
        """Store an answer; answers whose options depended on the old one are asked again."""
        changed = self.get_or_none(position) != value
        if position.group is None:
            self.answers[position.name] = value
            bucket = self.answers
        else:
            items = self.answers.setdefault(position.group, [])
            while len(items) <= position.index:
                items.append({})
            items[position.index][position.name] = value
            bucket = items[position.index]
        if derived:
            self.state["derived"][position.key] = derived
        else:
            self.state["derived"].pop(position.key, None)
        for dependent in self._dependents(position.name) if changed else []:
            bucket.pop(dependent, None)
            self.answers.pop(dependent, None)
            if position.group is None:
                # A top-level parent also governs the questions of every repeat item.
                for group in self.groups:
                    for item in self.answers.get(group, []):
                        item.pop(dependent, None)

    def _dependents(self, name: str) -> list[str]:
        """Questions whose choices are computed from `name`'s answer, transitively."""
        found: list[str] = []
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for question in self.form.questions():
                spec = question.choices_from
                if (
                    spec
                    and spec.parent
                    and current in _parse_refs(spec.parent)
                    and question.name not in found
                ):
                    found.append(question.name)
                    frontier.append(question.name)
        return found

    def final_answers(self) -> dict[str, Any]:
        """Only the answers still relevant (an edit may have turned some questions off)."""
        result: dict[str, Any] = {}
        seen: Seen = {}
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name in self.answers and self.relevant(item, None, seen):
                    result[item.name] = self.answers[item.name]
                continue
            if not self.relevant(item, None, seen):
                continue
            kept = []
            for index, values in enumerate(self.answers.get(item.name, [])):
                here = Position("", item.name, index)
                kept.append(
                    {
                        child.name: values[child.name]
                        for child in item.children
                        if child.name in values and self.relevant(child, here, seen)
                    }
                )
            result[item.name] = kept
        return result

    def answered_positions(self) -> list[Position]:
        """Every answered, relevant question in form order (for the summary)."""
        positions = []
        final = self.final_answers()
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name in final and item.type != QuestionType.NOTE:
                    positions.append(Position(item.name))
                continue
            for index, values in enumerate(final.get(item.name, [])):
                positions.extend(
                    Position(child.name, item.name, index)
                    for child in item.children
                    if child.name in values and child.type != QuestionType.NOTE
                )
        return positions


def _parse_refs(source: str) -> frozenset[str]:
    return parse_expression(source).references()
