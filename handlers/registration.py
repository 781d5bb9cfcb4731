"""Registration of PSM and TKSK, and its approval by coordinators and admins."""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.district_contact import office_text
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import on_complete, resume_form, start_form
from handlers.people.common import menu_button
from handlers.permissions import allowed
from handlers.person_answers import store_person
from handlers.regions import region_name
from handlers.trainings.join import begin_if_invited, invite_on_approval
from storage.models import FormSession, Role, User, UserStatus

FORM_ID = "registration"
DECISION_PREFIX = "ap"
# The last field of a decision button shown from /pengguna (`ap:<id>:r:p`): the rejection's
# confirmation and its "Kembali" keep the way back to the /pengguna menu.
FROM_PEOPLE = "p"


async def begin(turn: Turn) -> None:
    """An unknown person wrote: welcome them and ask the first registration question."""
    if await begin_if_invited(turn):  # a number a Bimtek invited: its light registration
        return
    welcome = turn.t("registration.welcome") + "\n\n" + turn.t("registration.privacy")
    await start_form(turn, FORM_ID, prefix=welcome + "\n\n")


async def apply_as_candidate(turn: Turn) -> None:
    """A training candidate (`calon`) asks to become PSM or TKSK: the usual registration,
    decided by the usual approvers; they keep their training meanwhile. An application
    left unfinished is taken up where it was."""
    assert turn.user is not None
    if turn.user.awaits_decision:
        turn.reply(turn.t("registration.calon_waiting"))
        return
    unfinished = await turn.repos.forms.of_user(turn.user.id, ("active", "paused"))
    for session in unfinished:
        if session.form_id == FORM_ID:  # left half answered: its reminder says /daftar goes on
            session = await turn.repos.forms.activate(session.id, now=turn.now)
            await resume_form(turn, session, turn.t("registration.resuming") + "\n\n")
            return
    await start_form(turn, FORM_ID, prefix=turn.t("registration.calon_apply") + "\n\n")


