"""/ekspor's questions after the period: a kecamatan, a category, a state.

Each offers "all" and "make the file now" first, then its options: the kecamatan and the
categories with their counts (counted in the background: all time is every case of the
kabupaten), the states. The choice so far rides in every button (handlers/export_choice.py),
and handlers/export.py sends each tap to the next question.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.context import BackgroundJob, Turn
from handlers.events import Button, Outbound
from handlers.export_choice import (
    ALL,
    EPOCH,
    STATES,
    Choice,
    filters_text,
    kecamatan_code,
    since_of,
)
from handlers.forms.option_labels import category_labels
from handlers.region_pickers import RegionPicker, expect_name, hint
from handlers.scope import scope_of
from storage.repos import Repos
from storage.scope import Scope
from storage.stats import CaseCounts


def _rows_of(buttons: list[Button], first: list[Button]) -> list[list[Button]]:
    rows = [first]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return rows


async def ask_kecamatan(turn: Turn, choice: Choice) -> None:
    """Only the kecamatan that have cases in the period are offered, with their counts
    (counted in the background: all time is every case of the kabupaten); any kecamatan of
    the kabupaten may be typed instead (handlers/region_pickers.py)."""
    turn.later(
        BackgroundJob(lambda repos: _kecamatan_question(turn, choice, repos)), announce=False
    )
    kabupaten = scope_of(turn.user).kabupaten_code
    assert kabupaten is not None  # `_may_export`
    tap = replace(choice, kecamatan="{segment}").data()
    await expect_name(turn, RegionPicker("kecamatan", kabupaten, tap, choice.data()))


async def _kecamatan_question(turn: Turn, choice: Choice, repos: Repos) -> list[Outbound]:
    counts = await _counts(turn, choice, repos, scope_of(turn.user))
    if counts.total == 0:
        return [
            Outbound.say(turn.t("export.none", filters=await filters_text(turn, choice, repos)))
        ]
    buttons = [
        Button(
            label=f"{k.name} ({k.count})",
            data=replace(choice, kecamatan=k.code.rsplit(".", 1)[-1]).data(),
        )
        for k in sorted(counts.by_kecamatan, key=lambda k: k.name)
    ]
    first = [
        Button(label=turn.t("export.all_kecamatan"), data=replace(choice, kecamatan=ALL).data()),
        Button(label=turn.t("export.build_now"), data=choice.data("b")),
    ]
    text = turn.t("export.choose_kecamatan", filters=await filters_text(turn, choice, repos))
    text += "\n" + hint(turn, "kecamatan")
    return [Outbound.say(text, _rows_of(buttons, first))]


async def _counts(turn: Turn, choice: Choice, repos: Repos, scope: Scope) -> CaseCounts:
    """The period's counts; all time from the rollup when it covers the scope."""
    since = since_of(turn, choice)
    counts = await repos.stats.all_time(scope) if since is None else None
    return counts or await repos.stats.counts(scope, since=since or EPOCH, until=turn.now)


def ask_category(turn: Turn, choice: Choice) -> None:
    """The categories with cases in the period (and the kecamatan chosen), with counts."""
    turn.later(BackgroundJob(lambda repos: _category_question(turn, choice, repos)), announce=False)


async def _category_question(turn: Turn, choice: Choice, repos: Repos) -> list[Outbound]:
    scope = scope_of(turn.user)
    code = await kecamatan_code(turn, choice.kecamatan, repos)
    if code is not None:
        scope = replace(scope, kabupaten_code=None, kecamatan_code=code)  # inside theirs
    counts = await _counts(turn, choice, repos, scope)
    labels = category_labels(turn.app.forms, turn.language)  # buttons: the short ones
    buttons = [
        Button(
            label=f"{labels[category]} ({count})",
            data=replace(choice, category=category).data(),
        )
        for category, count in counts.by_category.items()
        if category in labels  # a code the form no longer has cannot be asked for
    ]
    first = [
        Button(label=turn.t("export.all_categories"), data=replace(choice, category=ALL).data()),
        Button(label=turn.t("export.build_now"), data=choice.data("b")),
    ]
    text = turn.t("export.choose_category", filters=await filters_text(turn, choice, repos))
    return [Outbound.say(text, _rows_of(buttons, first))]


async def ask_state(turn: Turn, choice: Choice) -> None:
    """The states a case may be in (a draft is no case yet)."""
    buttons = [
        Button(label=turn.t(f"case_states.{state}"), data=replace(choice, state=state).data())
        for state in STATES
    ]
    first = [Button(label=turn.t("export.all_states"), data=replace(choice, state=ALL).data())]
    first.append(Button(label=turn.t("export.build_now"), data=choice.data("b")))
    text = turn.t("export.choose_state", filters=await filters_text(turn, choice))
    turn.reply(Outbound.say(text, _rows_of(buttons, first)))
