"""/siaran: a coordinator (their kabupaten) or TKSK (their kecamatan) writes once, picks an
audience, sees how many people it reaches, confirms; a delivery report follows. Replies to a
broadcast reach nobody, so each copy ends by saying so and how to reach the office."""

from __future__ import annotations

import html
from typing import Any

from handlers import district_contact
from handlers.context import Turn
from handlers.delivery import DeliveryKind, deliver_to_people
from handlers.events import Button, Outbound
from handlers.forms import one_unsent
from handlers.forms.final_go import (
    FINAL_DROP,
    FINAL_EDIT,
    FINAL_SEND,
    ask_final_go,
    final_go,
    summary_again,
)
from handlers.forms.runner import (
    on_complete,
    reopen_form,
    resume_form,
    start_form,
)
from handlers.permissions import allowed
from handlers.quiet_hours import next_allowed
from storage.models import FormSession, Role, User

FORM_ID = "broadcast"
CONFIRM_PREFIX = "bc"
PHASE = "broadcast_confirm"
CHANGE_AUDIENCE = "a"  # beside the final go's own choices, when nobody is reached
UNFINISHED_PREFIX = "bu"  # /siaran with one unsent: go on with it, or drop it


def _without_kecamatan(user: User) -> bool:
    """A TKSK reaches the PSM of their kecamatan: without one (an account made before it was
    required) they reach nobody, never the whole kabupaten."""
    return user.role == Role.TKSK and not user.kecamatan_code


