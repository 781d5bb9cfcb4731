"""What /batal says amid the correction of a case sent back, where "the answers will be
deleted" read as if the report already sent were: only the changes not sent are dropped, the
case still waits for its correction, and the reporter is told how to open it again. The same
for the "send it unchanged" choice beside a correction (`revision_unchanged`): its explanation
is dropped, the correction comes back at its summary."""

from __future__ import annotations

from handlers.case_forms import case_named
from handlers.case_revision import UNCHANGED_FORM
from handlers.context import Turn
from handlers.forms.runner import cancel_worded, form_context
from storage.models import CaseState, FormSession

REPORT_FORM = "case_report"


async def _waiting_case_number(turn: Turn, case_id: object) -> str | None:
    """The number of the case a session is about while it still waits for its correction (its
    reporter's own; None once it does not: the general words then fit)."""
    if not isinstance(case_id, int | str) or not str(case_id).isdigit() or turn.user is None:
        return None
    case = await turn.repos.cases.by_id(int(case_id))
    if case is None or case.reporter_id != turn.user.id or case.state != CaseState.NEEDS_REVISION:
        return None
    return case.number


@cancel_worded(REPORT_FORM)
async def correction_cancel_text(turn: Turn, session: FormSession, step: str) -> str | None:
    """A correction's "cancel?" and "cancelled": its unsent changes go, the case stays as sent
    and waits; a new report (no `revising`) is worded as any form."""
    case_id = form_context(session).get("revising")
    number = await _waiting_case_number(turn, case_id)
    if number is None:
        return None
    if step == "come_back":  # back after a side trip: which family, by its head too
        number = await case_named(turn, case_id) or number
    return turn.t(f"cancel.correction.{step}", number=number)


@cancel_worded(UNCHANGED_FORM)
async def unchanged_cancel_text(turn: Turn, session: FormSession, step: str) -> str | None:
    """ "Send it unchanged?" cancelled: the explanation goes, the correction stays."""
    number = await _waiting_case_number(turn, form_context(session).get("case_id"))
    if number is None or step == "come_back":
        return None
    return turn.t(f"cancel.unchanged.{step}", number=number)
