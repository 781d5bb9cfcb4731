"""A form's final go after its summary (/siaran, /bimtek_baru): "send to 120 people?" with
"Kirim" and "✏️ Ubah dulu", and what follows its buttons.

The session stays active meanwhile (phase named by the form, its answers under "final"), so
its buttons act only on it (`final_go`). "Ubah dulu" takes it back to its summary, the
answers kept (`summary_again`): a tap beside "Kirim" once dropped the whole form, with no
way back. A form sent (or dropped by a message sent before) brings back the form it
interrupted (`back_after_ending`).
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import RETURNS_TO, reopen_form, resume_form, resume_interrupted
from storage.models import FormSession

# `ask_final_go`'s buttons: send; back to the summary, the answers kept (so a tap beside
# "Kirim" never drops the whole form); drop, which only messages sent before still carry.
FINAL_SEND, FINAL_EDIT, FINAL_DROP = "y", "e", "n"


async def ask_final_go(
    turn: Turn,
    session: FormSession,
    answers: dict[str, Any],
    *,
    phase: str,
    prefix: str,
    text: str,
    send: str,
    edit: str,
) -> None:
    """After the summary, hold the answers for one more go (e.g. "send to 120 people?"):
    `send`, or `edit` back to the summary (`summary_again`).

    The buttons are `<prefix>:y|e:<session id>`; `final_go` reads them back.
    """
    state = {**session.state, "phase": phase, "final": answers}
    held = await reopen_form(turn, session, state)
    buttons = [
        [
            Button(label=send, data=f"{prefix}:{FINAL_SEND}:{held.id}"),
            Button(label=edit, data=f"{prefix}:{FINAL_EDIT}:{held.id}"),
        ]
    ]
    turn.reply(Outbound.say(text, buttons))


async def final_go(turn: Turn, data: str, phase: str) -> tuple[FormSession | None, str]:
    """(the session held by `ask_final_go`, the choice: `FINAL_SEND`, `FINAL_EDIT`,
    `FINAL_DROP` or a form's own); the session is None for a stale or foreign button (the
    caller says so)."""
    _, choice, raw_id = button_fields(data, 3)
    session = await turn.repos.forms.active(turn.user.id) if turn.user else None
    if session is not None and (
        session.id != small_number(raw_id) or session.state.get("phase") != phase
    ):
        session = None
    return session, choice


async def summary_again(turn: Turn, session: FormSession, prefix: str) -> None:
    """A session held at its final go back at its summary, the answers kept, `prefix` above
    (why: what to change, or that nothing was sent and /batal drops it)."""
    state = {key: value for key, value in session.state.items() if key != "final"}
    reopened = await reopen_form(turn, session, {**state, "phase": "summary", "page": 0})
    await resume_form(turn, reopened, prefix)


async def back_after_ending(turn: Turn, before: FormSession | None) -> None:
    """A form ended by a button of its own after its summary (`ask_final_go`'s send, an old
    message's cancel: /siaran, /bimtek_baru) brings back the form it interrupted, as a form
    ending with its last answer does (`step_form`); `before` is the session active before the
    button. One gone back to its summary ("✏️ Ubah dulu") is still open: the form it
    interrupted waits until it is sent or cancelled."""
    interrupted = before.state.get(RETURNS_TO) if before is not None else None
    if before is None or interrupted is None or turn.user is None:
        return
    if await turn.repos.forms.active(turn.user.id) is not None:
        return  # still asking (another audience), or another question (or the form) is back
    ended = await turn.repos.forms.get(before.id)
    if ended is not None and ended.status in ("completed", "cancelled"):
        await resume_interrupted(turn, interrupted)
