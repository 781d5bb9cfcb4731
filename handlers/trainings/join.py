"""Joining a training by the invitation letter's link: Telegram `/start bt-<code>`, WhatsApp
`bimtek <code>`. Someone unknown answers a light registration (name, phone, kecamatan, desa)
and becomes a `calon` invited to that training, who can see and answer it and nothing else
(becoming a PSM still needs the usual registration and approval); someone known is invited
and shown the invitation, when they are a PSM, TKSK or candidate of the training's area (as for
an invitation by name or phone list).

Phone numbers invited from a file before their owners used the bot wait in
`training_pending_invitations`; they are attached when someone with that phone, verified by
the channel (WhatsApp's own number, Telegram's shared contact), arrives: by the light
registration (someone new on WhatsApp whose number waits is offered it at once), or when
their usual registration is approved.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.district_contact import office_text
from handlers.events import InboundKind, Outbound
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.permissions import allowed
from handlers.person_answers import store_person
from handlers.status_explained import status_text
from handlers.trainings.common import audit, names_of, notice_thread
from handlers.trainings.links import START_PREFIX, WHATSAPP_KEYWORD, as_join_code
from handlers.trainings.people import area_of
from handlers.trainings.rsvp import invitation_message, send_invitations
from storage.models import FormSession, Role, User, UserStatus
from storage.trainings import Training

JOIN_FORM = "training_join"


def requested_code(turn: Turn) -> str | None:
    """The code of a join request ("" for a malformed link), or None when this is not one."""
    event = turn.event
    if event.kind != InboundKind.COMMAND:
        return None
    args = event.command_args.strip()
    if event.command == "start" and args.startswith(START_PREFIX):
        return as_join_code(args[len(START_PREFIX) :]) or ""
    if event.command == WHATSAPP_KEYWORD and args:
        return as_join_code(args)
    return None


async def is_join_code(turn: Turn, typed: str) -> bool:
    """Whether typed words are a training's join code ("BIMTEK PENYULUHAN" may be a title)."""
    code = as_join_code(typed)
    return code is not None and await turn.repos.training_invites.by_join_code(code) is not None


async def _open_training(turn: Turn, training_id: int | None) -> Training | None:
    """The training if people may still join it (scheduled, a day not yet over)."""
    training = await turn.repos.trainings.get(training_id) if training_id else None
    if training is None or training.status != "scheduled":
        return None
    days = await turn.repos.trainings.days(training.id)
    return training if any(day.ends_at > turn.now for day in days) else None


async def join(turn: Turn, code: str) -> None:
    """Someone opened a training's link."""
    assert turn.user is not None
    training_id = await turn.repos.training_invites.by_join_code(code) if code else None
    training = await _open_training(turn, training_id)
    if training is None:
        turn.reply(turn.t("training_extra.join_invalid"))
        return
    user = turn.user
    if user.status == UserStatus.REGISTERING:
        await _light_registration(turn, training)
    elif user.status == UserStatus.PENDING:  # waiting for approval: the office meanwhile
        turn.reply(await office_text(turn, user, "status_explained.pending"))
    elif user.status != UserStatus.ACTIVE:  # suspended or rejected: by whom, and the office
        turn.reply(await status_text(turn, user))
    elif not allowed(user, "training.attend"):
        turn.reply(turn.t("training_extra.join_not_for_role"))
    else:
        await _invite_and_show(turn, training, via="link")


async def _light_registration(turn: Turn, training: Training) -> None:
    assert turn.user is not None
    # The form offers the kecamatan of the training's kabupaten (${user_kabupaten}).
    turn.user = await turn.repos.users.update(
        turn.user.id, now=turn.now, kabupaten_code=training.kabupaten_code
    )
    intro = turn.t("training_extra.join_intro", **names_of(turn, training))
    prefix = intro + "\n\n" + turn.t("registration.privacy") + "\n\n"
    await start_form(turn, JOIN_FORM, prefix, context={"training_id": training.id})


