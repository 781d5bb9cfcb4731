"""A review action's form (a reason, a visit) that a person opened twice on one case: once
the action is done, the other one is closed.

The button tapped again on a slow phone opened a second form; the first, put aside, came back
after it was sent ("Isian Bapak/Ibu masih berjalan: Catatan") as a question about a case
already sent back. A form that one had interrupted (a report amid which the button was
tapped) is asked again instead, as it would have been after it. Another action's form on the
same case is left alone: it comes back, and its answer is refused saying what the case is now,
with the text given back (handlers/review/decisions.py)."""

from __future__ import annotations

from handlers.context import Turn
from handlers.forms.runner import RETURNS_TO, cancel_form, form_context, resume_interrupted
from handlers.review.workflow import TRANSITIONS


async def close_same_action_forms(turn: Turn, case_id: int, action: str) -> None:
    """Close the person's open or paused forms for `action` on `case_id` (the one just sent
    is completed already), and ask again the form one of them was interrupting, if any."""
    assert turn.user is not None
    form_id = TRANSITIONS[action].form
    closed: dict[int, int | None] = {}  # session id: the session it was to return to
    for session in await turn.repos.forms.of_user(turn.user.id, ("active", "paused")):
        context = form_context(session)
        if (
            session.form_id == form_id
            and context.get("case_id") == case_id
            and context.get("action") == action
        ):
            await cancel_form(turn, session)
            closed[session.id] = session.state.get(RETURNS_TO)
    for returns_to in closed.values():
        passed: set[int] = set()
        while returns_to in closed and returns_to not in passed:  # returning to one closed
            passed.add(returns_to)
            returns_to = closed[returns_to]
        await resume_interrupted(turn, returns_to)
