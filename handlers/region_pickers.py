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
- none: said, and the picker again ("Nomor 12 tidak ada di daftar" for a number beyond its
  buttons; "pick a button or type the name" where they were drawn in the background, uncounted).
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
from handlers.forms.choices import ChoiceOption, match_choice
from handlers.forms.option_model import ChoicesFrom
from handlers.regions import RegionChoices, region_name

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
    shown: tuple[str, ...] = ()
    for reply in reversed(turn.replies):
        data = [button.data for row in reply.buttons for button in row]
        codes = [code for code in map(picker.code_of, data) if code is not None]
        if codes:
            shown = tuple(codes)
            break
    await list_replies.expect(turn, LIST_KIND, asdict(replace(picker, shown=shown)))


def _picker(details: dict[str, Any]) -> RegionPicker | None:
    """The picker a list note's details describe, if its level is still known."""
    try:
        picker = RegionPicker(**details)
    except TypeError:
        return None
    picker = replace(picker, shown=tuple(picker.shown))  # a list, once stored
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
    offered, parent = await _OPTIONS[picker.level](turn, picker.parent)
    by_code = {option.name: option for option in offered}
    shown = [by_code[code] for code in picker.shown if code in by_code]
    found = match_choice(clean_text(text), offered, multiple=False, by_number=shown)
    if len(found.exact) == 1:
        await list_replies.forget(turn)  # answered (the next screen, if a list, notes itself)
        await route(turn, picker.tap_of(found.exact[0].name))
        return True
    if found.suggestions:
        rows = [[Button(label=o.label, data=picker.tap_of(o.name))] for o in found.suggestions]
        rows.append([Button(label=turn.t("region_picker.whole_list"), data=picker.again)])
        several = len(found.suggestions) > 1
        key = "several" if several else "did_you_mean"
        text = turn.t(f"region_picker.{key}.{picker.level}", name=found.suggestions[0].label)
        turn.reply(Outbound.say(text, rows))
        await expect_name(turn, picker)  # a number typed next counts these buttons
        return True
    if found.number is not None and shown:
        turn.reply("⚠️ " + turn.t("answer.number_not_listed", number=found.number))
    elif found.number is not None:  # buttons drawn in the background: none counted
        turn.reply("⚠️ " + turn.t("answer.use_buttons_or_type"))
    else:  # never the typed text again: it may hold a NIK
        turn.reply(turn.t(f"region_picker.not_found.{picker.level}", parent=parent))
    await route(turn, picker.again)
    return True
