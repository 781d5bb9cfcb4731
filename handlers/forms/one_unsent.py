"""One unsent at a time, for the forms that end in a final go to many people (/siaran,
/bimtek_baru): started again while one is written and not sent, the unsent one is named by
its first words and "Lanjutkan yang tadi" or "Buang dan buat baru" asked.

Never two at once: the one left behind came back after the new one was sent (or cancelled),
and its old final go sent the old text, or invited to the old training, after the corrected
one (QA walk 12). The choice's buttons are `<prefix>:<k|d>:<session id>`, one prefix per
form (`OneUnsent.prefix`); typed words there ask again (held beside the form: `hold`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.final_go import summary_again
from handlers.forms.runner import RETURNS_TO, cancel_form, hold, resume_form
from handlers.markup import first_words
from storage.forms import HELD
from storage.models import FormSession, User

KEEP, DROP = "k", "d"
UNFINISHED = ("active", "paused")
NAMED_BY = 40  # characters of the unsent one's naming answer that name it


@dataclass(frozen=True)
class OneUnsent:
    """A form of which a person has one unsent at a time, and what its choice says."""

    form_id: str
    prefix: str  # of the choice's buttons
    phase: str  # its final go's (`ask_final_go`): held at "Kirim sekarang?"
    named_by: str  # the answer that names an unsent one (a broadcast's message, a title)
    may: Callable[[User | None], bool]  # who may still act on it (checked at the choice)
    start_new: Callable[[Turn, int | None], Awaitable[None]]  # its first question, returns_to
    waits: str  # catalogue key: one waits unsent ({text}: its first words); keep or drop?
    kept: str  # catalogue key: above its summary, gone on with
    dropped: str  # catalogue key: above the new one's first question, the old one dropped


KINDS: dict[str, OneUnsent] = {}  # by their buttons' prefix (the held choice's name too)


def register(kind: OneUnsent) -> OneUnsent:
    """Register a form's kind, for its buttons (`choice_button`) and its held choice
    (`ask_again`)."""
    KINDS[kind.prefix] = kind
    return kind


async def start(turn: Turn, kind: OneUnsent) -> None:
    """The form's command (its own refusals said): the choice about an unsent one, or a new
    one."""
    unsent, returns_to = await _unfinished(turn, kind)
    if unsent is not None:
        await _offer(turn, kind, unsent)
        return
    await kind.start_new(turn, returns_to)


async def _unfinished(turn: Turn, kind: OneUnsent) -> tuple[FormSession | None, int | None]:
    """The person's newest one written and not sent, if any; those with nothing written yet
    (left at their first question) are dropped, with the form the one open interrupted (its
    `returns_to`), for the new one to come back to."""
    assert turn.user is not None
    unsent, returns_to = None, None
    for session in await turn.repos.forms.of_user(turn.user.id, UNFINISHED):
        if session.form_id != kind.form_id:
            continue
        if not session.untouched:
            unsent = unsent or session
            continue
        await cancel_form(turn, session)
        if session.status == "active":
            returns_to = session.state.get(RETURNS_TO)
    return unsent, returns_to


async def _offer(turn: Turn, kind: OneUnsent, session: FormSession, *, again: bool = False) -> None:
    """Say that one waits unsent, by its first words, and ask: go on with it, or drop it for
    a new one. Typed words answer this choice while that one is open (`hold`), so they are
    not taken for its answer."""
    named = (session.state.get("answers") or {}).get(kind.named_by)
    opening = first_words(named, NAMED_BY) if isinstance(named, str) else "…"
    keep = Button(label=turn.t("one_unsent.keep"), data=f"{kind.prefix}:{KEEP}:{session.id}")
    drop = Button(label=turn.t("one_unsent.drop"), data=f"{kind.prefix}:{DROP}:{session.id}")
    text = turn.t(kind.waits, text=opening)
    if again:
        text = "⚠️ " + turn.t("one_unsent.pick") + "\n\n" + text
    turn.reply(Outbound.say(text, [[keep], [drop]]))
    if session.status == "active":
        await hold(turn, session, kind.prefix)


async def ask_again(turn: Turn, session: FormSession, held: str) -> None:
    """Typed words where "go on with the unsent one, or drop it?" waits (`held`, a kind's
    prefix in `KINDS`): asked again."""
    await _offer(turn, KINDS[held], session, again=True)


async def choice_button(turn: Turn, data: str) -> None:
    """ "Lanjutkan yang tadi": the unsent one back at its summary (its old final go spent:
    sent only after the summary's Kirim asks again); "Buang dan buat baru": dropped (its
    buttons old from now on, never sending), a new one begun. A button of one sent, dropped
    or not the person's is an old button."""
    prefix, choice, raw_id = button_fields(data, 3)
    kind = KINDS.get(prefix)
    session_id = small_number(raw_id)
    session = await turn.repos.forms.get(session_id) if session_id is not None else None
    if (
        kind is None
        or turn.user is None
        or not kind.may(turn.user)
        or session is None
        or session.user_id != turn.user.id
        or session.form_id != kind.form_id
        or session.status not in UNFINISHED
        or choice not in (KEEP, DROP)
    ):
        turn.reply(turn.t("errors.old_button"))
        return
    state = {key: value for key, value in session.state.items() if key != HELD}
    if choice == DROP:
        # Every unsent one: one left behind before this choice was asked, too.
        for unsent in await turn.repos.forms.of_user(turn.user.id, UNFINISHED):
            if unsent.form_id == kind.form_id:
                await cancel_form(turn, unsent)
        turn.reply(turn.t(kind.dropped))
        await kind.start_new(turn, state.get(RETURNS_TO))
        return
    if session.status != "active":
        session = await turn.repos.forms.activate(session.id, now=turn.now)
    session = session.model_copy(update={"state": state})
    kept = turn.t(kind.kept) + "\n\n"
    if state.get("phase") == kind.phase:  # stopped at "Kirim sekarang?": its summary again
        await summary_again(turn, session, kept)
    else:
        await resume_form(turn, session, kept)
