"""A question's answer that is not a choice or a photo: the skip button (or "Lewati" typed,
or at a text, location or photo question the number of a button on screen: "1"),
another page of the question, a missing NIK or KK number, the suggested answer tapped, and
a typed answer parsed for its question's type and checked before it is accepted (a refusal
asks the question again, with the constraint's message).

`QuestionStep` is mixed into `FormEngine` (handlers/forms/engine.py); typed answers are read
by `handlers/forms/answers.py` and the parsers beside it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from handlers.events import Inbound, InboundKind, small_number
from handlers.forms import answers as parsers
from handlers.forms.answer_checks import other_identifier_refusal, same_nik_in_item
from handlers.forms.answer_dates import TwoDates, parse_age, parse_date, parse_time
from handlers.forms.answer_identifiers import (
    parse_kk_answer,
    parse_nik_answer,
    parse_phone_answer,
    typed_missing,
)
from handlers.forms.answer_location import parse_geopoint
from handlers.forms.answer_numbers import parse_decimal, parse_integer
from handlers.forms.choices import typed_number
from handlers.forms.image_step import PHOTOS_REMOVING
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult
from handlers.forms.typed_words import location_cannot
from handlers.forms.view import MISSING_CHOICES

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine

# Questions no number answers: a bare number typed there counts their buttons.
NUMBER_AS_BUTTON = (QuestionType.TEXT, QuestionType.GEOPOINT, QuestionType.IMAGE)


class QuestionStep:
    """The typed answers of `FormEngine` (and a question's skip, page and default buttons)."""

    async def _step_question(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
        rev: int,
    ) -> StepResult:
        if (far := await self._step_far(fs, position, question, event, action)) is not None:
            return far
        page = small_number(action[1:]) if action and action.startswith("p") else None
        if page is not None:
            fs.state["page"] = page
            return StepResult(fs.state, [await self.render(fs.state)])
        if action is None:
            action = self._number_as_button(fs, position, question, event)
        if action == self.SUMMARY_AGAIN and fs.state.get("editing"):
            return await self._summary_again(fs)  # "‹ Ke ringkasan", the answer as it was
        if action is None and not question.required and self._is_skip_word(event, question):
            action = "s"
        if action == "s" and question.type == QuestionType.IMAGE and fs.state.get("picking"):
            # Skipping a photo question that holds photos (received, or kept from before
            # when edited from the summary) keeps them: deleting them is its own button.
            action = "d"
        if action == "s":
            if question.required:
                return await self._ask_again(fs, "answer.required")
            return await self._accept(fs, position, question, None, None, self.t("form.skipped"))
        if question.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            return await self._step_choice(fs, position, question, event, action, rev)
        if action is None and (back := await self._typed_back(fs, event)) is not None:
            return back  # a choice reads it only where no option is named so
        if question.type == QuestionType.IMAGE:
            return await self._step_image(fs, position, question, event, action)
        missing = self._missing_answer(question, event, action)
        if missing is not None:
            value = {"missing": missing}
            shown = self.view.display(question, value)
            return await self._accept(fs, position, question, value, None, shown)
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
        elif action is not None and action.startswith("dt") and question.type == QuestionType.DATE:
            # One of the two dates a typed word may mean, tapped: read as that date typed.
            event = event.model_copy(update={"kind": InboundKind.TEXT, "text": action[2:]})
        elif action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if question.own_location and event.kind == InboundKind.LOCATION and event.forwarded:
            return await self._ask_again(fs, "answer.location_forwarded")
        try:
            answer = self._parse(question, event)
        except TwoDates as two:
            heading = (await self.render(fs.state)).text
            message = self.view.which_date(heading, two.values["typed"], two.readings)
            return StepResult(fs.state, [message])
        except parsers.Invalid as invalid:
            return await self._ask_again(fs, invalid.key, **invalid.values)
        if not self._satisfies(fs, question, position, answer.value):
            return await self._ask_again_constraint(fs, question, position)
        if (twin := same_nik_in_item(fs, question, position, answer.value)) is not None:
            return await self._ask_again(fs, "identifier.nik_repeated", number=twin)
        if refusal := other_identifier_refusal(fs, question, position, answer.value):
            return await self._ask_again(fs, refusal[0], **refusal[1])
        if question.verified_only and not answer.value.get("verified"):
            return await self._ask_again_constraint(fs, question, position)  # a typed number
        if (far := self._hold_far(fs, position, question, answer)) is not None:
            return far
        warnings = await self._warnings(fs, question, position, answer)
        # The message holding a full NIK or KK leaves the chat after the turn, whatever it
        # answered (handlers/identifier_messages.py).
        shown = self.view.display(question, answer.value)
        return await self._accept(
            fs, position, question, answer.value, answer.extra or None, shown, warnings=warnings
        )

    def _number_as_button(
        self: FormEngine, fs: FormState, position: Position, question: Question, event: Inbound
    ) -> str | None:
        """The action of the button a bare number typed at a question whose answer is never
        a number (a text, a location, photos) counts: the question's own buttons on screen, in
        their order ("1" is Lewati under a note), as a choice question counts its options. None
        for any other text, a number beyond those buttons (then read as the answer) and at
        questions a number answers (a count, an age, a date, a NIK, KK or phone)."""
        if question.type not in NUMBER_AS_BUTTON or event.kind != InboundKind.TEXT:
            return None
        number = typed_number(event.text or "")
        if number is None or number < 1:
            return None
        default = self._shown_default(fs, question, position)
        picking = fs.state.get("picking", [])
        editing = bool(fs.state.get("editing"))
        shown = self.view.question(
            question,
            "",
            options=[],
            picking=picking,
            page=0,
            default=default,
            back_to_summary=editing,
        )
        if question.type == QuestionType.IMAGE and fs.state.get(PHOTOS_REMOVING):
            shown = self.view.photos_removal(len(picking))  # "delete every photo?"
        actions = [button.data.partition(":")[2] for row in shown.buttons for button in row]
        return actions[number - 1] if number <= len(actions) else None

    def _missing_answer(
        self: FormEngine, question: Question, event: Inbound, action: str | None
    ) -> str | None:
        """The missing number ("tidak_punya", "tidak_tahu") a NIK or KK question that allows
        one was answered with: its button, or the same typed ("tidak ada", "gak tau")."""
        if not question.allow_missing:
            return None
        if action is None:
            return typed_missing(event)
        index = small_number(action[1:]) if action.startswith("m") else None
        return (
            MISSING_CHOICES[index] if index is not None and index < len(MISSING_CHOICES) else None
        )

    def _is_skip_word(self: FormEngine, event: Inbound, question: Question) -> bool:
        """A typed "Lewati" (channels that show the skip option as a keyboard key); at a
        location question also "gk bisa", "tidak ada sinyal" (`typed_words.location_cannot`):
        the skip, then the form's reason question if it has one."""
        if event.kind != InboundKind.TEXT or not event.text:
            return False
        word = parsers.normalise_word(event.text)
        if word in (parsers.normalise_word(self.t("form.skip")), "lewati", "skip"):
            return True
        return question.type == QuestionType.GEOPOINT and location_cannot(event.text)

    def _parse(self: FormEngine, question: Question, event: Inbound) -> parsers.Answer:
        kind = question.type
        today = self.ctx.today
        if kind == QuestionType.TEXT and question.person_name:
            return parsers.parse_person_name(event, max_length=question.max_length)
        if kind == QuestionType.TEXT:
            return parsers.parse_text(
                event, max_length=question.max_length, name_or_address=question.address
            )
        if kind in (QuestionType.INTEGER, QuestionType.DECIMAL):
            units = question.unit.values() if question.unit else ()  # "45 menit"
            if kind == QuestionType.INTEGER:
                return parse_integer(event, units)
            return parse_decimal(event, units)
        if kind == QuestionType.DATE:
            return parse_date(event, today=today, when=question.when)
        if kind == QuestionType.TIME:
            return parse_time(event)
        if kind == QuestionType.AGE:
            return parse_age(event, today=today)
        if kind == QuestionType.GEOPOINT:
            return parse_geopoint(event)
        if kind == QuestionType.NIK:
            return parse_nik_answer(event, today=today)
        if kind == QuestionType.KK:
            return parse_kk_answer(event, today=today)
        if kind == QuestionType.PHONE:
            return parse_phone_answer(event)
        raise parsers.Invalid("answer.need_text")

    async def _ask_again_constraint(
        self: FormEngine, fs: FormState, question: Question, position: Position
    ) -> StepResult:
        if question.constraint_message:
            # ${default}: the suggested answer, as its button shows it (the latest deadline
            # a training's answers may close at: "Minggu, 06-12-2026").
            default = self._shown_default(fs, question, position)
            shown = {"default": str(default)} if default is not None else {}
            text = self._with_answers(fs, position, question.constraint_message, shown)
            message = await self.render(fs.state, "⚠️ " + html.escape(text) + "\n\n")
            return StepResult(fs.state, [message])
        return await self._ask_again(fs, "answer.constraint")
