"""A new account that wrote before the channel's word that it is someone we know (WhatsApp's
`user_changed_number` coming after the person's first message from the new number): they
were welcomed as a stranger, and maybe answered a question or two of the registration.

The channel's word vouches it is the same person: a stranger still only registering is
merged into them (`merge_stranger`), and the person is told at once, on the new number,
that their account is theirs again (`tell_found_again`). Anyone further along stays as
they are, and the admins are told, by name, to look at both."""

from __future__ import annotations

import logging
from collections.abc import Callable

from handlers.admin_numbers import tell_admins
from handlers.context import Turn
from handlers.events import Outbound
from handlers.forms.runner import resume_form
from handlers.main_menu import menu_rows
from handlers.registration import FORM_ID as REGISTRATION
from handlers.status_explained import status_text
from storage.models import ChannelIdentity, User, UserStatus

log = logging.getLogger(__name__)


async def merge_stranger(turn: Turn, stranger: ChannelIdentity, known: ChannelIdentity) -> bool:
    """The new id is `stranger`'s already: when they are still registering (answers given or
    not), they are dropped, their registration cancelled (audited `user.stranger_merged`) and
    the person of `known` takes their place (True). Otherwise they stay, and the admins are
    told to look at both (False)."""
    event, users = turn.event, turn.repos.users
    answered = await _registration_answers(turn, stranger.user_id)
    if await users.merge_registering_stranger(stranger.user_id, into=known.id):
        await turn.repos.audit.record(
            now=turn.now,
            actor_id=None,
            action="user.stranger_merged",
            subject=f"user:{known.user_id}",
            detail={
                "channel": event.channel,
                "stranger": stranger.user_id,
                "answers_dropped": len(answered),
            },
        )
        return True
    log.warning(
        "%s account change for user %s: the new id is user %s's already; left as is",
        event.channel,
        known.user_id,
        stranger.user_id,
    )
    person = await users.get(known.user_id)
    other = await users.get(stranger.user_id)
    await tell_admins(
        turn,
        "account_link.change_taken",
        phone=event.sender_phone or known.phone or "",
        name=(person.full_name if person else "") or f"#{known.user_id}",
        other=await _described(turn, other, stranger.user_id),
    )
    return False


async def tell_found_again(turn: Turn, user_id: int, found: str | None = None) -> None:
    """The person wrote from the new account and was welcomed as a stranger: one message
    on it (the turn's answer, to the chat the channel now knows them at) says their
    account is connected again (`found`, else `account_link.found_again`), with their menu;
    the form they had open asked again; or, not active, what their status lets them do."""
    user = await turn.repos.users.get(user_id)
    if user is None:
        return
    turn.user = user
    found = found or turn.t("account_link.found_again")
    if user.status != UserStatus.ACTIVE:
        turn.reply(f"{found}\n\n{await status_text(turn, user)}")
        return
    session = await turn.repos.forms.active(user.id)
    if session is not None:
        await resume_form(turn, session, f"{found}\n\n{turn.t('form.continue_hint')}\n\n")
        return
    rows = menu_rows(turn)
    turn.reply(Outbound.say(f"{found}\n\n{turn.t('menu.title')}", rows) if rows else found)


async def _described(turn: Turn, user: User | None, user_id: int) -> Callable[[str], str]:
    """How the admins can tell the other account apart, in each admin's language: its
    name (else the name typed in its unfinished registration, else its number in the
    bot), its role and status."""
    answers = await _registration_answers(turn, user_id)
    name = (user.full_name if user else "") or str(answers.get("full_name") or "")
    name = name or f"#{user_id}"
    catalog = turn.app.catalog

    def described(language: str) -> str:
        if user is None:
            return name
        role = [catalog.text(language, f"roles.{user.role}")] if user.role else []
        status = catalog.text(language, f"status.{user.status}")
        return f"{name} ({', '.join([*role, status])})"

    return described


async def _registration_answers(turn: Turn, user_id: int) -> dict:
    """The answers of someone's registration still open (none: {})."""
    session = await turn.repos.forms.active(user_id)
    if session is None or session.form_id != REGISTRATION:
        return {}
    return session.state.get("answers") or {}
