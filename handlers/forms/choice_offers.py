"""What a choice step offers back when a typed answer is not one option: close spellings
to tap ("did you mean"), one option a sentence names to confirm ("anak saya sakit":
"Maksud Bapak/Ibu: Sakit?", yes or no), and a sentence kept for a later question
(`sentence_fills`); each held in the form's state for the next answer only.

`ChoiceOffers` is mixed into `FormEngine` (handlers/forms/engine.py); the choice step that
reads the answers to these offers is `handlers/forms/choice_step.py`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from handlers.events import Inbound, Outbound
from handlers.forms import answers as parsers
from handlers.forms.choices import ChoiceOption
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine

MEANT = "meant"  # the state's key for the option a sentence named, asked to confirm
OFFERED = "offered"  # the state's key for the close spellings offered to tap (`_suggest`)
KEPT = "kept"  # the state's key for a sentence kept for a later question (`sentence_fills`)
NOT_MEANT = "nm"  # the action of its "Tidak" button
# How the option `MEANT` holds was asked about, to draw it again as it was: the one close
# spelling offered (`_suggest`), or the option a sentence named (`_confirm_named`).
SUGGESTED, NAMED = "suggested", "named"


class ChoiceOffers:
    """The offers of `FormEngine`'s choice questions."""

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
        position = fs.current()
        assert position is not None  # a question is on screen to suggest for
        if len(suggestions) == 1 and question.type == QuestionType.SELECT_ONE:
            (only,) = suggestions
            fs.state[MEANT] = {"question": position.key, "option": only.name, "asked": SUGGESTED}
        else:
            # A number typed next counts these buttons (`_offered`), not the question's.
            names = [option.name for option in suggestions]
            fs.state[OFFERED] = {"question": position.key, "options": names}
        return StepResult(fs.state, [self._offer_message(question, options, suggestions)])

    def _offer_message(
        self: FormEngine,
        question: Question,
        options: list[ChoiceOption],
        suggestions: list[ChoiceOption],
        prefix: str = "",
    ) -> Outbound:
        """The close spellings offered (`_suggest`), or one asked about by name."""
        rows = [[self.view.button(o.label, f"o{options.index(o)}")] for o in suggestions]
        rows.append([self.view.button(self.t("answer.not_these"), NOT_MEANT)])
        if len(suggestions) == 1 and question.type == QuestionType.SELECT_ONE:
            asked = self.t("answer.meant", option=suggestions[0].label)
        else:
            asked = self.t("answer.did_you_mean")
        text = asked + "\n" + f"<b>{html.escape(self.view.label(question.label))}</b>"
        return Outbound.say(prefix + text, rows)

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
        fs.state[MEANT] = {"question": position.key, "option": named.name, "asked": NAMED}
        return StepResult(fs.state, [self._named_message(options, named, kept)])

    def _named_message(
        self: FormEngine,
        options: list[ChoiceOption],
        named: ChoiceOption,
        kept: str | None,
        prefix: str = "",
    ) -> Outbound:
        """ "Maksud Bapak/Ibu: Sakit?" [Ya] [Tidak], the sentence kept under it."""
        rows = [
            [
                self.view.button(self.t("common.yes"), f"o{options.index(named)}"),
                self.view.button(self.t("common.no"), NOT_MEANT),
            ]
        ]
        text = self.t("answer.meant", option=named.label)
        if kept is not None:
            text += "\n" + self.t("answer.sentence_kept", text=html.escape(kept))
        return Outbound.say(prefix + text, rows)

    def _offer_again(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        options: list[ChoiceOption],
        prefix: str,
        pending: dict[str, Any],
    ) -> Outbound | None:
        """The offer still open at this question, drawn again as it was (after a side trip,
        a stale button, a resume), so "ya" or a number typed next answers the screen the
        person has (QA walk 10: "1" after "bantuan" took the first kecamatan of a list the
        offer had replaced, on WhatsApp not even visible); None when none is open here, and
        an offer `pending` (what `forget_offers` took) for another question stays forgotten
        (code review 11a)."""
        meant, offered = pending.get(MEANT), pending.get(OFFERED)
        if meant and meant.get("question") == position.key:
            named = next((o for o in options if o.name == meant.get("option")), None)
            if named is not None:
                fs.state[MEANT] = meant  # still open: the answer to it comes next
            if named is not None and meant.get("asked") == SUGGESTED:
                return self._offer_message(question, options, [named], prefix)
            if named is not None:
                kept = fs.state.get(KEPT) or {}
                note = kept.get("value") if kept.get("question") == position.key else None
                note = None if note is None else str(note)
                return self._named_message(options, named, note, prefix)
        if offered and offered.get("question") == position.key:
            names = offered.get("options") or []
            shown = [option for name in names for option in options if option.name == name]
            if shown:
                fs.state[OFFERED] = offered
                return self._offer_message(question, options, shown, prefix)
        return None

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


def forget_offers(state: dict[str, Any]) -> dict[str, Any]:
    """Forget the option asked to confirm (`MEANT`) and the close spellings offered
    (`OFFERED`) once the form draws anything but their question (another question, a page
    of it, the summary): "ya" or a number typed next answers what is on screen now, not a
    message the person has moved on from (code review 11a)."""
    return {key: state.pop(key) for key in (MEANT, OFFERED) if key in state}


def _meant(fs: FormState, position: Position, options: list[ChoiceOption]) -> ChoiceOption | None:
    """The option a sentence named at this question last turn, asked to confirm (forgotten
    now: it holds for one answer only)."""
    meant = fs.state.pop(MEANT, None)
    if not meant or meant.get("question") != position.key:
        return None
    return next((option for option in options if option.name == meant.get("option")), None)


def _keep_offered(fs: FormState, position: Position, offered: list[ChoiceOption]) -> None:
    """The close spellings just offered kept open (a number refused at them): the offer is
    drawn again with the refusal, and the next number counts them still."""
    if offered:
        fs.state[OFFERED] = {"question": position.key, "options": [o.name for o in offered]}


def _offered(fs: FormState, position: Position, options: list[ChoiceOption]) -> list[ChoiceOption]:
    """The close spellings offered at this question last turn, in the order shown, that a
    typed number counts (forgotten now: they hold for one answer only); [] when none."""
    offered = fs.state.pop(OFFERED, None)
    if not offered or offered.get("question") != position.key:
        return []
    names = offered.get("options") or []
    return [option for name in names for option in options if option.name == name]
