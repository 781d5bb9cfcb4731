"""The verification form's wiring: "Verifikasi" tapped on a case's page opens
forms/verification.yaml (how the case was checked, what was found, a note, where) as a review
action's reason is opened (`decisions.action_button`, with its Batal that leaves the case as
it is); once confirmed, the case moves through the same workflow path (`decisions.apply`:
scope, version, `case_events`, audit) with the check as that step's detail
(handlers/review/verification_check.py). A location answered more than 5 km from the house's
as reported is asked about first (handlers/forms/far_location.py). The TKSK, a coordinator
where the kecamatan has no TKSK and an admin standing in all verify through it.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.forms.far_location import REPORT_LOCATION
from handlers.forms.runner import buttons_under, context_values, form_context, on_complete
from handlers.review import decisions
from handlers.review.verification_check import VERIFY_FORM, check_of
from storage.models import FormSession

VERIFY_ACTION = "verify"

# The Batal under each of its questions, as under a reason's: the case left as it is.
buttons_under(VERIFY_FORM)(decisions.cancel_row)


@context_values(VERIFY_FORM)
def _report_location(turn: Turn, context: dict[str, Any]) -> dict[str, Any]:
    """The house's location as reported (kept in the session's context when the form
    opened), which a location answered far from is asked about (far_location.py)."""
    location = context.get(REPORT_LOCATION)
    return {REPORT_LOCATION: location} if location else {}


@on_complete(VERIFY_FORM)
async def _checked(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    context = form_context(session)
    await decisions.apply(
        turn,
        int(context["case_id"]),
        VERIFY_ACTION,
        int(context["version"]),
        reason=None,
        detail=check_of(answers, context),
    )
