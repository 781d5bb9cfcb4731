"""/ekspor's choice as its buttons carry it: the dialogue and the filters chosen so far.

Every tap carries them in its button data (`ex:<dialogue>:<act>:<period>:<kec>:<cat>:<state>`,
64 bytes at most). The dialogue is its start, in seconds since 2000 in base 36: its buttons
are refused after DIALOGUE_TTL (handlers/export.py makes one file a dialogue at most).
Here: the data written and read back, and what a choice means (its period's start, its
kecamatan's code, its filters as the messages and the file's info sheet show them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.context import Turn
from handlers.events import button_fields
from handlers.forms.option_labels import category_names, shown
from handlers.scope import scope_of
from handlers.statistics import period_start
from storage.models import CaseState
from storage.repos import Repos

EXPORT_PREFIX = "ex"
PERIODS = ("7", "30", "365", "a")  # days, or all
ALL = "*"  # the person chose "all" for this filter
UNSET = "-"  # not asked yet
STATES = tuple(state.value for state in CaseState if state != CaseState.DRAFT)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DIALOGUE_TTL = timedelta(days=1)  # a dialogue's buttons are refused after this
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DIALOGUE = re.compile(r"[0-9a-z]{1,6}")


@dataclass(frozen=True)
class Choice:
    """The dialogue and the filters chosen so far (UNSET: not asked yet; ALL: no filter)."""

    dialogue: str  # its start (`dialogue_of`)
    period: str
    kecamatan: str = UNSET  # the last segment of the kecamatan code, e.g. "01"
    category: str = UNSET
    state: str = UNSET

    def data(self, act: str = "n") -> str:
        fields = (self.dialogue, act, self.period, self.kecamatan, self.category, self.state)
        return ":".join((EXPORT_PREFIX, *fields))

    @property
    def complete(self) -> bool:
        return UNSET not in (self.kecamatan, self.category, self.state)


def dialogue_of(moment: datetime) -> str:
    """A dialogue started at `moment`: its seconds since EPOCH in base 36 (6 characters
    until November 2068)."""
    seconds, digits = int((moment - EPOCH).total_seconds()), ""
    while True:
        seconds, digit = divmod(seconds, 36)
        digits = _BASE36[digit] + digits
        if not seconds:
            return digits


def _started(dialogue: str) -> datetime | None:
    if not _DIALOGUE.fullmatch(dialogue):
        return None
    return EPOCH + timedelta(seconds=int(dialogue, 36))


async def parse_choice(turn: Turn, data: str) -> tuple[Choice | None, str]:
    """The choice a tap carries; None for foreign data or a dialogue past DIALOGUE_TTL."""
    prefix, dialogue, act, period, kecamatan, category, state, *rest = button_fields(data, 8)
    started = _started(dialogue)
    valid = (
        prefix == EXPORT_PREFIX
        and not any(rest)
        and started is not None
        and turn.now - started <= DIALOGUE_TTL
        and act in ("n", "b")
        and period in PERIODS
        and (kecamatan in (UNSET, ALL) or await kecamatan_code(turn, kecamatan) is not None)
        and (category in (UNSET, ALL) or category in category_names(turn.app.forms, "id"))
        and (state in (UNSET, ALL) or state in STATES)
    )
    return (Choice(dialogue, period, kecamatan, category, state) if valid else None), act


async def kecamatan_code(turn: Turn, segment: str, repos: Repos | None = None) -> str | None:
    """The full code of a kecamatan of the person's kabupaten, from its last segment."""
    kabupaten = scope_of(turn.user).kabupaten_code
    if not (segment.isdigit() and len(segment) == 2 and kabupaten):
        return None
    region = await (repos or turn.repos).regions.get(f"{kabupaten}.{segment}")
    return region.code if region and region.parent_code == kabupaten else None


def since_of(turn: Turn, choice: Choice) -> datetime | None:
    """The first moment of the chosen period (local midnight); None for all time."""
    if choice.period == "a":
        return None
    return period_start(turn.app, turn.now, int(choice.period))[0]


async def filters_text(turn: Turn, choice: Choice, repos: Repos | None = None) -> str:
    """The choice as the messages and the file's info sheet show it ("30 hari terakhir · ...")."""
    parts = [
        turn.t("export.filter_all_time")
        if choice.period == "a"
        else turn.t("export.filter_days", days=choice.period)
    ]
    if choice.kecamatan not in (UNSET, ALL):
        repos = repos or turn.repos
        code = await kecamatan_code(turn, choice.kecamatan, repos)
        name = await repos.regions.name_of(code) if code else "-"
        parts.append(turn.t("export.filter_kecamatan", name=name))
    if choice.category not in (UNSET, ALL):
        names = category_names(turn.app.forms, turn.language)
        parts.append(shown(names, choice.category))
    if choice.state not in (UNSET, ALL):
        parts.append(turn.t(f"case_states.{choice.state}"))
    return " · ".join(parts)
