"""/siaran: a coordinator (their kabupaten) or TKSK (their kecamatan) writes once, picks an
audience, sees how many people it reaches, confirms; a delivery report follows."""

from __future__ import annotations

import html
from typing import Any

from handlers.context import Turn
from handlers.delivery import DeliveryKind, deliver_to_people
from handlers.events import Outbound
from handlers.forms.runner import ask_final_go, final_go, on_complete, start_form
from handlers.permissions import allowed
from handlers.quiet_hours import next_allowed
from storage.models import FormSession, Role, User

FORM_ID = "broadcast"
CONFIRM_PREFIX = "bc"
PHASE = "broadcast_confirm"


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
    await start_form(turn, FORM_ID, prefix=turn.t("broadcast.intro") + "\n\n")


async def _audience(turn: Turn, answers: dict[str, Any]) -> tuple[list[User], dict[str, Any]]:
    """Who it reaches; a TKSK reaches only the PSM of their kecamatan."""
    user = turn.user
    assert user is not None
    choice = answers["audience"]["name"]
    role = {"psm": "psm", "tksk": "tksk", "kecamatan": "psm"}.get(choice)
    kecamatan = (answers.get("kecamatan") or {}).get("name") if choice == "kecamatan" else None
    if user.role == Role.TKSK:
        role, kecamatan = "psm", user.kecamatan_code
    audience = {"role": role, "kecamatan": kecamatan}
    if _without_kecamatan(user):
        return [], audience
    people = await turn.repos.broadcasts.audience(
        kabupaten_code=user.kabupaten_code, role=role, kecamatan_code=kecamatan
    )
    return [p for p in people if p.id != user.id], audience


@on_complete(FORM_ID)
async def preview(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Show the number of recipients and ask for the final go."""
    people, _ = await _audience(turn, answers)
    await ask_final_go(
        turn,
        session,
        answers,
        phase=PHASE,
        prefix=CONFIRM_PREFIX,
        text=turn.t("broadcast.preview", count=len(people), text=answers["message"]),
        yes=turn.t("broadcast.send"),
        no=turn.t("broadcast.cancel"),
    )


async def confirm(turn: Turn, data: str) -> None:
    """Send (every message queued in this one transaction, so nothing goes twice) or drop."""
    user = turn.user
    session, yes = await final_go(turn, data, PHASE)
    if session is None or user is None or not allowed(user, "broadcast.send"):
        turn.reply(turn.t("errors.old_button"))
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
    answers = session.state["final"]
    people, audience = await _audience(turn, answers)
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
    headings = {
        language: turn.app.catalog.text(language, "broadcast.heading", sender=user.full_name)
        for language in {person.language for person in people}
    }
    await deliver_to_people(
        turn.repos,
        [(person, Outbound.say(headings[person.language] + "\n" + message)) for person in people],
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
