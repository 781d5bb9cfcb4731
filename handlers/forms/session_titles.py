"""What a form's session is about, where the form's title alone would not tell: a form about
a case names it ("Verifikasi KNG-2026-000001 (Slamet Riyadi)", handlers/case_forms.py) wherever
its title would stand (coming back after a side trip, "cancel?") and atop its summary
(handlers/forms/runner.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.context import Turn
from handlers.i18n import Markup
from storage.models import FormSession

# form id -> what one of its sessions is about, HTML, or None (said by the form's title)
SessionTitle = Callable[[Turn, FormSession], Awaitable[Markup | None]]
_TITLES: dict[str, SessionTitle] = {}


def titled_by(form_id: str) -> Callable[[SessionTitle], SessionTitle]:
    """Register what a form's sessions are about, said in place of the form's title."""

    def register(function: SessionTitle) -> SessionTitle:
        _TITLES[form_id] = function
        return function

    return register


async def heading_of(turn: Turn, session: FormSession) -> Markup | None:
    """What a session is about, where its form says (`titled_by`); None elsewhere."""
    titled = _TITLES.get(session.form_id)
    return await titled(turn, session) if titled is not None else None
