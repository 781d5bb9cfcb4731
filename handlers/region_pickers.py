"""A region's name typed at a picker of buttons outside forms: /pengguna's kecamatan, a
person's new kecamatan or desa, /ekspor's kecamatan filter; likewise a PSM's name typed at
/pengguna's handover picker (its options registered by handlers/people/handover.py with
`typed_options`).

Those pickers page their buttons (on WhatsApp a list of ten rows a page), so a kecamatan
among 30 or a desa among 300 is quicker typed than found. A picker, when shown, notes what a
name typed next would pick (`expect_name`): whose children it offers, the data of a child's
button and the data that shows the picker again; kept as the person's list waiting for a
typed reply (handlers/list_replies.py: the latest list shown, forgotten at their next button
or command, lapsed after 30 minutes; a picker shown again notes itself again). A text
message outside a form, which would otherwise be "not understood", is read against those
regions with the forms' own matching
(`forms.choices.match_choice` over `regions.RegionChoices`, so "Kec. Kadugede" and close
spellings read as in a form's region question) and answered as the picker's buttons are:

- one region named exactly, or a number typed alone counting the picker's option buttons as
  shown (`RegionPicker.shown`: this page, as a form's question counts its page,
  `FormView.by_number`): its button's data, handled as that tap, so every scope, version and
  dialogue check of the picker's buttons applies (nothing is decided here);
- a close spelling: "Maksud Bapak/Ibu: Kadugede?" with its button; several: one button each;
- none: said above the picker again, in one message as a form's refusal above its question
  (handlers/refusal_above.py). A number is refused by the forms' one rule
  (handlers/typed_numbers.py): where the buttons are a WhatsApp list (rows behind "Pilih",
  unnumbered) none is counted, "pilih dari daftar, atau ketik namanya"; past the options, said
  as the button it lands on ("Nomor 9 bukan pilihan: … atau tekan Berikutnya") or not in the
  list; "pick a button or type the name" where they were drawn in the background, uncounted.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from handlers import list_replies
from handlers.context import Turn
from handlers.events import Button, InboundKind, Outbound
from handlers.forms.answers import clean_text
from handlers.forms.choices import ChoiceMatch, ChoiceOption, match_choice
from handlers.forms.option_model import ChoicesFrom
from handlers.refusal_above import refusal_above
from handlers.regions import RegionChoices, region_name
from handlers.typed_numbers import number_beyond, number_hidden

ButtonRoute = Callable[[Turn, str], Awaitable[None]]
# What a picker of one level offers under `parent`: its options (named by the `{code}` of
# their buttons, labelled as the buttons are) and the parent's name, as "not found" says it.
PickerOptions = Callable[[Turn, str], Awaitable[tuple[list[ChoiceOption], str]]]
LIST_KIND = "picker"  # the kind of list (handlers/list_replies.py) a picker notes itself as
_OPTIONS: dict[str, PickerOptions] = {}


def typed_options(level: str) -> Callable[[PickerOptions], PickerOptions]:
    """Register what a picker of `level` offers to names typed at it."""

    def register(source: PickerOptions) -> PickerOptions:
        _OPTIONS[level] = source
        return source

    return register


@typed_options("kecamatan")
@typed_options("desa")
async def _regions(turn: Turn, parent: str) -> tuple[list[ChoiceOption], str]:
    """The kecamatan of a kabupaten, or the desa of a kecamatan."""
    choices = RegionChoices(turn.repos, turn.app.districts)
    regions = await choices.options(ChoicesFrom(source="regions"), parent, turn.language)
    return regions, await region_name(turn, parent)  # a kabupaten in the turn's language


@dataclass(frozen=True)
class RegionPicker:
    """What a name typed at a picker picks: a child of `parent`, by the data of its button
    (`tap`, where `{code}` is the region's code and `{segment}` its last part); `again` is the
    data that shows the picker again."""

    level: str  # what is typed: "kecamatan", "desa" or "psm" (registered `typed_options`)
    parent: str
    tap: str
    again: str
    # The codes of the option buttons on screen, in the order shown: what a typed number
    # counts (noted by `expect_name` from the buttons it finds in the turn's replies).
    shown: tuple[str, ...] = ()
    # The labels of the buttons after them (pages, "back", "whole list"): what a number past
    # the options lands on, said so ("… atau tekan Berikutnya").
    beyond: tuple[str, ...] = ()
    # Whether the channel shows those buttons behind one, unnumbered (WhatsApp's list,
    # `ChannelTraits.hides_options`): then a number counts nothing seen.
    hidden: bool = False
    # Whether those buttons are the close names of a name typed (`_offer`), not the picker:
    # a number refused there shows them again.
    offered: bool = False

    def tap_of(self, code: str) -> str:
        """The data of the button of the region `code`."""
        segment = code.rsplit(".", 1)[-1]
        return self.tap.replace("{code}", code).replace("{segment}", segment)

    def code_of(self, data: str) -> str | None:
        """The code a button's data taps (the inverse of `tap_of`); None for another button
        (a page, "back")."""
        pattern = re.escape(self.tap)
        pattern = pattern.replace(re.escape("{code}"), "(?P<code>[^:]+)", 1)
        pattern = pattern.replace(re.escape("{segment}"), "(?P<segment>[^:.]+)", 1)
        found = re.fullmatch(pattern, data)
        if found is None:
            return None
        if "code" in found.groupdict():
            return found["code"]
        return f"{self.parent}.{found['segment']}"


def hint(turn: Turn, level: str) -> str:
    """The line under a picker saying its region may be typed."""
    return turn.t(f"region_picker.hint.{level}")


async def expect_name(turn: Turn, picker: RegionPicker) -> None:
    """Note that a name (or a number) typed next answers `picker` (shown in this turn: the
    option buttons of its last reply are what a number counts; none when the picker is
    drawn later, in the background)."""
    for reply in reversed(turn.replies):
        buttons = [button for row in reply.buttons for button in row]
        codes = [picker.code_of(button.data) for button in buttons]
        if any(codes):
            last = max(index for index, code in enumerate(codes) if code is not None)
            hides = turn.channel_traits.hides_options
            picker = replace(
                picker,
                shown=tuple(code for code in codes if code is not None),
                beyond=tuple(button.label for button in buttons[last + 1 :]),
                hidden=hides is not None and hides(reply),
            )
            break
    else:
        picker = replace(picker, shown=(), beyond=(), hidden=False)
    await list_replies.expect(turn, LIST_KIND, asdict(picker))


def _picker(details: dict[str, Any]) -> RegionPicker | None:
    """The picker a list note's details describe, if its level is still known."""
    try:
        picker = RegionPicker(**details)
    except TypeError:
        return None
    picker = replace(picker, shown=tuple(picker.shown), beyond=tuple(picker.beyond))  # lists
    return picker if picker.level in _OPTIONS else None


async def take_typed_name(
    turn: Turn, routes: Mapping[str, ButtonRoute], details: dict[str, Any]
) -> bool:
    """Read a text message as a region typed at the picker last shown (`details`: its list
    note, handlers/list_replies.py; `routes`: the button handlers by prefix, which the
    region's tap goes to); False when the note names no picker this can answer."""
    text = turn.event.text if turn.event.kind == InboundKind.TEXT else None
    if turn.user is None or not text:
        return False
    picker = _picker(details)
    route = routes.get(picker.tap.partition(":")[0]) if picker else None
    if picker is None or route is None:
        return False
    options, parent = await _OPTIONS[picker.level](turn, picker.parent)
    by_code = {option.name: option for option in options}
    shown = [by_code[code] for code in picker.shown if code in by_code]
    found = _match(clean_text(text), options, [] if picker.hidden else shown)
    if len(found.exact) == 1:
        await list_replies.forget(turn)  # answered (the next screen, if a list, notes itself)
        await route(turn, picker.tap_of(found.exact[0].name))
        return True
    if found.suggestions:
        await _offer(turn, picker, found.suggestions)
        return True
    if found.number is not None and (picker.hidden or shown):
        warning = "⚠️ " + (
            # No number is seen next to the options (WhatsApp's list): it would count blind.
            number_hidden(turn.t, found.number)
            if picker.hidden
            else number_beyond(turn.t, found.number, len(shown), list(picker.beyond))
        )
        if picker.offered and shown:  # the close names again, which the next number counts
            await _offer(turn, picker, shown, warning + "\n\n")
            return True
    elif found.number is not None:  # buttons drawn in the background: none counted
        warning = "⚠️ " + turn.t("answer.use_buttons_or_type")
    else:  # never the typed text again: it may hold a NIK
        warning = turn.t(f"region_picker.not_found.{picker.level}", parent=parent)
    # One message, as a form's: what was wrong, then the picker again.
    await refusal_above(turn, warning, lambda: route(turn, picker.again))
    return True


def _match(typed: str, options: list[ChoiceOption], by_number: list[ChoiceOption]) -> ChoiceMatch:
    """`match_choice` by what the person sees or types (a label, an alias, a number counting
    `by_number`), never by the code behind a button: a PSM's is their id, which "5" picked
    unseen (a form's option named "1" is that option; no picker's is)."""
    copies = [replace(option, name="") for option in options]
    copy_of = {id(option): copy for option, copy in zip(options, copies, strict=True)}
    original = {id(copy): option for option, copy in zip(options, copies, strict=True)}
    counted = [copy_of[id(option)] for option in by_number]
    found = match_choice(typed, copies, multiple=False, by_number=counted)
    return replace(
        found,
        exact=[original[id(copy)] for copy in found.exact],
        suggestions=[original[id(copy)] for copy in found.suggestions],
    )


async def _offer(
    turn: Turn, picker: RegionPicker, names: list[ChoiceOption], warning: str = ""
) -> None:
    """The close names of what was typed, a button each, and the whole list's (`warning`
    before them: a number refused there)."""
    rows = [[Button(label=o.label, data=picker.tap_of(o.name))] for o in names]
    rows.append([Button(label=turn.t("region_picker.whole_list"), data=picker.again)])
    key = "several" if len(names) > 1 else "did_you_mean"
    text = turn.t(f"region_picker.{key}.{picker.level}", name=names[0].label)
    turn.reply(Outbound.say(warning + text, rows))
    # A number typed next counts these buttons.
    await expect_name(turn, replace(picker, offered=True))
