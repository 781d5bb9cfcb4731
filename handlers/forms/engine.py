"""The form engine: (form, state, inbound event) -> (new state, outbound messages).

It does no I/O of its own beyond asking a `ChoiceSource` for run-time options, so the same
engine serves Telegram, WhatsApp, the terminal demo and the tests. The caller stores the new
state in the same transaction as the inbox row and the reply. State: `handlers/forms/state.py`;
looks: `handlers/forms/view.py`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from handlers.channel_traits import UNKNOWN_CHANNEL, ChannelTraits
from handlers.events import Inbound, InboundKind, Outbound, small_number
from handlers.forms import answers as parsers
from handlers.forms.choices import ChoiceOption, match_choice
from handlers.forms.expr import REFERENCE, EvalContext, Expression, text_of
from handlers.forms.model import ChoicesFrom, Form, Question, QuestionType, parse_expression
from handlers.forms.state import MORE, FormState, Position, expression_value, new_state
from handlers.forms.view import MISSING_CHOICES, FormView
from handlers.i18n import Catalog

__all__ = ["ChoiceSource", "FormEngine", "StepContext", "StepResult", "new_state"]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ChoiceSource(Protocol):
    """Run-time knowledge the engine needs: region options and whether a code is known."""

    async def options(
        self, spec: ChoicesFrom, parent: str | None, language: str
    ) -> list[ChoiceOption]: ...

    async def region_known(self, code: str) -> bool: ...


@dataclass
class StepContext:
    """What a step needs besides the form and the state."""

    catalog: Catalog
    language: str
    today: date
    choices: ChoiceSource
    next_rev: int  # the revision the session will have once this step is saved
    context: dict[str, Any] = field(default_factory=dict)  # e.g. user_desa, for expressions
    traits: ChannelTraits = UNKNOWN_CHANNEL  # the person's channel (what its questions promise)


@dataclass
class StepResult:
    """The outcome of one step."""

    state: dict[str, Any]
    messages: list[Outbound] = field(default_factory=list)
    finished: bool = False
    # The question the event was taken as an answer to, accepted or not (None: a button of
    # the summary, "add another?", a stale button).
    question: Question | None = None


class FormEngine:
    """Runs one form for one person."""

    def __init__(self, form: Form, ctx: StepContext) -> None:
        self.form = form
        self.ctx = ctx
        self.view = FormView(ctx.catalog, ctx.language, ctx.next_rev, ctx.traits)
        # The answers whose `warning` held when an edit from the summary began (`step`).
        self._warned_before: frozenset[str] = frozenset()

    def t(self, key: str, /, **values: Any) -> str:
        return self.view.t(key, **values)

    def _state(self, state: dict[str, Any]) -> FormState:
        return FormState(self.form, state, today=self.ctx.today, context=self.ctx.context)

    def final_answers(self, state: dict[str, Any]) -> dict[str, Any]:
        """Only the answers still relevant (an edit may have turned some questions off)."""
        return self._state(state).final_answers()

    def next_position(self, state: dict[str, Any]) -> Position | None:
        """The first relevant unanswered question."""
        return self._state(state).next_position()

    # -- options and defaults -----------------------------------------------------------------

    async def _options(
        self, fs: FormState, question: Question, position: Position
    ) -> list[ChoiceOption]:
        if question.choices is not None:
            return [
                ChoiceOption(
                    c.name, self.view.label(c.label), tuple(c.aliases), c.group, c.day_offset
                )
                for c in question.choices
                if c.relevant is None or fs.holds(parse_expression(c.relevant), position)
            ]
        spec = question.choices_from
        assert spec is not None
        parent = fs.evaluate(parse_expression(spec.parent), position) if spec.parent else None
        return await self.ctx.choices.options(
            spec, str(parent) if parent else None, self.ctx.language
        )

    def _default(self, fs: FormState, question: Question, position: Position) -> Any:
        value = fs.evaluate(question.parsed("default"), position)
        return None if value in (None, "", []) else value

    # -- rendering ----------------------------------------------------------------------------

    async def render(
        self, state: dict[str, Any], prefix: str = "", *, remove_keyboard: bool = False
    ) -> Outbound:
        """The message for where the form is now: a question, or the summary.

        `remove_keyboard` closes a share-contact/location keyboard left by the last question.
        """
        message = await self._render(self._state(state), prefix)
        if remove_keyboard and message.request is None:
            return message.model_copy(update={"remove_keyboard": True})
        return message

    async def _render(self, fs: FormState, prefix: str) -> Outbound:
        while True:
            position = fs.current()
            if position is None:
                return self.view.summary(self._summary_lines(fs), prefix, fs.state.get("page", 0))
            if position.name == MORE:
                return self.view.more(self.form.group(position.group).add_another, prefix)
            question = self.form.question(position.name)
            options: list[ChoiceOption] = []
            if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
                options = await self._options(fs, question, position)
                if question.skip_if_single and len(options) == 1:
                    # Nothing to choose (e.g. a deployment serving one district); chosen from
                    # the summary's edit menu, it is answered again and the form goes on.
                    fs.store(position, {"name": options[0].name, "label": options[0].label}, None)
                    fs.state["editing"] = None
                    continue
            if question.type == QuestionType.NOTE:
                # A note is shown once, then the form moves on.
                prefix += self.view.label(question.label) + "\n\n"
                fs.store(position, True, None)
                continue
            group = (
                self.view.label(self.form.group(position.group).label) if position.group else None
            )
            default = self._default(fs, question, position)
            if isinstance(default, str) and _ISO_DATE.match(default):
                default = date.fromisoformat(default).strftime("%d-%m-%Y")
            # A label may show values (${name}) as constraint messages do: answers, or what
            # the form's context gives (e.g. the date a visited case was reported).
            label = self._with_answers(fs, position, question.label)
            return self.view.question(
                question,
                prefix + self.view.heading(question, position, group, label),
                options=options,
                picking=fs.state.get("picking", []),
                page=fs.state.get("page", 0),
                default=default,
            )

    def _summary_lines(self, fs: FormState) -> list[tuple[str, str]]:
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

    def _position_label(self, question: Question, position: Position) -> str:
        label = question.short_label(self.ctx.language)
        return label if position.group is None else f"{label} ({position.index + 1})"

    # -- the step -----------------------------------------------------------------------------

    async def start(self, state: dict[str, Any], prefix: str = "") -> StepResult:
        """The first message of a new (or resumed) form."""
        return StepResult(state, [await self.render(state, prefix)])

    async def step(self, state: dict[str, Any], event: Inbound, rev: int) -> StepResult:
        """Apply one inbound event; `rev` is the session's current revision."""
        fs = self._state(state)
        if state.get("editing"):  # an edit may make another answer's `warning` hold
            self._warned_before = frozenset(warned.key for warned in self._warned(fs))
        action = None
        if event.kind == InboundKind.BUTTON:
            action = _button_action(event.data, rev)
            if action is None:
                prefix = self.t("form.stale_button") + "\n\n"
                return StepResult(state, [await self.render(state, prefix)])
        position = fs.current()
        if self._rest_of_album(fs, event, position):
            return StepResult(state, [])
        if event.spoken:  # whatever the question, it cannot be answered aloud
            return await self._ask_again(fs, "answer.spoken")
        if state.get("phase") in ("summary", "edit_menu") or position is None:
            return await self._step_summary(fs, action)
        if position.name == MORE:
            return await self._step_more(fs, position, event, action)
        question = self.form.question(position.name)
        result = await self._step_question(fs, position, question, event, action)
        result.question = question
        return result

    def _rest_of_album(self, fs: FormState, event: Inbound, position: Position | None) -> bool:
        """Photos of an album beyond the limit arrive after their question is done: ignored."""
        album = event.media_group_id
        if event.kind != InboundKind.PHOTO or not album or album != fs.state.get("last_album"):
            return False
        return position is None or position.key != fs.state.get("album_question")

    async def _ask_again(self, fs: FormState, key: str, **values: Any) -> StepResult:
        message = await self.render(fs.state, "⚠️ " + self.t(key, **values) + "\n\n")
        return StepResult(fs.state, [message])

    async def _advance(
        self,
        fs: FormState,
        question: Question,
        shown: str,
        *,
        warnings: list[str] | None = None,
    ) -> StepResult:
        state = fs.state
        edited = state.get("editing")
        state["page"], state["picking"], state["editing"] = 0, [], None
        ack = self.t("form.ack", label=question.short_label(self.ctx.language), value=shown)
        if edited:
            warnings = [*(warnings or []), *self._newly_warned(fs, Position.from_list(edited))]
        for warning in warnings or []:
            ack += "\n⚠️ " + warning
        messages: list[Outbound] = []
        if fs.next_position() is None:
            if not self.form.confirm:
                return StepResult(state, messages, finished=True)
            state["phase"] = "summary"
        had_keyboard = question.request_button and question.type in (
            QuestionType.PHONE,
            QuestionType.GEOPOINT,
        )
        messages.append(await self.render(state, ack + "\n\n", remove_keyboard=had_keyboard))
        return StepResult(state, messages)

    async def _step_more(
        self, fs: FormState, position: Position, event: Inbound, action: str | None
    ) -> StepResult:
        choice = action if action in ("y", "n") else None
        if choice is None and event.kind == InboundKind.TEXT and event.text:
            word = parsers.normalise_word(event.text)
            choice = "y" if word in parsers.YES_WORDS else "n" if word in parsers.NO_WORDS else None
        if choice is None:
            return await self._ask_again(fs, "answer.need_yes_no")
        if choice == "n":
            fs.state["closed"].append(position.group)
        else:
            fs.answers.setdefault(position.group, []).append({})
        return StepResult(fs.state, [await self.render(fs.state)])

    async def _step_question(
        self,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
    ) -> StepResult:
        page = small_number(action[1:]) if action and action.startswith("p") else None
        if page is not None:
            fs.state["page"] = page
            return StepResult(fs.state, [await self.render(fs.state)])
        if action is None and not question.required and self._is_skip_word(event):
            action = "s"
        if action == "s":
            if question.required:
                return await self._ask_again(fs, "answer.required")
            fs.store(position, None, None)
            return await self._advance(fs, question, self.t("form.skipped"))
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            return await self._step_choice(fs, position, question, event, action)
        if question.type == QuestionType.IMAGE:
            return await self._step_image(fs, position, question, event, action)
        missing = small_number(action[1:]) if action and action.startswith("m") else None
        if question.allow_missing and missing is not None and missing < len(MISSING_CHOICES):
            value = {"missing": MISSING_CHOICES[missing]}
            fs.store(position, value, None)
            return await self._advance(fs, question, self.view.display(question, value))
        if action == "df":
            default = self._default(fs, question, position)
            if default is None:
                return await self._ask_again(fs, "answer.use_buttons_or_type")
            if question.type == QuestionType.PHONE:
                # Phone defaults are numbers the channel itself vouched for (channel_phone).
                update = {
                    "kind": InboundKind.CONTACT,
                    "contact_phone": str(default),
                    "contact_is_sender": True,
                }
            else:
                update = {"kind": InboundKind.TEXT, "text": str(default)}
            event = event.model_copy(update=update)
        elif action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if question.own_location and event.kind == InboundKind.LOCATION and event.forwarded:
            return await self._ask_again(fs, "answer.location_forwarded")
        try:
            answer = self._parse(question, event)
        except parsers.Invalid as invalid:
            return await self._ask_again(fs, invalid.key, **invalid.values)
        if not self._satisfies(fs, question, position, answer.value):
            return await self._ask_again_constraint(fs, question, position)
        if (twin := _same_nik_in_item(fs, question, position, answer.value)) is not None:
            return await self._ask_again(fs, "identifier.nik_repeated", number=twin)
        if question.verified_only and not answer.value.get("verified"):
            return await self._ask_again_constraint(fs, question, position)  # a typed number
        warnings = await self._warnings(fs, question, position, answer)
        fs.store(position, answer.value, answer.extra or None)
        # The message holding a full NIK or KK leaves the chat after the turn, whatever it
        # answered (handlers/identifier_messages.py).
        shown = self.view.display(question, answer.value)
        return await self._advance(fs, question, shown, warnings=warnings)

    def _is_skip_word(self, event: Inbound) -> bool:
        """A typed "Lewati" (channels that show the skip option as a keyboard key)."""
        if event.kind != InboundKind.TEXT or not event.text:
            return False
        word = parsers.normalise_word(event.text)
        return word in (parsers.normalise_word(self.t("form.skip")), "lewati", "skip")

    def _parse(self, question: Question, event: Inbound) -> parsers.Answer:
        kind = question.type
        today = self.ctx.today
        if kind == QuestionType.TEXT:
            return parsers.parse_text(event, max_length=question.max_length)
        if kind == QuestionType.INTEGER:
            return parsers.parse_integer(event)
        if kind == QuestionType.DECIMAL:
            return parsers.parse_decimal(event)
        if kind == QuestionType.DATE:
            return parsers.parse_date(event, today=today, when=question.when)
        if kind == QuestionType.TIME:
            return parsers.parse_time(event)
        if kind == QuestionType.AGE:
            return parsers.parse_age(event, today=today)
        if kind == QuestionType.GEOPOINT:
            return parsers.parse_geopoint(event)
        if kind == QuestionType.NIK:
            return parsers.parse_nik_answer(event, today=today)
        if kind == QuestionType.KK:
            return parsers.parse_kk_answer(event, today=today)
        if kind == QuestionType.PHONE:
            return parsers.parse_phone_answer(event)
        raise parsers.Invalid("answer.need_text")

    async def _warnings(
        self, fs: FormState, question: Question, position: Position, answer: parsers.Answer
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

    def _nik_mismatches(self, question: Question, answer: parsers.Answer, facts: dict) -> list[str]:
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
        if parsers.age_fits(nik_born, value["months"], answer.age_slack, today=today):
            return []
        years, months = divmod(parsers.months_between(nik_born, today), 12)
        age = self.t("form.age_years_months", years=years, months=months)
        return [self.t("identifier.age_mismatch", date=shown, age=age)]

    def _holds(self, fs: FormState, expression: Expression, position: Position, value: Any) -> bool:
        """Whether an expression of the question at `position` is true for the answer."""
        context = EvalContext(
            values=fs.values(position), current=expression_value(value), today=self.ctx.today
        )
        return expression.truthy(context)

    def _satisfies(self, fs: FormState, question: Question, position: Position, value: Any) -> bool:
        expression = question.parsed("constraint")
        return expression is None or self._holds(fs, expression, position, value)

    def _doubts(
        self, fs: FormState, question: Question, position: Position, value: Any
    ) -> list[str]:
        """The question's warning_message when its `warning` holds for the answer (taken
        all the same, e.g. a wife under 18: child marriage is reported, not refused)."""
        expression = question.parsed("warning")
        if expression is None or question.warning_message is None:
            return []
        if not self._holds(fs, expression, position, value):
            return []
        return [html.escape(self._with_answers(fs, position, question.warning_message))]

    def _warned(self, fs: FormState) -> list[Position]:
        """The answers their question's `warning` holds for."""
        if not any(question.warning for question in self.form.questions()):
            return []
        return [
            position
            for position in fs.answered_positions()
            if self._doubts(fs, self.form.question(position.name), position, fs.get(position))
        ]

    def _newly_warned(self, fs: FormState, edited: Position) -> list[str]:
        """The warnings of other answers that an edit made hold (an age changed to 15 under
        "Istri"), each named by its question: told with the edit, as a doubt, not refused."""
        told = []
        for position in self._warned(fs):
            if position == edited or position.key in self._warned_before:
                continue
            question = self.form.question(position.name)
            label = html.escape(self._position_label(question, position))
            doubts = self._doubts(fs, question, position, fs.get(position))
            told += [f"{label}: {doubt}" for doubt in doubts]
        return told

    def _with_answers(self, fs: FormState, position: Position, texts: dict[str, str]) -> str:
        """A form's message with ${name} showing that answer (a repeat group: its number of
        items)."""
        text = self.view.label(texts)
        if "${" not in text:
            return text  # most labels: no answers to gather
        values = fs.values(position)
        return REFERENCE.sub(lambda m: text_of(values.get(m.group(1))), text)

    async def _ask_again_constraint(
        self, fs: FormState, question: Question, position: Position
    ) -> StepResult:
        if question.constraint_message:
            text = self._with_answers(fs, position, question.constraint_message)
            message = await self.render(fs.state, "⚠️ " + html.escape(text) + "\n\n")
            return StepResult(fs.state, [message])
        return await self._ask_again(fs, "answer.constraint")

    async def _step_image(
        self,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
    ) -> StepResult:
        picking: list[Any] = fs.state.setdefault("picking", [])
        if action == "d":
            if not picking:
                return await self._ask_again(fs, "answer.need_photo")
            return await self._accept_photos(fs, position, question)
        if action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if event.kind != InboundKind.PHOTO:
            return await self._ask_again(fs, "answer.need_photo")
        if not event.photo_ref:
            return await self._ask_again(fs, "answer.photo_failed")
        fs.state["last_album"] = event.media_group_id
        fs.state["album_question"] = position.key
        picking.append({"ref": event.photo_ref})
        if len(picking) >= question.max_count:
            return await self._accept_photos(fs, position, question)
        if event.album_continues:
            return StepResult(fs.state, [])  # the album's last photo gets the reply
        prefix = self.t("form.photo_received", count=len(picking)) + "\n\n"
        return StepResult(fs.state, [await self.render(fs.state, prefix)])

    async def _accept_photos(
        self, fs: FormState, position: Position, question: Question
    ) -> StepResult:
        photos = list(fs.state["picking"])
        fs.store(position, photos, None)
        return await self._advance(fs, question, self.view.display(question, photos))

    async def _step_choice(
        self,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
    ) -> StepResult:
        options = await self._options(fs, question, position)
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        if action == "d" and multiple:
            picked = [o for o in options if o.name in fs.state.get("picking", [])]
            if not picked and question.required:
                return await self._ask_again(fs, "answer.pick_at_least_one")
            if not picked:  # an optional question left empty is a skip
                fs.store(position, None, None)
                return await self._advance(fs, question, self.t("form.skipped"))
            return await self._accept_choice(fs, position, question, picked)
        index = small_number(action[1:]) if action and action.startswith("o") else None
        if index is not None:
            if index >= len(options):
                return await self._ask_again(fs, "answer.use_buttons_or_type")
            chosen = [options[index]]
        elif action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        elif event.kind == InboundKind.TEXT and event.text:
            found = match_choice(parsers.clean_text(event.text), options, multiple=multiple)
            if found.suggestions and not found.exact:
                return self._suggest(fs, question, options, found.suggestions)
            if not found.exact:
                return await self._ask_again(fs, "answer.no_such_choice")
            chosen = found.exact
        else:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if not multiple:
            return await self._accept_choice(fs, position, question, chosen[0])
        if event.kind == InboundKind.TEXT:
            # Typed "1, 3" or names: that is the whole selection.
            return await self._accept_choice(fs, position, question, chosen)
        picking = list(fs.state.get("picking", []))
        for option in chosen:
            if option.name in picking:
                picking.remove(option.name)
            else:
                picking.append(option.name)
        fs.state["picking"] = picking
        message = await self.render(fs.state)
        if event.message_id:
            update = {"type": "edit", "target_message_id": event.message_id}
            return StepResult(fs.state, [message.model_copy(update=update)])
        return StepResult(fs.state, [message])

    def _suggest(
        self,
        fs: FormState,
        question: Question,
        options: list[ChoiceOption],
        suggestions: list[ChoiceOption],
    ) -> StepResult:
        rows = [[self.view.button(o.label, f"o{options.index(o)}")] for o in suggestions]
        text = (
            self.t("answer.did_you_mean")
            + "\n"
            + f"<b>{html.escape(self.view.label(question.label))}</b>"
        )
        return StepResult(fs.state, [Outbound.say(text, rows)])

    async def _accept_choice(
        self,
        fs: FormState,
        position: Position,
        question: Question,
        chosen: ChoiceOption | list[ChoiceOption],
    ) -> StepResult:
        derived = None
        if isinstance(chosen, list):
            value: Any = [{"name": o.name, "label": o.label} for o in chosen]
        else:
            value = {"name": chosen.name, "label": chosen.label}
            if chosen.day_offset is not None:
                day = self.ctx.today + timedelta(days=chosen.day_offset)
                derived = {"day": day.isoformat()}
        if not self._satisfies(fs, question, position, value):
            return await self._ask_again_constraint(fs, question, position)
        warnings = []
        if question.nik and isinstance(value, dict):
            facts = fs.state["derived"].get(
                Position(question.nik, position.group, position.index).key
            )
            if facts and facts.get("sex") and facts["sex"] != value["name"]:
                warnings.append(self.t("identifier.sex_mismatch"))
        warnings.extend(self._doubts(fs, question, position, value))
        fs.store(position, value, derived)
        return await self._advance(
            fs, question, self.view.display(question, value), warnings=warnings
        )

    async def _step_summary(self, fs: FormState, action: str | None) -> StepResult:
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

    def _start_editing(self, fs: FormState, position: Position) -> None:
        """Ask an answered question again, its current choices ticked (a multi-select)."""
        question = self.form.question(position.name)
        state = fs.state
        state["phase"], state["editing"], state["page"] = "ask", position.as_list(), 0
        state["picking"] = (
            [o["name"] for o in fs.get(position)]
            if question.type == QuestionType.SELECT_MULTIPLE and fs.get(position)
            else []
        )

    def _first_refused(self, fs: FormState, positions: list[Position]) -> Position | None:
        """The first answer its question's constraint refuses now (a skip is no answer)."""
        for position in positions:
            value = fs.get(position)
            question = self.form.question(position.name)
            if value is not None and not self._satisfies(fs, question, position, value):
                return position
        return None


def _same_nik_in_item(
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


def _button_action(data: str | None, rev: int) -> str | None:
    """The action of a form button of this revision; None for a stale or foreign button."""
    if not data or not data.startswith("f") or ":" not in data:
        return None
    revision, _, action = data[1:].partition(":")
    if small_number(revision) != rev or not action:
        return None
    return action