@on_complete(FORM_ID)
async def complete(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Store the registration as pending and ask the district's approvers to decide. A
    training candidate stays active (for their training) while the approvers decide."""
    assert turn.user is not None and turn.identity is not None
    candidate = turn.user.role == Role.CALON and turn.user.status == UserStatus.ACTIVE
    user = await store_person(
        turn,
        answers,
        requested_role=answers["role"]["name"],
        kabupaten_code=answers["kabupaten"]["name"],
        kecamatan_code=answers["kecamatan"]["name"],
        desa_code=answers.get("desa", {}).get("name") if answers.get("desa") else None,
        status=UserStatus.ACTIVE if candidate else UserStatus.PENDING,
    )
    await turn.repos.audit.record(
        now=turn.now, actor_id=user.id, action="registration.submitted", subject=f"user:{user.id}"
    )
    submitted = "registration.submitted_calon" if candidate else "registration.submitted"
    turn.reply(Outbound(text=turn.t(submitted), remove_keyboard=True))
    approvers = await turn.repos.users.list_approvers(user.kabupaten_code)
    for approver in approvers:
        await turn.deliver(approver.id, await request_message(turn, user, approver))


def _origin(from_people: bool) -> str:
    """The last field of the decision buttons: where the request was shown."""
    return f":{FROM_PEOPLE}" if from_people else ""


async def request_message(
    turn: Turn, candidate: User, approver: User, *, from_people: bool = False
) -> Outbound:
    """A registration to decide, with the approve / reject buttons (also shown from
    /pengguna: one decision path, there with the /pengguna menu button)."""
    catalog, language = turn.app.catalog, approver.language
    role = catalog.text(language, f"roles.{candidate.requested_role}")
    text = catalog.text(
        language,
        "registration.request",
        name=candidate.full_name,
        role=role,
        phone=candidate.phone or "-",
        verified=catalog.text(language, "common.yes" if candidate.phone_verified else "common.no"),
        kabupaten=await region_name(turn, candidate.kabupaten_code),
        kecamatan=await region_name(turn, candidate.kecamatan_code),
        desa=await region_name(turn, candidate.desa_code),
    )
    origin = _origin(from_people)
    buttons = [
        [
            Button(
                label=catalog.text(language, "registration.approve"),
                data=f"{DECISION_PREFIX}:{candidate.id}:a",
            ),
            Button(
                label=catalog.text(language, "registration.reject"),
                data=f"{DECISION_PREFIX}:{candidate.id}:r{origin}",
            ),
        ]
    ]
    if from_people:
        buttons.append([menu_button(turn)])
    return Outbound.say(text, buttons)


async def decide(turn: Turn, data: str) -> None:
    """An approver tapped approve or reject on a registration request."""
    _, raw_id, verdict, origin = button_fields(data, 4)
    decider = turn.user
    candidate_id = small_number(raw_id)
    candidate = await turn.repos.users.get(candidate_id) if candidate_id is not None else None
    if (
        not allowed(decider, "registration.decide")
        or candidate is None
        or verdict not in ("a", "r", "y", "b")
        or origin not in ("", FROM_PEOPLE)
    ):
        turn.reply(turn.t("errors.not_allowed"))
        return
    assert decider is not None
    if decider.role != Role.ADMIN and candidate.kabupaten_code != decider.kabupaten_code:
        turn.reply(turn.t("errors.not_allowed"))
        return
    if not candidate.awaits_decision:
        await _already_decided(turn, candidate)
        return
    if verdict in ("r", "b"):  # rejecting is asked again; "b" goes back to the request
        await _confirm_rejection(
            turn, candidate, back=verdict == "b", from_people=origin == FROM_PEOPLE
        )
        return
    approve = verdict == "a"
    if approve and candidate.requested_role == Role.TKSK and candidate.kecamatan_code:
        # A kecamatan has one TKSK: the one there now is changed first.
        holder = await turn.repos.people.active_tksk(
            candidate.kecamatan_code, other_than=candidate.id
        )
        if holder is not None:
            turn.reply(turn.t("people.tksk_taken", name=holder.full_name))
            return
    decided = await turn.repos.people.decide_registration(
        candidate.id, approve=approve, decider_id=decider.id, now=turn.now
    )
    if decided is None:  # another approver decided in between
        await _already_decided(turn, await turn.repos.users.get(candidate.id) or candidate)
        return
    candidate = decided
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=decider.id,
        action="registration.approved" if approve else "registration.rejected",
        subject=f"user:{candidate.id}",
        detail={"role": candidate.role} if approve else None,
    )
    outcome_key = "registration.approved_by" if approve else "registration.rejected_by"
    outcome = turn.t(outcome_key, name=candidate.full_name, by=decider.full_name)
    turn.toast = outcome
    if turn.event.message_id:
        turn.reply(Outbound(type="edit", target_message_id=turn.event.message_id, text=outcome))
    else:
        turn.reply(outcome)
    catalog = turn.app.catalog
    if approve:
        role = catalog.text(candidate.language, f"roles.{candidate.role}")
        text = catalog.text(candidate.language, "registration.you_are_approved", role=role)
        text += "\n\n" + catalog.text(candidate.language, f"help.{candidate.role}")
    elif candidate.role == Role.CALON:
        text = await office_text(turn, candidate, "registration.calon_rejected")
    else:
        text = await office_text(turn, candidate, "registration.you_are_rejected")
    await turn.deliver(candidate.id, Outbound.say(text), DeliveryKind.NOTICE)
    if approve:  # a Bimtek that listed their phone before they used the bot
        await invite_on_approval(turn, candidate)


async def _confirm_rejection(turn: Turn, candidate: User, *, back: bool, from_people: bool) -> None:
    """A tap on reject asks again (next to approve, one slip would turn someone away);
    the request comes back when they change their mind, as it was shown (from /pengguna:
    with its menu button)."""
    assert turn.user is not None
    if back:
        shown = await request_message(turn, candidate, turn.user, from_people=from_people)
    else:
        origin = _origin(from_people)
        shown = Outbound.say(
            turn.t("registration.reject_confirm", name=candidate.full_name),
            [
                [
                    Button(
                        label=turn.t("registration.reject_yes"),
                        data=f"{DECISION_PREFIX}:{candidate.id}:y{origin}",
                    ),
                    Button(
                        label=turn.t("registration.reject_back"),
                        data=f"{DECISION_PREFIX}:{candidate.id}:b{origin}",
                    ),
                ]
            ],
        )
    if turn.event.message_id:
        shown = shown.model_copy(
            update={"type": "edit", "target_message_id": turn.event.message_id}
        )
    turn.reply(shown)


async def _already_decided(turn: Turn, candidate: User) -> None:
    who = await turn.repos.users.get(candidate.decided_by) if candidate.decided_by else None
    turn.reply(
        turn.t(
            "registration.already_decided",
            name=candidate.full_name,
            by=who.full_name if who else "-",
        )
    )
