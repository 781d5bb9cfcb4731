"""The form engine: (form, state, inbound event) -> (new state, outbound messages).

It does no I/O of its own beyond asking a `ChoiceSource` for run-time options, so the same
engine serves Telegram, WhatsApp, the terminal demo and the tests. The caller stores the new
state in the same transaction as the inbox row and the reply. `FormEngine.start`, `step` and
`render` are the way in; this module holds rendering, the step's dispatch and "add another?".
Beside it (each check or kind of step a mixin of `FormEngine`):

  step.py           what a step takes and gives (StepContext, ChoiceSource, StepResult)
  answer_checks.py  an answer refused (constraint) or taken with a doubt (warning)
  choice_step.py    choice questions: options, a tapped or typed choice, ticks
  choice_offers.py  a choice typed close to options: "did you mean", a sentence's option
  region_answers.py a desa of another kecamatan typed: where it is, how to change it
  image_step.py     photo questions: photos one by one or as an album, up to a limit
  far_location.py   a location far from the report's the form is about: asked to confirm
  late_media.py     a photo or a location after its question went by: said not kept
  question_step.py  other questions: skip, pages, a missing number, typed answers parsed
  summary_step.py   the summary and its edit menu: send, an answer edited, typed replies
  ways_back.py      back to the summary from an answer edited there; "kembali" typed

State: `handlers/forms/state.py`; looks: `handlers/forms/view.py`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from handlers.events import Inbound, InboundKind, Outbound
from handlers.forms import answers as parsers
from handlers.forms.answer_checks import AnswerChecks
from handlers.forms.choice_offers import ChoiceOffers, forget_offers
from handlers.forms.choice_step import ChoiceStep
from handlers.forms.choices import ChoiceOption, match_choice
from handlers.forms.expr import REFERENCE, text_of
from handlers.forms.far_location import FAR, FarLocation
from handlers.forms.image_step import PHOTOS_REMOVING, ImageStep
from handlers.forms.late_media import LateMedia
from handlers.forms.model import Form, Question, QuestionType
from handlers.forms.question_step import QuestionStep
from handlers.forms.region_answers import RegionAnswers
from handlers.forms.state import MORE, FormState, Position, new_state
from handlers.forms.step import ChoiceSource, StepContext, StepResult, WordReading, button_action
from handlers.forms.summary_step import SummaryStep
from handlers.forms.view import FormView
from handlers.forms.ways_back import WaysBack

__all__ = ["ChoiceSource", "FormEngine", "StepContext", "StepResult", "new_state"]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FormEngine(
    AnswerChecks,
    ChoiceStep,
    ChoiceOffers,
    RegionAnswers,
    ImageStep,
    FarLocation,
    LateMedia,
    QuestionStep,
    SummaryStep,
    WaysBack,
):
    """Runs one form for one person."""

    def __init__(self, form: Form, ctx: StepContext) -> None:
        self.form = form
        self.ctx = ctx
        self.view = FormView(ctx.catalog, ctx.language, ctx.session_id, ctx.next_rev, ctx.traits)

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

    def current_position(self, state: dict[str, Any]) -> Position | None:
        """The question on screen: the one being edited from the summary, else the next one;
        None at the summary."""
        return self._state(state).current()

    # -- options and defaults -----------------------------------------------------------------

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
        # Whatever is drawn now replaces a "did you mean" on screen, unless it is that offer
        # drawn again (`_offer_again`): its notes go.
        pending = forget_offers(fs.state)
        fs.state.pop(FAR, None)  # a far location asked about: forgotten, as an offer is
        if fs.settle_phase():  # opened at the summary, answers missing: asked first, said why
            prefix += self.t("form.answers_missing") + "\n\n"
        while True:
            position = fs.current()
            if position is None and fs.state.get("phase") == "edit_menu":
                labels = self._answer_labels(fs.answered_positions())
                return self.view.edit_menu(labels, fs.state.get("page", 0), prefix)
            if position is None:
                return self.view.summary(self._summary_lines(fs), prefix, self.ctx.heading)
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
            if options and (
                offer := self._offer_again(fs, position, question, options, prefix, pending)
            ):
                return offer
            if question.type == QuestionType.IMAGE and fs.state.get(PHOTOS_REMOVING):
                return self.view.photos_removal(len(fs.state.get("picking", [])), prefix)
            default = self._shown_default(fs, question, position)
            # A label may show values (${name}) as constraint messages do: answers, or what
            # the form's context gives (e.g. the date a visited case was reported).
            label = self._with_answers(fs, position, question.label)
            editing = bool(fs.state.get("editing"))
            message = self.view.question(
                question,
                prefix + self.view.heading(question, position, group, label),
                options=options,
                picking=fs.state.get("picking", []),
                page=fs.state.get("page", 0),
                default=default,
                back_to_summary=editing,
            )
            return self._back_in_sight(message) if editing else message

    def _shown_default(self, fs: FormState, question: Question, position: Position) -> Any:
        """The suggested answer as its button shows it: a date with its day name (an age's
        birth date without one), other values as they are; None when there is none."""
        default = self._default(fs, question, position)
        if isinstance(default, date):  # computed: date(...)
            default = default.isoformat()
        if isinstance(default, str) and _ISO_DATE.match(default):
            if question.type == QuestionType.DATE:
                return self.view.day(default)
            return date.fromisoformat(default).strftime("%d-%m-%Y")
        return default

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
        action = None
        if event.kind == InboundKind.BUTTON:
            action = button_action(event.data, self.ctx.session_id, rev)
            if action is None:
                prefix = self.t("form.stale_button") + "\n\n"
                return StepResult(state, [await self.render(state, prefix)])
        fs.settle_phase()  # a summary saved with an answer missing showed that question
        position = fs.current()
        if (not_kept := await self._photo_not_kept(fs, event, position)) is not None:
            return not_kept
        if (not_kept := await self._location_not_kept(fs, event, position)) is not None:
            return not_kept
        if event.album_continues and event.kind != InboundKind.PHOTO:
            return StepResult(fs.state, [])  # an album's video or file: its last piece answers
        if event.spoken:  # whatever the question, it cannot be answered aloud
            return await self._ask_again(fs, "answer.spoken")
        if state.get("phase") in ("summary", "edit_menu") or position is None:
            return await self._step_summary(fs, action, event)
        if position.name == MORE:
            return await self._step_more(fs, position, event, action)
        question = self.form.question(position.name)
        result = await self._step_question(fs, position, question, event, action, rev)
        result.question = question
        return result

    async def read_command_word(self, state: dict[str, Any], event: Inbound) -> WordReading:
        """How a typed text reads at the question on screen (parsed or matched to an option
        as `step` would, before any constraint), with nothing stored: the router runs a
        command word typed amid a form ("jadwal") as a side trip where it is no answer, keeps
        an option named so, and asks at free text ("cari" as a name). The summary takes its
        buttons, "add another?" yes or no."""
        fs = self._state(state)
        position = fs.current()
        if position is None:  # the summary or its edit menu (a question left is on screen)
            return WordReading.COMMAND
        if position.name == MORE:
            answers = parsers.yes_or_no(event.text or "") is not None
            return WordReading.ANSWER if answers else WordReading.COMMAND
        question = self.form.question(position.name)
        if not question.required and self._is_skip_word(event, question):
            return WordReading.ANSWER
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            options = await self._options(fs, question, position)
            multiple = question.type == QuestionType.SELECT_MULTIPLE
            typed = parsers.clean_text(event.text or "")
            exact = match_choice(typed, options, multiple=multiple).exact
            return WordReading.ANSWER if exact else WordReading.COMMAND
        if question.type == QuestionType.IMAGE:
            return WordReading.COMMAND
        if self._missing_answer(question, event, None) is not None:
            return WordReading.ANSWER
        try:
            self._parse(question, event)
        except parsers.Invalid:
            return WordReading.COMMAND
        return WordReading.EITHER if question.type == QuestionType.TEXT else WordReading.ANSWER

    async def _ask_again(self, fs: FormState, key: str, **values: Any) -> StepResult:
        message = await self.render(fs.state, "⚠️ " + self.t(key, **values) + "\n\n")
        return StepResult(fs.state, [message])

    async def _accept(
        self,
        fs: FormState,
        position: Position,
        question: Question,
        value: Any,
        derived: dict[str, Any] | None,
        shown: str,
        *,
        warnings: list[str] | None = None,
    ) -> StepResult:
        """Store the answer (`shown` as acknowledged) and go on to the next question."""
        state = fs.state
        edited = state.get("editing")
        # An edit from the summary may make another answer's `warning` hold: told with it.
        warned_before = self._warned_keys(fs) if edited else frozenset()
        fs.store(position, value, derived)
        state["page"], state["picking"], state["editing"] = 0, [], None
        ack = self.t("form.ack", label=question.short_label(self.ctx.language), value=shown)
        if edited:
            warnings = [*(warnings or []), *self._newly_warned(fs, position, warned_before)]
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
            choice = parsers.yes_or_no(event.text)
        if choice is None:
            return await self._ask_again(fs, "answer.need_yes_no")
        if choice == "n":
            fs.state["closed"].append(position.group)
        else:
            fs.answers.setdefault(position.group, []).append({})
        return StepResult(fs.state, [await self.render(fs.state)])

    def _with_answers(
        self,
        fs: FormState,
        position: Position,
        texts: dict[str, str],
        shown: dict[str, str] | None = None,
    ) -> str:
        """A form's message with ${name} showing that answer (a repeat group: its number of
        items), or a value `shown` gives."""
        text = self.view.label(texts)
        if "${" not in text:
            return text  # most labels: no answers to gather
        values = fs.values(position)
        values.update(shown or {})
        return REFERENCE.sub(lambda m: text_of(values.get(m.group(1))), text)
