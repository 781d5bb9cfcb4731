"""Forms about one case named by it: a verification, a follow-up visit, a review's note, the
correction of a case sent back (and its "send it unchanged?") say the case's number and its
head of household wherever the form's title would stand, "Verifikasi KNG-2026-000001 (Slamet
R.)": coming back after a side trip or a day away, "cancel?", and atop the summary
(`session_titles.titled_by`). A form left half-answered on one case and come back to from another
case's page read as the form of the case on screen (QA walk 13): a finding recorded on the
wrong family. Never a NIK or KK: the head's name as the case page shows it.
"""

from __future__ import annotations

from handlers.case_revision import UNCHANGED_FORM
from handlers.context import Turn
from handlers.forms.runner import form_context, form_title
from handlers.forms.session_titles import titled_by
from handlers.i18n import Markup
from handlers.review.decisions import NOTE_FORM
from handlers.review.reporter import REPORT_FORM
from handlers.review.verification_check import VERIFY_FORM
from handlers.review.visits import VISIT_FORM
from handlers.scope import scope_of
from storage.models import FormSession

# Forms opened on a case, its id in their context's `case_id`.
_REVIEW_FORMS = (VERIFY_FORM, VISIT_FORM, NOTE_FORM, UNCHANGED_FORM)
# A finished report's state: the case it made (`note_case_sent`).
SENT_CASE = "sent_case"


def _case_id(value: object) -> int | None:
    """A case id as a session's context keeps it."""
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


async def case_named(turn: Turn, case_id: object) -> Markup | None:
    """A case within the person's reach as their messages name it, HTML: "KNG-2026-000001
    (Slamet Riyadi)", the head of household's full name as the case page shows it, the number
    alone once the head's name is erased; None out of reach."""
    found = _case_id(case_id)
    if found is None or turn.user is None:
        return None
    case = await turn.repos.review.listed(found, scope_of(turn.user))
    if case is None:
        return None
    if not case.head_name:
        return Markup(turn.t("case_form.number", number=case.number))
    return Markup(turn.t("case_form.named", number=case.number, head=case.head_name))


async def _about_case(turn: Turn, case_id: object, what: str) -> Markup | None:
    """`what` (the form's title, or its own words) followed by the case it is about."""
    named = await case_named(turn, case_id)
    if named is None:
        return None
    return Markup(turn.t("case_form.title", what=what, case=named))


def case_of_session(session: FormSession) -> int | None:
    """The case a session is about: a review form's, a correction's (by their context), a
    report's once it made one (`SENT_CASE`); None for any other."""
    context = form_context(session)
    if session.form_id in _REVIEW_FORMS:
        return _case_id(context.get("case_id"))
    if session.form_id == REPORT_FORM:
        return _case_id(context.get("revising", session.state.get(SENT_CASE)))
    return None


async def note_case_sent(turn: Turn, session: FormSession, case_id: int) -> None:
    """Note on a finished report the case it made, for its Kirim tapped again."""
    await turn.repos.forms.note(
        session.id, state={**session.state, SENT_CASE: case_id}, now=turn.now
    )


async def _review_form_title(turn: Turn, session: FormSession) -> Markup | None:
    """A verification, a visit, a review's note, "send it unchanged?": by their case."""
    case_id = case_of_session(session)
    return await _about_case(turn, case_id, await form_title(turn, session))


for _form_id in _REVIEW_FORMS:
    titled_by(_form_id)(_review_form_title)


@titled_by(REPORT_FORM)
async def _correction_title(turn: Turn, session: FormSession) -> Markup | None:
    """The correction of a case sent back, by its case; a new report is about no case yet."""
    revising = form_context(session).get("revising")
    if revising is None:
        return None
    return await _about_case(turn, revising, turn.t("case_form.correction"))