async def _invite_and_show(turn: Turn, training: Training, *, via: str) -> None:
    """Invite the person (once) and show them the invitation with its answer buttons."""
    assert turn.user is not None
    already = await turn.repos.trainings.invitation(training.id, turn.user.id)
    if already is None and not await _for_them(turn, training):
        turn.reply(turn.t("training_extra.join_not_for_area", **names_of(turn, training)))
        return
    if already is None:
        await turn.repos.trainings.invite(training.id, [turn.user.id], turn.now)
        await audit(turn, training, "training.joined", {"via": via})
    days = await turn.repos.trainings.days(training.id)
    heading = "training.invitation_title"
    message = invitation_message(turn.app, turn.language, training, days, heading)
    # Of the notices' thread: it is the invitation (a reschedule tells them as one told).
    message = message.model_copy(update={"thread": notice_thread(training)})
    if already is not None:
        message = message.model_copy(
            update={"text": turn.t("training_extra.already_invited") + "\n\n" + message.text}
        )
    turn.reply(message)


async def _for_them(turn: Turn, training: Training) -> bool:
    """The link invites as a name or a phone list does: an active PSM, TKSK or candidate of
    the training's area (never a coordinator, nor someone of another kabupaten)."""
    assert turn.user is not None
    return await turn.repos.training_invites.person_in(area_of(training), turn.user.id) is not None


@on_complete(JOIN_FORM)
async def _registered(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The candidate answered: a `calon`, active, invited to the training."""
    assert turn.user is not None and turn.identity is not None
    person = await store_person(
        turn,
        answers,
        kecamatan_code=answers["kecamatan"]["name"],
        desa_code=answers["desa"]["name"],
        role=Role.CALON,
        status=UserStatus.ACTIVE,
    )
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="training.candidate_registered",
        subject=f"user:{turn.user.id}",
    )
    turn.reply(Outbound(text=turn.t("training_extra.joined"), remove_keyboard=True))
    training_id = int(form_context(session).get("training_id", 0))
    verified = person.phone if person.phone_verified else None
    attached = await attach_pending(turn, person.id, verified) if verified else []
    for wanted in dict.fromkeys([training_id, *attached]):
        training = await _open_training(turn, wanted)
        if training is not None:
            await _invite_and_show(turn, training, via="link" if wanted == training_id else "file")


async def attach_pending(turn: Turn, user_id: int, phone: str) -> list[int]:
    """Trainings that invited this (verified) phone before its owner used the bot."""
    waiting = await turn.repos.training_invites.pending_for_phone(phone)
    for training_id in waiting:
        await turn.repos.training_invites.mark_attached(training_id, phone, user_id, turn.now)
    return waiting


async def invite_on_approval(turn: Turn, person: User) -> None:
    """A registration just approved: the trainings that listed their verified phone invite
    them now (the invitation through the delivery path), if the training is for them: a
    PSM, TKSK or candidate of its area, as an invitation from a file requires."""
    if not person.phone or not person.phone_verified:
        return
    for training_id in await attach_pending(turn, person.id, person.phone):
        training = await _open_training(turn, training_id)
        if training is None:
            continue
        if await turn.repos.training_invites.person_in(area_of(training), person.id) is None:
            continue  # e.g. a coordinator, or a PSM of another kabupaten
        await turn.repos.trainings.invite(training.id, [person.id], turn.now)
        await send_invitations(turn, training, [person.id], "training.invitation_title")


async def begin_if_invited(turn: Turn) -> bool:
    """Someone new whose channel vouches for a phone a training invited (WhatsApp): the
    light registration of that training instead of the usual one."""
    identity = turn.identity
    if identity is None or not identity.phone_verified or not identity.phone:
        return False
    for training_id in await turn.repos.training_invites.pending_for_phone(identity.phone):
        training = await _open_training(turn, training_id)
        if training is not None:
            await _light_registration(turn, training)
            return True
    return False
