"""What one step of a form takes and gives: its context (`StepContext`, with the
`ChoiceSource` asked for run-time options), its outcome (`StepResult`), and the action a
form button stands for (`button_action`).

Kept apart from the engine (handlers/forms/engine.py, which exports them too) so the modules
of its steps can build results without importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from handlers.channel_traits import UNKNOWN_CHANNEL, ChannelTraits
from handlers.events import Button, Outbound, small_number
from handlers.forms.choices import ChoiceOption
from handlers.forms.model import Question
from handlers.forms.option_model import ChoicesFrom
from handlers.i18n import Catalog


class WordReading(StrEnum):
    """How a command word typed amid a form reads at the question on screen
    (`FormEngine.read_command_word`)."""

    COMMAND = "command"  # no answer there ("jadwal" at the KK question): a side trip
    ANSWER = "answer"  # the answer (an option named so, "tidak" to "add another?")
    EITHER = "either"  # free text, which any text answers: the person is asked which


class ChoiceSource(Protocol):
    """Run-time knowledge the engine needs: region options and whether a code is known."""

    async def options(
        self, spec: ChoicesFrom, parent: str | None, language: str
    ) -> list[ChoiceOption]: ...

    async def region_known(self, code: str) -> bool: ...

    async def named_elsewhere(
        self, spec: ChoicesFrom, parent: str, typed: str
    ) -> list[tuple[str, str]]: ...


@dataclass
class StepContext:
    """What a step needs besides the form and the state."""

    catalog: Catalog
    language: str
    today: date
    choices: ChoiceSource
    session_id: int  # the session whose step this is: its buttons name it
    next_rev: int  # the revision the session will have once this step is saved
    context: dict[str, Any] = field(default_factory=dict)  # e.g. user_desa, for expressions
    traits: ChannelTraits = UNKNOWN_CHANNEL  # the person's channel (what its questions promise)
    # The rows shown under every question of the form, after the engine's own: a review's
    # "✖️ Batal" (handlers/forms/runner.py `buttons_under`), so a typed number landing on
    # one is told to type "batal" rather than "not in the list", and the screen a number is
    # typed at is known whole (`ChannelTraits.hides_options`).
    rows_under: list[list[Button]] = field(default_factory=list)
    # What the session is about, HTML, atop its summary ("Verifikasi KNG-2026-000001 (Slamet
    # R.)": handlers/forms/runner.py `titled_by`), so answers are never sent on the wrong
    # family; "" for a form about nothing else.
    heading: str = ""


@dataclass
class StepResult:
    """The outcome of one step."""

    state: dict[str, Any]
    messages: list[Outbound] = field(default_factory=list)
    finished: bool = False
    # The question the event was taken as an answer to, accepted or not (None: a button of
    # the summary, "add another?", a stale button).
    question: Question | None = None


def button_data(session_id: int, rev: int, action: str) -> str:
    """A form button's data: its action in session `session_id` at revision `rev`
    (`f<session>.<rev>:<action>`). The session is named because every session's revision
    starts at 1: by its revision alone a button of a finished or paused form would answer
    the open one at the same revision. Session ids are never given twice (migration 0031)."""
    return f"f{session_id}.{rev}:{action}"


def button_action(data: str | None, session_id: int, rev: int) -> str | None:
    """The action of a form button of this session at this revision; None for a stale
    button (an earlier revision) or a foreign one (another session's; one from before
    buttons named their session, `f<rev>:<action>`, whose session cannot be told)."""
    if not data or not data.startswith("f") or ":" not in data:
        return None
    stamp, _, action = data[1:].partition(":")
    session, _, revision = stamp.partition(".")
    if small_number(session) != session_id or small_number(revision) != rev or not action:
        return None
    return action
