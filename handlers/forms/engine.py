"""The form engine: (form, state, inbound event) -> (new state, outbound messages).

It does no I/O of its own beyond asking a `ChoiceSource` for run-time options, so the same
engine serves Telegram, WhatsApp, the terminal demo and the tests. The caller stores the
new state in the same transaction as the inbox row and the reply.

State (JSON): {"answers": {...}, "closed": [group...], "editing": path | None,
"page": int, "picking": [choice...], "phase": "ask" | "summary" | "edit_menu"}.
A repeat group's answers are a list of dicts under the group's name.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from handlers.events import Button, Inbound, InboundKind, Outbound, small_number
from handlers.forms import answers as parsers
from handlers.forms.choices import ChoiceOption, match_choice
from handlers.forms.expr import EvalContext
from handlers.forms.model import ChoicesFrom, Form, Question, QuestionType, RepeatGroup
from handlers.i18n import Catalog

PAGE_SIZE = 8
MORE = "__more"  # the "add another?" pseudo-question of a repeat group


class ChoiceSource(Protocol):
    """Options known only at run time (regions, districts)."""

    async def options(
        self, spec: ChoicesFrom, values: dict[str, Any], language: str
    ) -> list[ChoiceOption]: ...


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


@dataclass
class StepContext:
    """What a step needs besides the form and the state."""

    catalog: Catalog
    language: str
    today: date
    choices: ChoiceSource
    next_rev: int  # the revision the session will have once this step is saved


@dataclass
class StepResult:
    """The outcome of one step."""

    state: dict[str, Any]
    messages: list[Outbound] = field(default_factory=list)
    finished: bool = False


def new_state() -> dict[str, Any]:
    """The state of a form nobody has answered yet."""
    return {"answers": {}, "closed": [], "editing": None, "page": 0, "picking": [], "phase": "ask"}


class FormEngine:
    """Runs one form for one person."""

    def __init__(self, form: Form, ctx: StepContext) -> None:
        self.form = form
        self.ctx = ctx
        self._group_names = {item.name for item in form.items if isinstance(item, RepeatGroup)}

    # -- text helpers -------------------------------------------------------------------------

    def t(self, key: str, /, **values: Any) -> str:
        return self.ctx.catalog.text(self.ctx.language, key, **values)

    def _label(self, texts: dict[str, str]) -> str:
        return texts.get(self.ctx.language) or texts["id"]

    def _data(self, action: str) -> str:
        return f"f{self.ctx.next_rev}:{action}"

    # -- answers and expressions --------------------------------------------------------------

    @staticmethod
    def _answers(state: dict[str, Any]) -> dict[str, Any]:
        return state["answers"]

    def _values(self, state: dict[str, Any], position: Position | None) -> dict[str, Any]:
        """Top-level answers, overlaid with the answers of the current repeat item."""
        groups = self._group_names
        values = {k: v for k, v in self._answers(state).items() if k not in groups}
        if position and position.group is not None:
            items = self._answers(state).get(position.group, [])
            if position.index is not None and position.index < len(items):
                values.update(items[position.index])
        return {k: ("" if v is None else _choice_names(v)) for k, v in values.items()}

    def _relevant(self, expression_owner: Question | RepeatGroup, values: dict) -> bool:
        expression = (
            expression_owner.parsed_relevant()
            if isinstance(expression_owner, RepeatGroup)
            else expression_owner.parsed("relevant")
        )
        if expression is None:
            return True
        return expression.truthy(EvalContext(values=values, today=self.ctx.today))

    def next_position(self, state: dict[str, Any]) -> Position | None:
        """The first relevant question without an answer, or None when all are answered."""
        answers = self._answers(state)
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name not in answers and self._relevant(item, self._values(state, None)):
                    return Position(item.name)
                continue
            if not self._relevant(item, self._values(state, None)):
                continue
            items = answers.get(item.name, [])
            for index, values in enumerate(items):
                position_values = self._values(state, Position("", item.name, index))
                for child in item.children:
                    if child.name not in values and self._relevant(child, position_values):
                        return Position(child.name, item.name, index)
            if item.name in state["closed"] or len(items) >= item.max_count:
                continue
            if len(items) < item.min_count:
                return Position(item.children[0].name, item.name, len(items))
            return Position(MORE, item.name, len(items))
        return None

    def final_answers(self, state: dict[str, Any]) -> dict[str, Any]:
        """Only the answers still relevant (an edit may have turned some questions off)."""
        result: dict[str, Any] = {}
        answers = self._answers(state)
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name in answers and self._relevant(item, self._values(state, None)):
                    result[item.name] = answers[item.name]
                continue
            if not self._relevant(item, self._values(state, None)):
                continue
            kept = []
            for index, values in enumerate(answers.get(item.name, [])):
                position_values = self._values(state, Position("", item.name, index))
                kept.append(
                    {
                        child.name: values[child.name]
                        for child in item.children
                        if child.name in values and self._relevant(child, position_values)
                    }
                )
            result[item.name] = kept
        return result

    def _current(self, state: dict[str, Any]) -> Position | None:
        if state.get("editing"):
            return Position.from_list(state["editing"])
        return self.next_position(state)

    def _store(self, state: dict[str, Any], position: Position, value: Any) -> None:
        answers = self._answers(state)
        if position.group is None:
            answers[position.name] = value
            return
        items = answers.setdefault(position.group, [])
        while len(items) <= position.index:
            items.append({})
        items[position.index][position.name] = value

    # -- rendering ----------------------------------------------------------------------------

    async def _options(self, question: Question, state, position) -> list[ChoiceOption]:
        if question.choices is not None:
            return [
                ChoiceOption(c.name, self._label(c.label), tuple(c.aliases))
                for c in question.choices
            ]
        assert question.choices_from is not None
        return await self.ctx.choices.options(
            question.choices_from, self._values(state, position), self.ctx.language
        )

    async def render(
        self, state: dict[str, Any], prefix: str = "", *, remove_keyboard: bool = False
    ) -> Outbound:
        """The message for where the form is now: a question, or the summary.

        `remove_keyboard` closes a share-contact/location keyboard left by the last question.
        """
        message = await self._render(state, prefix)
        if remove_keyboard and message.request is None:
            return message.model_copy(update={"remove_keyboard": True})
        return message

    async def _render(self, state: dict[str, Any], prefix: str) -> Outbound:
        while True:
            position = self._current(state)
            if position is None:
                return self._render_summary(state, prefix)
            if position.name == MORE:
                group = self.form.group(position.group)
                return Outbound.say(
                    prefix + f"<b>{html.escape(self._label(group.add_another))}</b>",
                    [
                        [
                            Button(label=self.t("common.yes"), data=self._data("y")),
                            Button(label=self.t("common.no"), data=self._data("n")),
                        ]
                    ],
                )
            question = self.form.question(position.name)
            if question.skip_if_single and question.type == QuestionType.SELECT_ONE:
                options = await self._options(question, state, position)
                if len(options) == 1:
                    # Nothing to choose (e.g. a deployment serving one district).
                    self._store(
                        state, position, {"name": options[0].name, "label": options[0].label}
                    )
                    continue
            if question.type == QuestionType.NOTE:
                # A note is shown once, then the form moves on.
                prefix += html.escape(self._label(question.label)) + "\n\n"
                self._store(state, position, True)
                continue
            return await self._render_question(question, state, position, prefix)

    async def _render_question(
        self, question: Question, state: dict[str, Any], position: Position, prefix: str
    ) -> Outbound:
        text = prefix + f"<b>{html.escape(self._label(question.label))}</b>"
        if position.group is not None:
            group = self.form.group(position.group)
            text = prefix + (
                f"<i>{html.escape(self._label(group.label))} {position.index + 1}</i>\n"
                f"<b>{html.escape(self._label(question.label))}</b>"
            )
        if question.hint:
            text += f"\n<i>{html.escape(self._label(question.hint))}</i>"
        rows: list[list[Button]] = []
        request = None
        request_label = ""
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            rows = await self._choice_rows(question, state, position)
        elif question.type == QuestionType.PHONE and question.request_button:
            request, request_label = "contact", self.t("form.share_contact")
            text += "\n" + self.t("form.phone_hint")
        elif question.type == QuestionType.GEOPOINT and question.request_button:
            request, request_label = "location", self.t("form.share_location")
            text += "\n" + self.t("form.location_hint")
        if not question.required:
            rows.append([Button(label=self.t("form.skip"), data=self._data("s"))])
        return Outbound(text=text, buttons=rows, request=request, request_label=request_label)

    async def _choice_rows(self, question, state, position) -> list[list[Button]]:
        options = await self._options(question, state, position)
        page_count = max(1, -(-len(options) // PAGE_SIZE))
        page = min(max(0, state.get("page", 0)), page_count - 1)
        shown = list(enumerate(options))[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        picking = set(state.get("picking", []))
        buttons = []
        for index, option in shown:
            ticked = question.type == QuestionType.SELECT_MULTIPLE and option.name in picking
            mark = "✅ " if ticked else ""
            buttons.append(Button(label=mark + option.label, data=self._data(f"o{index}")))
        per_row = 2 if all(len(b.label) <= 16 for b in buttons) else 1
        rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
        navigation = []
        if page > 0:
            navigation.append(
                Button(label=self.t("form.previous"), data=self._data(f"p{page - 1}"))
            )
        if page < page_count - 1:
            navigation.append(Button(label=self.t("form.next"), data=self._data(f"p{page + 1}")))
        if navigation:
            rows.append(navigation)
        if question.type == QuestionType.SELECT_MULTIPLE:
            rows.append([Button(label=self.t("form.done_picking"), data=self._data("d"))])
        return rows

    def _render_summary(self, state: dict[str, Any], prefix: str) -> Outbound:
        lines = [prefix + f"<b>{self.t('form.summary_title')}</b>"]
        for number, (label, display) in enumerate(self._summary_lines(state), start=1):
            lines.append(f"{number}. {html.escape(label)}: {html.escape(display)}")
        lines.append("")
        lines.append(self.t("form.summary_hint"))
        return Outbound.say(
            "\n".join(lines),
            [
                [Button(label=self.t("form.submit"), data=self._data("ok"))],
                [Button(label=self.t("form.edit"), data=self._data("ed"))],
            ],
        )

    def _answered_positions(self, state: dict[str, Any]) -> list[Position]:
        positions = []
        final = self.final_answers(state)
        for item in self.form.items:
            if isinstance(item, Question):
                if item.name in final and item.type != QuestionType.NOTE:
                    positions.append(Position(item.name))
            else:
                for index, values in enumerate(final.get(item.name, [])):
                    positions.extend(
                        Position(child.name, item.name, index)
                        for child in item.children
                        if child.name in values and child.type != QuestionType.NOTE
                    )
        return positions

    def _summary_lines(self, state: dict[str, Any]) -> list[tuple[str, str]]:
        lines = []
        for position in self._answered_positions(state):
            question = self.form.question(position.name)
            label = question.short_label(self.ctx.language)
            if position.group is not None:
                label = f"{label} ({position.index + 1})"
            lines.append((label, self._display(question, self._get(state, position))))
        return lines

    def _get(self, state: dict[str, Any], position: Position) -> Any:
        if position.group is None:
            return self._answers(state).get(position.name)
        return self._answers(state)[position.group][position.index].get(position.name)

    def _display(self, question: Question, value: Any) -> str:
        """How a stored answer is shown back (masked where personal)."""
        if value is None:
            return self.t("form.skipped")
        if question.type in (QuestionType.NIK, QuestionType.KK):
            from handlers.masking import mask_identifier

            return mask_identifier(value)
        if question.type == QuestionType.PHONE:
            return value["e164"]
        if question.type == QuestionType.GEOPOINT:
            return f"{value['lat']:.5f}, {value['lon']:.5f}"
        if question.type == QuestionType.IMAGE:
            return "📷"
        if question.type == QuestionType.DECIMAL:
            return parsers.display_decimal(value)
        if question.type == QuestionType.DATE:
            return date.fromisoformat(value).strftime("%d-%m-%Y")
        if isinstance(value, dict) and "label" in value:
            return value["label"]
        if isinstance(value, list):
            return ", ".join(v["label"] if isinstance(v, dict) else str(v) for v in value)
        return str(value)

    # -- the step -----------------------------------------------------------------------------

    async def start(self, state: dict[str, Any], prefix: str = "") -> StepResult:
        """The first message of a new (or resumed) form."""
        message = await self.render(state, prefix)
        return StepResult(state, [message])

    async def step(self, state: dict[str, Any], event: Inbound, rev: int) -> StepResult:
        """Apply one inbound event; `rev` is the session's current revision."""
        phase = state.get("phase", "ask")
        if event.kind == InboundKind.BUTTON:
            action = _button_action(event.data, rev)
            if action is None:
                message = await self.render(state, self.t("form.stale_button") + "\n\n")
                return StepResult(state, [message])
        else:
            action = None
        if phase in ("summary", "edit_menu") or self._current(state) is None:
            return await self._step_summary(state, action)
        position = self._current(state)
        assert position is not None
        if position.name == MORE:
            return await self._step_more(state, position, event, action)
        question = self.form.question(position.name)
        return await self._step_question(state, position, question, event, action)

    async def _ask_again(self, state, key: str, **values: Any) -> StepResult:
        message = await self.render(state, "⚠️ " + self.t(key, **values) + "\n\n")
        return StepResult(state, [message])

    async def _advance(
        self, state, question: Question, answer_display: str, extra: list[Outbound] | None = None
    ) -> StepResult:
        state["page"] = 0
        state["picking"] = []
        state["editing"] = None
        ack = self.t(
            "form.ack", label=question.short_label(self.ctx.language), value=answer_display
        )
        messages = list(extra or [])
        if self.next_position(state) is None:
            state["phase"] = "summary" if self.form.confirm else "ask"
            if not self.form.confirm:
                return StepResult(state, messages, finished=True)
        had_keyboard = question.request_button and question.type in (
            QuestionType.PHONE,
            QuestionType.GEOPOINT,
        )
        messages.append(await self.render(state, ack + "\n\n", remove_keyboard=had_keyboard))
        return StepResult(state, messages)

    async def _step_more(self, state, position: Position, event: Inbound, action) -> StepResult:
        choice = action if action in ("y", "n") else None
        if choice is None and event.kind == InboundKind.TEXT and event.text:
            word = parsers.normalise_word(event.text)
            choice = "y" if word in parsers.YES_WORDS else "n" if word in parsers.NO_WORDS else None
        if choice is None:
            return await self._ask_again(state, "answer.need_yes_no")
        if choice == "n":
            state["closed"].append(position.group)
        else:
            self._answers(state).setdefault(position.group, []).append({})
        message = await self.render(state)
        return StepResult(state, [message])

    async def _step_question(
        self, state, position: Position, question: Question, event: Inbound, action: str | None
    ) -> StepResult:
        if action is not None and action.startswith("p") and small_number(action[1:]) is not None:
            state["page"] = small_number(action[1:])
            return StepResult(state, [await self.render(state)])
        if action is None and not question.required and self._is_skip_word(event):
            action = "s"
        if action == "s":
            if question.required:
                return await self._ask_again(state, "answer.required")
            self._store(state, position, None)
            return await self._advance(state, question, self.t("form.skipped"))
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            return await self._step_choice(state, position, question, event, action)
        if action is not None:
            # A button of another kind for this question: show the question again.
            return await self._ask_again(state, "answer.use_buttons_or_type")
        try:
            answer = self._parse(question, event)
        except parsers.Invalid as invalid:
            return await self._ask_again(state, invalid.key, **invalid.values)
        if not self._satisfies(question, state, position, answer.value):
            return await self._ask_again_constraint(state, question)
        self._store(state, position, answer.value)
        if answer.extra:
            state.setdefault("derived", {})[position.name] = answer.extra
        extra: list[Outbound] = []
        if question.type in (QuestionType.NIK, QuestionType.KK) and event.message_id:
            # The message holding a full number is deleted once captured (UU PDP).
            extra.append(Outbound(type="delete", target_message_id=event.message_id))
        return await self._advance(state, question, answer.display, extra)

    def _is_skip_word(self, event: Inbound) -> bool:
        """A typed "Lewati" (channels that show the skip option as a keyboard key)."""
        if event.kind != InboundKind.TEXT or not event.text:
            return False
        word = parsers.normalise_word(event.text)
        return word in (parsers.normalise_word(self.t("form.skip")), "lewati", "skip")

    def _parse(self, question: Question, event: Inbound) -> parsers.Answer:
        kind = question.type
        if kind == QuestionType.TEXT:
            return parsers.parse_text(event, max_length=question.max_length)
        if kind == QuestionType.INTEGER:
            return parsers.parse_integer(event)
        if kind == QuestionType.DECIMAL:
            return parsers.parse_decimal(event)
        if kind == QuestionType.DATE:
            return parsers.parse_date(event, today=self.ctx.today)
        if kind == QuestionType.GEOPOINT:
            return parsers.parse_geopoint(event)
        if kind == QuestionType.IMAGE:
            return parsers.parse_image(event)
        if kind == QuestionType.NIK:
            return parsers.parse_nik_answer(event, today=self.ctx.today)
        if kind == QuestionType.KK:
            return parsers.parse_kk_answer(event, today=self.ctx.today)
        if kind == QuestionType.PHONE:
            return parsers.parse_phone_answer(event)
        raise parsers.Invalid("answer.need_text")

    def _satisfies(self, question: Question, state, position, value: Any) -> bool:
        expression = question.parsed("constraint")
        if expression is None:
            return True
        current = value["e164"] if question.type == QuestionType.PHONE else value
        context = EvalContext(
            values=self._values(state, position), current=current, today=self.ctx.today
        )
        return expression.truthy(context)

    async def _ask_again_constraint(self, state, question: Question) -> StepResult:
        if question.constraint_message:
            text = self._label(question.constraint_message)
            message = await self.render(state, "⚠️ " + html.escape(text) + "\n\n")
            return StepResult(state, [message])
        return await self._ask_again(state, "answer.constraint")

    async def _step_choice(
        self, state, position: Position, question: Question, event: Inbound, action: str | None
    ) -> StepResult:
        options = await self._options(question, state, position)
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        if action == "d" and multiple:
            picked = [o for o in options if o.name in state.get("picking", [])]
            if not picked and question.required:
                return await self._ask_again(state, "answer.pick_at_least_one")
            return await self._accept_choice(state, position, question, picked)
        chosen: list[ChoiceOption]
        if action is not None and action.startswith("o") and small_number(action[1:]) is not None:
            index = small_number(action[1:])
            if index >= len(options):
                return await self._ask_again(state, "answer.use_buttons_or_type")
            chosen = [options[index]]
        elif action is not None:
            return await self._ask_again(state, "answer.use_buttons_or_type")
        elif event.kind == InboundKind.TEXT and event.text:
            found = match_choice(parsers.clean_text(event.text), options, multiple=multiple)
            if found.exact:
                chosen = found.exact
            elif found.suggestions:
                return await self._suggest(state, question, position, options, found.suggestions)
            else:
                return await self._ask_again(state, "answer.no_such_choice")
        else:
            return await self._ask_again(state, "answer.use_buttons_or_type")
        if not multiple:
            return await self._accept_choice(state, position, question, chosen[0])
        if event.kind == InboundKind.TEXT:
            # Typed "1, 3" or names: that is the whole selection.
            return await self._accept_choice(state, position, question, chosen)
        picking = list(state.get("picking", []))
        for option in chosen:
            if option.name in picking:
                picking.remove(option.name)
            else:
                picking.append(option.name)
        state["picking"] = picking
        message = await self.render(state)
        if event.message_id:
            edit = message.model_copy(
                update={"type": "edit", "target_message_id": event.message_id}
            )
            return StepResult(state, [edit])
        return StepResult(state, [message])

    async def _suggest(self, state, question, position, options, suggestions) -> StepResult:
        buttons = [
            [Button(label=o.label, data=self._data(f"o{options.index(o)}"))] for o in suggestions
        ]
        text = (
            self.t("answer.did_you_mean")
            + "\n"
            + f"<b>{html.escape(self._label(question.label))}</b>"
        )
        return StepResult(state, [Outbound.say(text, buttons)])

    async def _accept_choice(self, state, position, question, chosen) -> StepResult:
        if isinstance(chosen, list):
            value = [{"name": o.name, "label": o.label} for o in chosen]
        else:
            value = {"name": chosen.name, "label": chosen.label}
        if not self._satisfies(question, state, position, _choice_names(value)):
            return await self._ask_again_constraint(state, question)
        self._store(state, position, value)
        return await self._advance(state, question, self._display(question, value))

    async def _step_summary(self, state, action: str | None) -> StepResult:
        positions = self._answered_positions(state)
        if action == "ok":
            if self.next_position(state) is not None:
                state["phase"] = "ask"
                return StepResult(state, [await self.render(state)])
            return StepResult(state, [], finished=True)
        if action == "ed":
            state["phase"] = "edit_menu"
            return StepResult(state, [self._render_edit_menu(state, positions)])
        if action is not None and action.startswith("e") and small_number(action[1:]) is not None:
            index = small_number(action[1:])
            if index < len(positions):
                state["phase"] = "ask"
                state["editing"] = positions[index].as_list()
                state["page"] = 0
                question = self.form.question(positions[index].name)
                state["picking"] = (
                    _choice_names(self._get(state, positions[index]))
                    if question.type == QuestionType.SELECT_MULTIPLE
                    else []
                )
                return StepResult(state, [await self.render(state)])
        state["phase"] = "summary"
        prefix = "" if action in (None, "sum") else self.t("form.stale_button") + "\n\n"
        if action is None:
            prefix = self.t("form.use_summary_buttons") + "\n\n"
        return StepResult(state, [self._render_summary(state, prefix)])

    def _render_edit_menu(self, state, positions: list[Position]) -> Outbound:
        buttons = []
        for index, position in enumerate(positions):
            question = self.form.question(position.name)
            label = question.short_label(self.ctx.language)
            if position.group is not None:
                label = f"{label} ({position.index + 1})"
            buttons.append([Button(label=label, data=self._data(f"e{index}"))])
        buttons.append([Button(label=self.t("form.back_to_summary"), data=self._data("sum"))])
        return Outbound.say(self.t("form.edit_which"), buttons)


def _choice_names(value: Any) -> Any:
    """The value expressions see: choice names rather than {name, label} records."""
    if isinstance(value, list):
        return [v["name"] if isinstance(v, dict) and "name" in v else v for v in value]
    if isinstance(value, dict):
        if "name" in value:
            return value["name"]
        if "e164" in value:
            return value["e164"]
        if "lat" in value:
            return f"{value['lat']} {value['lon']}"
        return value.get("ref", "")
    return value


def _button_action(data: str | None, rev: int) -> str | None:
    """The action of a form button of this revision; None for a stale or foreign button."""
    if not data or not data.startswith("f") or ":" not in data:
        return None
    revision, _, action = data[1:].partition(":")
    if small_number(revision) != rev or not action:
        return None
    return action
