"""The step of a choice question (select_one, select_multiple): its options, a tapped or
typed choice, "did you mean" when typed words are close to several options or a sentence
names one ("anak saya sakit": "Maksud Bapak/Ibu: Sakit?", yes or no), a multiple
choice's ticks until "done", and numbers typed back to options a channel printed as
numbered text (`Inbound.picks`).

`ChoiceStep` is mixed into `FormEngine` (handlers/forms/engine.py); option matching itself is
`handlers/forms/choices.py`.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from handlers.case_numbers import case_number
from handlers.events import Inbound, InboundKind, Outbound, small_number
from handlers.forms import answers as parsers
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
from handlers.forms.summary_replies import BACK_WORDS

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine

MEANT = "meant"  # the state's key for the option a sentence named, asked to confirm
OFFERED = "offered"  # the state's key for the close spellings offered to tap (`_suggest`)
KEPT = "kept"  # the state's key for a sentence kept for a later question (`sentence_fills`)
NOT_MEANT = "nm"  # the action of its "Tidak" button


class ChoiceStep:
    """The choice questions of `FormEngine`."""

    # The buttons under "that desa is in another kecamatan": the kecamatan's question again;
    # while editing from the summary, also back to the summary, the answer as it was.
    PLACE_AGAIN = "up"
    SUMMARY_AGAIN = "sum"

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
        meant = _meant(fs, position, options)
        offered = _offered(fs, position, options)
        if action == NOT_MEANT:
            return await self._ask_again(fs, "answer.not_meant")
        if meant is not None and action is None and event.kind == InboundKind.TEXT:
            # "ya" or "tidak" typed to "Maksud Bapak/Ibu: Sakit?", or the number of its
            # button (1: Ya, 2: Tidak); anything else is an answer.
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
        elif action == self.SUMMARY_AGAIN and fs.state.get("editing"):
            return await self._summary_again(fs)
        elif action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        elif event.kind == InboundKind.TEXT and event.text:
            if (number := case_number(event.text)) is not None:
                # Pasted from a group or the clipboard: named as what it is, not "not listed".
                return await self._ask_again(fs, "answer.case_number.text", number=number)
            default = self._default(fs, question, position)
            typed = parsers.clean_text(event.text)
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
            named = None if found.exact or multiple else option_in_sentence(event.text, options)
            kept = None if found.exact else self._keep_sentence(fs, position, question, event)
            if named is None and kept is not None and question.sentence_default:
                named = next(o for o in options if o.name == question.sentence_default)
            if named is not None:
                return self._confirm_named(fs, position, options, named, kept)
            if found.suggestions and not found.exact:
                return self._suggest(fs, question, options, found.suggestions)
            if found.number is not None:
                return await self._ask_again(fs, "answer.number_not_listed", number=found.number)
            if not found.exact:
                elsewhere = await self._named_elsewhere(fs, position, question, options, typed)
                return elsewhere or await self._ask_again(fs, "answer.no_such_choice")
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

    def _place_answer(
        self: FormEngine, fs: FormState, position: Position, question: Question
    ) -> str | None:
        """The answer of this form that a region question's options are in (its kecamatan);
        None when the form did not ask it (the person's own kecamatan)."""
        spec = question.choices_from
        if spec is None or not spec.parent:
            return None
        parent = fs.evaluate(parse_expression(spec.parent), position)
        return next(
            (
                name
                for name, value in fs.answers.items()
                if isinstance(value, dict) and parent and value.get("name") == parent
            ),
            None,
        )

    async def _named_elsewhere(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        options: list[ChoiceOption],
        typed: str,
    ) -> StepResult | None:
        """A desa of another kecamatan typed: where it is, not in the one chosen, and how to
        change the kecamatan (a button back to its question, when this form asked it; the
        summary, while editing). Where the person's own kecamatan is the only one offered:
        that a family there is reported there, or, in a correction (the form's `correcting`
        context value), that a family moved is for the TKSK or coordinator to hear, as a
        correction cannot take it there. None when the name is not a region elsewhere either."""
        spec = question.choices_from
        here = next((o.place for o in options if o.place), None)
        if spec is None or not spec.parent or here is None:
            return None
        parent = fs.evaluate(parse_expression(spec.parent), position)
        found = await self.ctx.choices.named_elsewhere(spec, str(parent or ""), typed)
        if not found:
            return None
        name = found[0][0]
        catalog, language = self.view.catalog, self.ctx.language
        named = [catalog.text(language, "region_answer.kecamatan_named", name=p) for _, p in found]
        places = catalog.listed(language, named)
        text = "⚠️ " + self.t("region_answer.elsewhere", name=name, places=places, here=here)
        asked = self._place_answer(fs, position, question)
        change = self.view.button(self.t("region_answer.change_button"), self.PLACE_AGAIN)
        if asked is not None and not fs.state.get("editing"):
            notice = Outbound.say(text + " " + self.t("region_answer.change_here"), [[change]])
        elif asked is not None:
            # Edited from the summary: a way back there too, the answer left as it was (QA
            # walk 8: "kembali" was "not listed", a wrong desa the only way out).
            back = self.view.button(self.t("region_answer.summary_button"), self.SUMMARY_AGAIN)
            text += " " + self.t("region_answer.change_while_editing")
            notice = Outbound.say(text, [[change], [back]])
        elif self.ctx.context.get("correcting"):
            notice = Outbound.say(text + " " + self.t("region_answer.moved_away", here=here))
        else:
            notice = Outbound.say(text + " " + self.t("region_answer.own_place", here=here))
        return StepResult(fs.state, [notice, await self.render(fs.state)])

    async def _place_again(
        self: FormEngine, fs: FormState, position: Position, question: Question
    ) -> StepResult:
        """ "Ganti kecamatan": the answer this question's options are in is asked again (while
        editing from the summary: edited in turn; changed, it asks this question again, then
        the summary comes back)."""
        asked = self._place_answer(fs, position, question)
        if asked is None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if fs.state.get("editing"):
            self._start_editing(fs, Position(asked))
        else:
            del fs.answers[asked]
            fs.state["page"] = 0
        return StepResult(fs.state, [await self.render(fs.state)])

    async def _summary_again(self: FormEngine, fs: FormState) -> StepResult:
        """Back to the summary from an answer edited there, the answer as it was."""
        fs.state.update(phase="summary", page=0, picking=[], editing=None)
        return StepResult(fs.state, [await self.render(fs.state)])

    async def _typed_way_out(
        self: FormEngine, fs: FormState, position: Position, question: Question, event: Inbound
    ) -> StepResult | None:
        """While a choice is edited from the summary, its ways out typed as people read them
        on the buttons: "kembali", "ringkasan" (or the button's words) back to the summary,
        "ganti kecamatan" to the place the options are in. None for any other text."""
        if not fs.state.get("editing"):
            return None
        word = parsers.normalise_word(event.text or "")
        back = {self.t("region_answer.summary_button"), self.t("form.back_to_summary")}
        if word in BACK_WORDS | {parsers.normalise_word(label) for label in back}:
            return await self._summary_again(fs)
        change = parsers.normalise_word(self.t("region_answer.change_button"))
        if word == change and self._place_answer(fs, position, question) is not None:
            return await self._place_again(fs, position, question)
        return None

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
            action = button_action(pick.data, rev)
            if action is None:
                return await self._ask_again(fs, "answer.number_outdated", number=pick.number)
            index = small_number(action[1:]) if action.startswith("o") else None
            if index is None or index >= len(options):
                return await self._ask_again(fs, "answer.number_not_an_option", number=pick.number)
            chosen.append(options[index])
        if not multiple:
            return await self._accept_choice(fs, position, question, chosen[0])
        return StepResult(fs.state, [await self._toggle(fs, chosen)])

    def _suggest(
        self: FormEngine,
        fs: FormState,
        question: Question,
        options: list[ChoiceOption],
        suggestions: list[ChoiceOption],
    ) -> StepResult:
        """Close spellings of a typed option offered to tap, and a way back to the whole list
        (`NOT_MEANT`, as "Tidak" to a sentence's option); one (of a single choice) is asked
        about by name, and typed "ya" or "tidak" (or 1, 2) answer it (`MEANT`); a number
        typed to several counts them (`OFFERED`)."""
        rows = [[self.view.button(o.label, f"o{options.index(o)}")] for o in suggestions]
        rows.append([self.view.button(self.t("answer.not_these"), NOT_MEANT)])
        position = fs.current()
        assert position is not None  # a question is on screen to suggest for
        if len(suggestions) == 1 and question.type == QuestionType.SELECT_ONE:
            (only,) = suggestions
            fs.state[MEANT] = {"question": position.key, "option": only.name}
            asked = self.t("answer.meant", option=only.label)
        else:
            # A number typed next counts these buttons (`_offered`), not the question's.
            names = [option.name for option in suggestions]
            fs.state[OFFERED] = {"question": position.key, "options": names}
            asked = self.t("answer.did_you_mean")
        text = asked + "\n" + f"<b>{html.escape(self.view.label(question.label))}</b>"
        return StepResult(fs.state, [Outbound.say(text, rows)])

    def _confirm_named(
        self: FormEngine,
        fs: FormState,
        position: Position,
        options: list[ChoiceOption],
        named: ChoiceOption,
        kept: str | None = None,
    ) -> StepResult:
        """ "Maksud Bapak/Ibu: Sakit?" for a sentence naming one option (or the question's
        `sentence_default`): "Ya" taps that option, "Tidak" asks the question again; typed
        yes or no count too (`MEANT`). A sentence kept for a later question is shown under it
        ("Keterangan: anak sakit"). The question is not repeated: above Ya/Tidak it read as
        a second question those buttons answer (QA walk 7)."""
        fs.state[MEANT] = {"question": position.key, "option": named.name}
        rows = [
            [
                self.view.button(self.t("common.yes"), f"o{options.index(named)}"),
                self.view.button(self.t("common.no"), NOT_MEANT),
            ]
        ]
        text = self.t("answer.meant", option=named.label)
        if kept is not None:
            text += "\n" + self.t("answer.sentence_kept", text=html.escape(kept))
        return StepResult(fs.state, [Outbound.say(text, rows)])

    def _keep_sentence(
        self: FormEngine, fs: FormState, position: Position, question: Question, event: Inbound
    ) -> str | None:
        """A sentence typed at a question with `sentence_fills`, kept (`KEPT`) as that later
        question's answer once this one is answered, however (confirmed, tapped after
        "Tidak"), so it is not asked for again; None when the question keeps none, the text
        is a single word (a choice mistyped) or the later question would refuse it."""
        fills = question.sentence_fills
        # A sentence kept before is dropped whatever comes now: only the latest may fill.
        fs.state.pop(KEPT, None)
        if not fills or fs.state.get("editing") or len((event.text or "").split()) < 2:
            return None
        target = self.form.question(fills)
        try:
            value = parsers.parse_text(event, max_length=target.max_length).value
        except parsers.Invalid:
            return None
        if not self._satisfies(fs, target, Position(fills), value):
            return None
        fs.state[KEPT] = {"question": position.key, "value": value}
        return str(value)

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


def forget_offers(state: dict[str, Any]) -> None:
    """Forget the option asked to confirm (`MEANT`) and the close spellings offered
    (`OFFERED`): the question drawn again (after a side trip, a stale button, a resume) shows
    its whole list, and "ya" or a number typed next answers what is on screen now, not a
    message the person has moved on from (code review 11a)."""
    state.pop(MEANT, None)
    state.pop(OFFERED, None)


def _meant(fs: FormState, position: Position, options: list[ChoiceOption]) -> ChoiceOption | None:
    """The option a sentence named at this question last turn, asked to confirm (forgotten
    now: it holds for one answer only)."""
    meant = fs.state.pop(MEANT, None)
    if not meant or meant.get("question") != position.key:
        return None
    return next((option for option in options if option.name == meant.get("option")), None)


def _offered(fs: FormState, position: Position, options: list[ChoiceOption]) -> list[ChoiceOption]:
    """The close spellings offered at this question last turn, in the order shown, that a
    typed number counts (forgotten now: they hold for one answer only); [] when none."""
    offered = fs.state.pop(OFFERED, None)
    if not offered or offered.get("question") != position.key:
        return []
    names = offered.get("options") or []
    return [option for name in names for option in options if option.name == name]
