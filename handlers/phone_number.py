"""/nomor: a person changes their own phone number, verified by the channel (the same phone
question as registration, refusing any other number typed) as its `ChannelTraits.phone_proof`
says: a shared contact of the sender's own account (Telegram); the number they write from
(WhatsApp, tapped or typed: someone who changed number writes from the new one). The question
and its refusal name only the channel's own way (`phone_instruction`, `phone_refused`): the
refusal says the number was not saved and which number this channel can accept."""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.district_contact import office_text
from handlers.events import Outbound
from handlers.forms.runner import context_values, on_complete, start_form
from handlers.permissions import allowed
from storage.models import FormSession, Role

FORM_ID = "phone_change"


async def ask(turn: Turn) -> None:
    """/nomor: explain how the channel verifies a number, then ask for it."""
    if not allowed(turn.user, "phone.change"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    assert turn.user is not None
    intro = turn.t(
        f"people.phone.intro_{turn.channel_traits.phone_proof}",
        current=turn.user.phone or turn.t("common.no_phone"),
    )
    await start_form(turn, FORM_ID, prefix=intro + "\n\n")


@context_values(FORM_ID)
def _channel_way(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """How this channel vouches for a number, as the question and its refusal say it
    (`phone_retry`: the refusal of version 2, which a draft may still be on)."""
    proof = turn.channel_traits.phone_proof
    return {
        "phone_instruction": turn.t(f"people.phone.instruction_{proof}"),
        "phone_refused": turn.t(f"people.phone.refused_{proof}"),
        "phone_retry": turn.t(f"people.phone.retry_{proof}"),
    }


async def _taken_text(turn: Turn) -> str:
    """A number verified for another account: staff are not sent to a coordinator."""
    assert turn.user is not None
    if turn.user.role == Role.ADMIN:
        return turn.t("people.phone.taken_admin")
    if turn.user.role == Role.COORDINATOR:
        return turn.t("people.phone.taken_coordinator")
    return await office_text(turn, turn.user, "people.phone.taken")


@on_complete(FORM_ID)
async def complete(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Store the verified number on the person and on the channel that vouched for it."""
    assert turn.user is not None and turn.identity is not None
    phone = answers["phone"]
    if not phone.get("verified"):  # the form refuses typed numbers; never store one here
        await start_form(turn, FORM_ID)
        return
    number = phone["e164"]
    if await turn.repos.people.verified_phone_owner(number, other_than=turn.user.id):
        turn.reply(Outbound(text=await _taken_text(turn), remove_keyboard=True))
        return
    changed = number != turn.user.phone or not turn.user.phone_verified
    turn.user = await turn.repos.users.update(
        turn.user.id, now=turn.now, phone=number, phone_verified=True
    )
    await turn.repos.users.set_identity_phone(turn.identity.id, number, verified=True)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="user.phone_changed" if changed else "user.phone_confirmed",
        subject=f"user:{turn.user.id}",
        detail={"channel": turn.event.channel, "verified": True},
    )
    key = "people.phone.changed" if changed else "people.phone.same"
    turn.reply(Outbound(text=turn.t(key, phone=number), remove_keyboard=True))
