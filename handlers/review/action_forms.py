"""A review action's form (a reason, a visit) that a person opened twice on one case: once
the action is done, the other one is closed.

The button tapped again on a slow phone opened a second form; the first, put aside, came back
after it was sent ("Isian Bapak/Ibu masih berjalan: Catatan") as a question about a case
already sent back. A form that one had interrupted (a report amid which the button was
tapped) is asked again instead, as it would have been after it; a form that was to come back
to a closed one (a search opened over it) comes back to what the closed one interrupted. Another
action's form on the same case is left alone: it comes back, and its answer is refused saying
what the case is now, with the text given back (handlers/review/decisions.py)."""

from __future__ import annotations

from handlers.context import Turn
from handlers.forms.runner import RETURNS_TO, cancel_form, form_context, resume_interrupted
from handlers.review.workflow import TRANSITIONS
from storage.models import FormSession


async def close_same_action_forms(turn: Turn, case_id: int, action: str) -> None:
    """Close the person's open or paused forms for `action` on `case_id` (the one just sent
    is completed already), and ask again the form one of them was interrupting, if any (or
    the latest form put aside over it)."""
    assert turn.user is not None
    form_id = TRANSITIONS[action].form
    closed: dict[int, int | None] = {}  # session id: the session it was to return to
    kept: list[FormSession] = []
    for session in await turn.repos.forms.of_user(turn.user.id, ("active", "paused")):
        context = form_context(session)
        if (
            session.form_id == form_id
            and context.get("case_id") == case_id
            and context.get("action") == action
        ):
            await cancel_form(turn, session)
            closed[session.id] = session.state.get(RETURNS_TO)
        else:
            kept.append(session)
    returning: dict[int, int | None] = {}  # a kept session: the one it returns to now
    for session in kept:
        returns_to = session.state.get(RETURNS_TO)
        if returns_to in closed:
            # Its chain went through a closed form: it returns to what that one interrupted.
            returns_to = _past_closed(closed, returns_to)
            state = {**session.state, RETURNS_TO: returns_to}
            await turn.repos.forms.note(session.id, state=state, now=turn.now)
        returning[session.id] = returns_to
    for returns_to in closed.values():
        await resume_interrupted(turn, _latest_over(returning, _past_closed(closed, returns_to)))


def _past_closed(closed: dict[int, int | None], returns_to: int | None) -> int | None:
    """The first session along a return chain that is not closed."""
    passed: set[int] = set()
    while returns_to in closed and returns_to not in passed:
        passed.add(returns_to)
        returns_to = closed[returns_to]
    return None if returns_to in closed else returns_to


def _latest_over(returning: dict[int, int | None], session_id: int | None) -> int | None:
    """The form last put aside over `session_id` (the one nothing kept returns to), which
    brings `session_id` back once it ends."""
    passed: set[int] = set()
    while session_id is not None and session_id not in passed:
        passed.add(session_id)
        over = next((kept for kept, target in returning.items() if target == session_id), None)
        if over is None:
            break
        session_id = over
    return session_id