async def start_broadcast(turn: Turn) -> None:
    if not allowed(turn.user, "broadcast.send"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    if turn.user is not None and _without_kecamatan(turn.user):
        turn.reply(turn.t("broadcast.no_kecamatan"))
        return
    await one_unsent.start(turn, UNSENT)


async def _start_new(turn: Turn, returns_to: int | None) -> None:
    """A new broadcast's first question; `returns_to`: the form a broadcast dropped for it
    interrupted, which comes back after this one instead."""
    intro = turn.t("broadcast.intro") + "\n\n"
    await start_form(turn, FORM_ID, prefix=intro, returns_to=returns_to)


def _may_send(user: User | None) -> bool:
    return allowed(user, "broadcast.send")


# One broadcast at a time (handlers/forms/one_unsent.py): /siaran with one written and not
# sent asks `bu:<k|d>:<session id>`, go on with it, or drop it and write a new one.
UNSENT = one_unsent.register(
    one_unsent.OneUnsent(
        form_id=FORM_ID,
        prefix=UNFINISHED_PREFIX,
        phase=PHASE,
        named_by="message",
        may=_may_send,
        start_new=_start_new,
        waits="broadcast.unfinished",
        kept="broadcast.unfinished_kept",
        dropped="broadcast.unfinished_dropped",
    )
)


# What each audience choice reaches, by the sender's role: (role reached, kecamatan reached,
# where "own" is the sender's own). The form offers each role only its own choices; a draft
# of version 1 (which offered a TKSK all four) or a role changed meanwhile may hold another,
# which reaches nobody: the sender is asked to choose again.
_REACH: dict[Role, dict[str, tuple[str | None, str | None]]] = {
    Role.COORDINATOR: {
        "all": (None, None),
        "psm": ("psm", None),
        "tksk": ("tksk", None),
        "kecamatan": ("psm", "chosen"),
    },
    # Version 1's "PSM satu kecamatan" asked a TKSK no kecamatan: it was their own.
    Role.TKSK: {"own_kecamatan": ("psm", "own"), "kecamatan": ("psm", "own")},
}
AUDIENCE_QUESTIONS = ("audience", "kecamatan")


def _choices_of(user: User) -> int:
    """How many audiences the person may choose among (one: nothing to change)."""
    return len({reach for reach in _REACH.get(user.role, {}).values()}) if user.role else 0


async def _audience(
    turn: Turn, answers: dict[str, Any]
) -> tuple[list[User], dict[str, Any]] | None:
    """Who the chosen audience reaches, or None when the sender may not choose it."""
    user = turn.user
    assert user is not None
    choice = answers["audience"]["name"]
    reach = _REACH.get(user.role, {}).get(choice) if user.role else None
    if reach is None:
        return None
    role, where = reach
    kecamatan = {
        "own": user.kecamatan_code,
        "chosen": (answers.get("kecamatan") or {}).get("name"),
    }.get(where or "")
    audience = {"role": role, "kecamatan": kecamatan}
    if _without_kecamatan(user) or (where is not None and not kecamatan):
        return [], audience
    people = await turn.repos.broadcasts.audience(
        kabupaten_code=user.kabupaten_code, role=role, kecamatan_code=kecamatan
    )
    return [p for p in people if p.id != user.id], audience


def _choose_again(turn: Turn, session: FormSession, key: str, text: str) -> Outbound:
    """Nobody to send to: say so, offer another audience (when there is one) or cancel."""
    assert turn.user is not None
    # Nothing can be sent here, so its Batal stays a cancel ("Ganti penerima" keeps the text).
    cancel = Button(
        label=turn.t("broadcast.cancel"), data=f"{CONFIRM_PREFIX}:{FINAL_DROP}:{session.id}"
    )
    rows = [[cancel]]
    more = _choices_of(turn.user) > 1
    if more:
        change = Button(
            label=turn.t("broadcast.change_audience"),
            data=f"{CONFIRM_PREFIX}:{CHANGE_AUDIENCE}:{session.id}",
        )
        rows.insert(0, [change])
    end = turn.t("broadcast.choose_other" if more else "broadcast.cancel_only")
    return Outbound.say(turn.t(key, text=text) + "\n\n" + end, rows)


@on_complete(FORM_ID)
async def preview(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Show the number of recipients and ask for the final go; with nobody to reach, no
    Kirim: another audience or cancel."""
    reached = await _audience(turn, answers)
    text = answers["message"]
    if reached is None or not reached[0]:
        held = await reopen_form(turn, session, {**session.state, "phase": PHASE, "final": answers})
        key = "broadcast.not_yours" if reached is None else "broadcast.nobody"
        turn.reply(_choose_again(turn, held, key, text))
        return
    await ask_final_go(
        turn,
        session,
        answers,
        phase=PHASE,
        prefix=CONFIRM_PREFIX,
        text=turn.t("broadcast.preview", count=len(reached[0]), text=text)
        + await _no_contact_note(turn),
        send=turn.t("broadcast.send"),
        edit=turn.t("broadcast.edit_first"),
    )


async def _change_audience(turn: Turn, session: FormSession) -> None:
    """Ask the audience again, the message kept."""
    state = dict(session.state)
    state["answers"] = {
        name: value
        for name, value in state.get("answers", {}).items()
        if name not in AUDIENCE_QUESTIONS
    }
    state.pop("final", None)
    state.update(phase="ask", editing=None, page=0, picking=[])
    saved = await turn.repos.forms.save(session.id, state=state, status="active", now=turn.now)
    await resume_form(turn, saved)


async def _no_contact_note(turn: Turn) -> str:
    """Under the preview while the sender's district has no contact set (the copies then
    give no number to call): how to give one, setting it where the sender may."""
    user = turn.user
    assert user is not None
    if await turn.repos.district_contacts.contact(user.kabupaten_code) is not None:
        return ""
    key = "no_contact_set" if district_contact.may_set(user, user.kabupaten_code) else "no_contact"
    return "\n\n" + turn.t(f"broadcast.{key}")


def _copy_text(turn: Turn, language: str, sender: str, message: str, contact: str | None) -> str:
    """One recipient's copy: who sent it, the (escaped) message, and a last line saying that
    replies here are not read, with the district office's contact when it is set."""
    catalog = turn.app.catalog
    heading = catalog.text(language, "broadcast.heading", sender=sender)
    if contact is None:
        footer = catalog.text(language, "broadcast.replies_unread", sender=sender)
    else:
        footer = catalog.text(language, "broadcast.replies_unread_contact", contact=contact)
    return f"{heading}\n{message}\n\n{footer}"


async def confirm(turn: Turn, data: str) -> None:
    """Send (every message queued in this one transaction, so nothing goes twice) or drop."""
    user = turn.user
    session, choice = await final_go(turn, data, PHASE)
    if session is None or user is None or not allowed(user, "broadcast.send"):
        turn.reply(turn.t("errors.old_button"))
        return
    if choice == CHANGE_AUDIENCE:
        await _change_audience(turn, session)
        return
    if choice == FINAL_EDIT:  # "✏️ Ubah dulu": nothing sent, nothing lost
        await summary_again(turn, session, turn.t("broadcast.kept_for_edit") + "\n\n")
        return
    yes = choice == FINAL_SEND
    answers = session.state["final"]
    reached = await _audience(turn, answers) if yes else None
    if yes and (reached is None or not reached[0]) and not _without_kecamatan(user):
        # Nobody left to reach, or a choice no longer theirs (their role changed): never
        # sent to anyone but the audience the summary showed.
        key = "broadcast.not_yours" if reached is None else "broadcast.nobody"
        turn.reply(_choose_again(turn, session, key, answers["message"]))
        return
    refused = yes and _without_kecamatan(user)  # their kecamatan was taken meanwhile
    await turn.repos.forms.save(
        session.id,
        state=session.state,
        status="completed" if yes and not refused else "cancelled",
        now=turn.now,
    )
    if not yes or refused:
        turn.reply(turn.t("broadcast.no_kecamatan" if refused else "broadcast.cancelled"))
        return
    assert reached is not None
    people, audience = reached
    broadcast_id = await turn.repos.broadcasts.create(
        sender_id=user.id,
        kabupaten_code=user.kabupaten_code,
        audience=audience,
        text=answers["message"],
        recipients=len(people),
        now=turn.now,
    )
    not_before = next_allowed(turn.app, turn.now)
    message = html.escape(answers["message"], quote=False)  # typed text inside our HTML
    contact = await turn.repos.district_contacts.contact(user.kabupaten_code)
    copies = {  # announced outside WhatsApp's window as a broadcast, naming nobody
        language: Outbound(
            text=_copy_text(turn, language, user.full_name, message, contact),
            summary=turn.app.catalog.text(language, "announced.broadcast"),
        )
        for language in {person.language for person in people}
    }
    await deliver_to_people(
        turn.repos,
        [(person, copies[person.language]) for person in people],
        kind=DeliveryKind.BULK,
        now=turn.now,
        not_before=not_before,
        broadcast_id=broadcast_id,
    )
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=user.id,
        action="broadcast.sent",
        subject=f"broadcast:{broadcast_id}",
        detail={"recipients": len(people)},
    )
    key = "broadcast.queued_later" if not_before > turn.now else "broadcast.queued"
    turn.reply(turn.t(key, count=len(people)))
