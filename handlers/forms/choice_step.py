"""The step of a choice question (select_one, select_multiple): its options, a tapped or
typed choice, a multiple choice's ticks until "done", and numbers typed back to options a
channel printed as numbered text (`Inbound.picks`).

`ChoiceStep` is mixed into `FormEngine` (handlers/forms/engine.py); option matching itself is
`handlers/forms/choices.py`; "did you mean" when typed words are close to several options or
a sentence names one ("anak saya sakit": "Maksud Bapak/Ibu: Sakit?", yes or no) is
`handlers/forms/choice_offers.py`; a desa of another kecamatan typed at a region question,
`handlers/forms/region_answers.py`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from handlers.case_numbers import case_number
from handlers.events import Inbound, InboundKind, Outbound, small_number
from handlers.forms import answers as parsers
from handlers.forms.choice_offers import KEPT, MEANT, NOT_MEANT, _keep_offered, _meant, _offered
from handlers.forms.choices import (
    ChoiceOption,
    match_choice,
    only_numbers,
    option_in_sentence,
    typed_number,
)
from handlers.forms.model import Question, QuestionType, parse_expression
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult, button_action
from handlers.typed_numbers import number_beyond, number_hidden

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class ChoiceStep:
    """The choice questions of `FormEngine`."""

    async def _options(
        self: FormEngine, fs: FormState, question: Question, position: Position
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

    async def _step_choice(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
        rev: int,
    ) -> StepResult:
        options = await self._options(fs, question, position)
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        ticks = False  # typed numbers that tick options (below)
        asked = fs.state.get(MEANT)
        meant = _meant(fs, position, options)
        offered = _offered(fs, position, options)
        if action == NOT_MEANT:
            return await self._ask_again(fs, "answer.not_meant")
        if (
            meant is not None
            and action is None
            and event.kind == InboundKind.TEXT
            and not event.picks
        ):
            # "ya" or "tidak" typed to "Maksud Bapak/Ibu: Sakit?", or the number of its
            # button (1: Ya, 2: Tidak); an option named is the answer.
            reply = parsers.yes_or_no(event.text or "")
            number = typed_number(event.text or "")
            if reply is None and number is not None:
                reply = {1: "y", 2: "n"}.get(number)
                if reply is None:
                    return await self._ask_again(fs, "answer.number_not_listed", number=str(number))
            if reply == "y":
                return await self._accept_choice(fs, position, question, meant)
            if reply == "n":
                return await self._ask_again(fs, "answer.not_meant")
            if not _names_an_option(event.text or "", options, multiple) and not (
                self._typed_back_word(event)
            ):
                # Anything else (QA walk 15: "babtan", the next question's answer typed
                # ahead): the offer stays, and a line says what it waits for.
                fs.state[MEANT] = asked
                said = "⚠️ " + self.t("answer.yes_or_no_first") + "\n\n"
                return StepResult(fs.state, [await self.render(fs.state, said)])
        if event.picks and action is None:
            return await self._step_picks(fs, position, question, options, event, rev)
        if action == "d" and multiple:
            picked = [o for o in options if o.name in fs.state.get("picking", [])]
            if not picked and question.required:
                return await self._ask_again(fs, "answer.pick_at_least_one")
            if not picked:  # an optional question left empty is a skip
                skipped = self.t("form.skipped")
                return await self._accept(fs, position, question, None, None, skipped)
            return await self._accept_choice(fs, position, question, picked)
        index = small_number(action[1:]) if action and action.startswith("o") else None
        if index is not None:
            if index >= len(options):
                return await self._ask_again(fs, "answer.use_buttons_or_type")
            chosen = [options[index]]
        elif action == self.PLACE_AGAIN:
            return await self._place_again(fs, position, question)
        elif action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        elif event.kind == InboundKind.TEXT and event.text:
            if (number := case_number(event.text)) is not None:
                # Pasted from a group or the clipboard: named as what it is, not "not listed".
                return await self._ask_again(fs, "answer.case_number.text", number=number)
            default = self._default(fs, question, position)
            typed = parsers.clean_text(event.text)
            if only_numbers(typed) and await self._numbers_hidden(
                fs, question, options, offered, typed
            ):
                # No number is seen next to the options here: it would count blind.
                _keep_offered(fs, position, offered)  # refused, the same screen again
                said = "⚠️ " + number_hidden(self.t, typed) + "\n\n"
                return StepResult(fs.state, [await self.render(fs.state, said)])
            # A number counts the options of the screen on hand: the close spellings just
            # offered, else the question's page or choice group.
            page = fs.state.get("page", 0)
            shown = offered or self.view.by_number(question, options, page, default)
            found = match_choice(typed, options, multiple=multiple, by_number=shown)
            # Numbers counted among some of a multiple choice's options are taps there, as
            # numbers a channel printed are (`_step_picks`): ticks elsewhere stay, and "done"
            # closes. With every option on screen a typed list is the whole selection.
            partial = bool(offered) or not self.view.shows_all(question, options)
            ticks = only_numbers(typed) and partial
            if found.several:
                return await self._ask_again(fs, "answer.one_choice")
            way_out = (
                None if found.exact else await self._typed_way_out(fs, position, question, event)
            )
            if way_out is not None:
                return way_out
            # A desa's exact name in another kecamatan is that desa, before any close spelling
            # here (QA walk 10: "babatan" at Cijemit's desa was "Maksud: Rambatan?").
            elsewhere = (
                None
                if found.exact
                else await self._named_elsewhere(fs, position, question, options, typed)
            )
            if elsewhere is not None:
                return elsewhere
            named = None if found.exact or multiple else option_in_sentence(event.text, options)
            kept = None if found.exact else self._keep_sentence(fs, position, question, event)
            if named is None and kept is not None and question.sentence_default:
                named = next(o for o in options if o.name == question.sentence_default)
            if named is not None:
                return self._confirm_named(fs, position, options, named, kept)
            if found.suggestions and not found.exact:
                return self._suggest(fs, question, options, found.suggestions)
            if found.number is not None:
                _keep_offered(fs, position, offered)  # refused, the same screen again
                return await self._number_not_an_option(
                    fs, question, options, shown, offered, found.number
                )
            if not found.exact:
                return await self._ask_again(fs, "answer.no_such_choice")
            chosen = found.exact
        else:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if not multiple:
            return await self._accept_choice(fs, position, question, chosen[0])
        if event.kind == InboundKind.TEXT and not ticks:
            # Typed "1, 3" with every option on screen, or names: the whole selection.
            return await self._accept_choice(fs, position, question, chosen)
        if event.kind == InboundKind.TEXT:  # not the person's message to edit
            return StepResult(fs.state, [await self._toggle(fs, chosen)])
        message = await self._toggle(fs, chosen)
        if event.message_id:
            update = {"type": "edit", "target_message_id": event.message_id}
            return StepResult(fs.state, [message.model_copy(update=update)])
        return StepResult(fs.state, [message])

    async def _numbers_hidden(
        self: FormEngine,
        fs: FormState,
        question: Question,
        options: list[ChoiceOption],
        offered: list[ChoiceOption],
        typed: str,
    ) -> bool:
        """Whether the screen a number is typed at (the close spellings just offered, else
        the question, with the rows under it) shows its options where no number is seen
        next to them: WhatsApp's list, rows behind its "Pilih" button, unnumbered
        (`ChannelTraits.hides_options`); a typed number counted there picks blind (QA walk
        10). Numbers that are an option's name are that option, hidden or not. Reply buttons
        and Telegram's buttons are in sight (counted, `FormView.by_number`); numbered text
        is read by the channel (`Inbound.picks`)."""
        hides = self.ctx.traits.hides_options
        if hides is None:
            return False
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        if match_choice(typed, options, multiple=multiple, by_number=[]).exact:
            return False
        screen = await self._screen_on_hand(fs, question, options, offered)
        rows = [*screen.buttons, *self.ctx.rows_under]
        return hides(screen.model_copy(update={"buttons": rows}))

    async def _screen_on_hand(
        self: FormEngine,
        fs: FormState,
        question: Question,
        options: list[ChoiceOption],
        offered: list[ChoiceOption],
    ) -> Outbound:
        """The message a number was typed at: the close spellings just offered, else the
        question (without the rows the runner adds under it, `StepContext.rows_under`)."""
        if offered:
            return self._offer_message(question, options, offered)
        return await self.render(fs.state)

    async def _number_not_an_option(
        self: FormEngine,
        fs: FormState,
        question: Question,
        options: list[ChoiceOption],
        shown: list[ChoiceOption],
        offered: list[ChoiceOption],
        number: str,
    ) -> StepResult:
        """A typed number beyond the options `shown` (or the close spellings `offered`),
        said as what it lands on: "Nomor 9 bukan pilihan: pilih salah
        satu nomor 1–8, atau tekan Berikutnya" for a page, group, skip, done or "Bukan,
        lihat daftar" button (the n-th button shown, counted as the options are), "… atau
        ketik batal" for the form's Batal under them (QA walk 10: both were "not in the
        list", though the person saw that number's button); beyond every button, not listed."""
        screen = await self._screen_on_hand(fs, question, options, offered)
        counted = len(offered or shown)
        buttons = [button.label for row in screen.buttons for button in row]
        under = sum(len(row) for row in self.ctx.rows_under)
        said = number_beyond(self.t, number, counted, buttons[counted:], cancel=under)
        return StepResult(fs.state, [await self.render(fs.state, "⚠️ " + said + "\n\n")])

    async def _toggle(self: FormEngine, fs: FormState, chosen: list[ChoiceOption]) -> Outbound:
        """Tick or untick each option of a multiple choice; the question with its ticks."""
        picking = list(fs.state.get("picking", []))
        for option in chosen:
            if option.name in picking:
                picking.remove(option.name)
            else:
                picking.append(option.name)
        fs.state["picking"] = picking
        return await self.render(fs.state)

    async def _step_picks(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        options: list[ChoiceOption],
        event: Inbound,
        rev: int,
    ) -> StepResult:
        """Numbers typed back to the options a channel printed ("1, 8"), each already read
        as the button printed next to it. On a multiple choice each is one tap on its
        option; a number that is not an option of the question on screen (not printed, a
        choice group, a page, "done", an older list) refuses the whole list by its number,
        and nothing changes. One choice takes one number."""
        picks = event.picks
        multiple = question.type == QuestionType.SELECT_MULTIPLE
        if not multiple and len(picks) > 1:
            return await self._ask_again(fs, "answer.one_number")
        chosen: list[ChoiceOption] = []
        for pick in picks:
            if pick.data is None:
                return await self._ask_again(fs, "answer.number_not_listed", number=pick.number)
            action = button_action(pick.data, self.ctx.session_id, rev)
            if action is None:
                return await self._ask_again(fs, "answer.number_outdated", number=pick.number)
            index = small_number(action[1:]) if action.startswith("o") else None
            if index is None or index >= len(options):
                return await self._ask_again(fs, "answer.number_not_an_option", number=pick.number)
            chosen.append(options[index])
        if not multiple:
            return await self._accept_choice(fs, position, question, chosen[0])
        return StepResult(fs.state, [await self._toggle(fs, chosen)])

    async def _accept_choice(
        self: FormEngine,
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
        kept = fs.state.pop(KEPT, None)
        if kept and kept.get("question") == position.key and question.sentence_fills:
            fs.answers[question.sentence_fills] = kept["value"]
        warnings = self._choice_warnings(fs, question, position, value)
        shown = self.view.display(question, value)
        return await self._accept(fs, position, question, value, derived, shown, warnings=warnings)


def _names_an_option(text: str, options: list[ChoiceOption], multiple: bool) -> bool:
    """Whether a typed text is this question's answer on its own: an option's name, or a
    sentence naming one (not a close spelling: those are offered, not taken)."""
    typed = parsers.clean_text(text)
    if match_choice(typed, options, multiple=multiple).exact:
        return True
    return not multiple and option_in_sentence(text, options) is not None
