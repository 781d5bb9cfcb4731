"""A correction of a case sent back, as a form session (QA walk 13). It holds edits of answers
already stored, so it is no draft: never counted or named as one, and it does not expire
while its case still waits for it (the case itself is chased by the daily reminder's "perlu
perbaikan" line). `/draf` and `/lapor` name it "✏️ KNG-… · Nama" (the number fits a WhatsApp
list row's title). Once its case no longer waits for it (rejected meanwhile, handed over,
changed and sent back again since), it is discarded when next touched, with a note. An
erasure of the case's person deletes it at once, with its photos (`ErasureRepo.erase`),
telling nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Turn
from handlers.forms.runner import cancel_form
from storage.models import CaseState, CaseSummary, FormSession
from storage.repos import Repos

REPORT_FORM = "case_report"


def corrected_case(session: FormSession) -> int | None:
    """The id of the case the session corrects; None for any other session (a new report,
    another form)."""
    if session.form_id != REPORT_FORM:
        return None
    revising = (session.state.get("context") or {}).get("revising")
    return int(revising) if revising is not None else None


async def awaited_case(repos: Repos, session: FormSession) -> CaseSummary | None:
    """The case the session corrects, while it still waits for this correction: sent back to
    the session's person (its current reporter), as it was when the correction began (its
    version: a case changed and sent back again since waits for a new one); None for any
    other session, or a correction no longer awaited."""
    if corrected_case(session) is None:
        return None
    return await repos.cases.awaited_by(session.id)


@dataclass(frozen=True)
class Unfinished:
    """A person's unfinished case reports, as /draf and /lapor offer them: corrections of
    cases still sent back (each with its case) and drafts of new reports."""

    corrections: list[tuple[FormSession, CaseSummary]]
    drafts: list[FormSession]

    @property
    def sessions(self) -> list[FormSession]:
        """Every one of them, corrections first (their cases wait for them)."""
        return [session for session, _ in self.corrections] + self.drafts

    def __bool__(self) -> bool:
        return bool(self.corrections or self.drafts)


async def sort_unfinished(turn: Turn, sessions: list[FormSession]) -> Unfinished:
    """Reports with an answer (or corrections) split into corrections and drafts; a
    correction whose case no longer waits for it is discarded here, the person told once
    (`case.correction_closed`)."""
    corrections: list[tuple[FormSession, CaseSummary]] = []
    drafts: list[FormSession] = []
    for session in sessions:
        case_id = corrected_case(session)
        if case_id is None:
            drafts.append(session)
            continue
        case = await awaited_case(turn.repos, session)
        if case is not None:
            corrections.append((session, case))
            continue
        await cancel_form(turn, session)
        await tell_correction_closed(turn, case_id)
    return Unfinished(corrections, drafts)


async def tell_correction_closed(turn: Turn, case_id: int) -> None:
    """A correction discarded as its case no longer waits for it: which case, and that its
    edits were not sent; one of a case changed and sent back to them again since, where to
    correct it now."""
    case = await turn.repos.cases.by_id(case_id)
    if case is None:
        turn.reply(turn.t("case.correction_closed_unknown"))
        return
    if case.state == CaseState.NEEDS_REVISION and turn.user and case.reporter_id == turn.user.id:
        turn.reply(turn.t("case.correction_outdated", number=case.number))
        return
    state = turn.t(f"case_states.{case.state}")
    turn.reply(turn.t("case.correction_closed", number=case.number, state=state))
