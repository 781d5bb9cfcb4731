"""Registration of PSM and TKSK, and its approval by coordinators and admins."""

from __future__ import annotations

from typing import Any

from handlers.command_menu import notice_help
from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.events import Button, Outbound
from handlers.forms.runner import on_complete, resume_form, start_form
from handlers.forms.state import prefilled_state
from handlers.main_menu import rows_for
from handlers.people.common import page_button
from handlers.permissions import allowed
from handlers.person_answers import store_person
from handlers.regions import region_name, region_name_after_level
from handlers.registration_correction import (
    RECONSIDERED_ACTION,
    SUBMITTED_ACTION,
    correction_of,
    latest_step,
    pending_correction,
)
from handlers.registration_rejection import (
    FIXABLE,
    REJECTED_ACTION,
    RejectionReason,
    reason_of_entry,
    reason_of_verdict,
    recorded_reason,
    rejection_text,
    verdict_of,
)
from handlers.registration_request import (
    already_decided,
    decision_data,
    parse_decision,
    request_message,
    tksk_there,
)
from handlers.status_explained import status_text
from handlers.trainings.join import begin_if_invited, invite_on_approval
from storage.models import FormSession, Role, User, UserStatus

FORM_ID = "registration"
# The reasons offered when a rejection is confirmed, in the order of their buttons.
OFFERED_REASONS = (
    RejectionReason.NAME,
    RejectionReason.REGION,
    RejectionReason.NOT_HERE,
    RejectionReason.NONE,
)


async def begin(turn: Turn) -> None:
    """An unknown person wrote: welcome them and ask the first registration question."""
    if await begin_if_invited(turn):  # a number a Bimtek invited: its light registration
        return
    welcome = turn.t("registration.welcome") + "\n\n" + turn.t("registration.privacy")
    await start_form(turn, FORM_ID, prefix=welcome + "\n\n")


async def correct_rejected(turn: Turn) -> bool:
    """A person rejected for a reason they can fix (name, region) asks to register again: the
    registration opens at its summary with their earlier answers, to change what was wrong and
    send it as a new request. False (nothing done) for any other reason."""
    assert turn.user is not None
    reason = await recorded_reason(turn.repos, turn.user.id)
    if reason not in FIXABLE:
        return False
    if not await _resume_unfinished(turn):
        await _open_correction(turn, reason, turn.user.requested_role)
    return True


async def _resume_unfinished(turn: Turn) -> bool:
    """A registration opened before and left goes on where it was (False: there is none)."""
    assert turn.user is not None
    unfinished = await turn.repos.forms.of_user(turn.user.id, ("active", "paused"))
    for session in unfinished:
        if session.form_id == FORM_ID:
            session = await turn.repos.forms.activate(session.id, now=turn.now)
            await resume_form(turn, session, turn.t("registration.resuming") + "\n\n")
            return True
    return False


async def _open_correction(turn: Turn, reason: RejectionReason, role: str | None) -> None:
    """The rejected registration (as `role`) at its summary with the earlier answers, the
    reason above it; from its first question when they are not all kept."""
    assert turn.user is not None
    prefix = turn.t("registration.rejection.correcting") + "\n"
    prefix += turn.t(f"registration.rejection.{reason}") + "\n\n"
    answers = await _earlier_answers(turn, turn.user, role)
    if answers is None:
        await start_form(turn, FORM_ID, prefix=prefix)
        return
    state = prefilled_state(turn.app.forms[FORM_ID], answers)
    hint = turn.t("registration.rejection.prefilled")
    await start_form(turn, FORM_ID, prefix=prefix + hint + "\n\n", state=state)


async def _earlier_answers(turn: Turn, person: User, role: str | None) -> dict[str, Any] | None:
    """The registration's answers as the person gave them as `role`, rebuilt from their row
    (the finished session's answers are cleared after a while); None when one is missing."""
    needed = [person.full_name, person.phone, role, person.kabupaten_code, person.kecamatan_code]
    if not all(needed) or (role == Role.PSM and not person.desa_code):
        return None
    assert role is not None and person.kabupaten_code and person.kecamatan_code
    role_choices = turn.app.forms[FORM_ID].question("role").choices or []
    role_label = next((c.label for c in role_choices if c.name == role), None)
    if role_label is None:
        return None
    kabupaten = await region_name_after_level(turn, person.kabupaten_code)  # as its button
    answers: dict[str, Any] = {
        "full_name": person.full_name,
        "phone": {"e164": person.phone, "verified": person.phone_verified},
        "role": {"name": str(role), "label": role_label.get(turn.language) or role_label["id"]},
        "kabupaten": {"name": person.kabupaten_code, "label": kabupaten},
        "kecamatan": {
            "name": person.kecamatan_code,
            "label": await region_name(turn, person.kecamatan_code),
        },
    }
    if role == Role.PSM and person.desa_code:
        answers["desa"] = {
            "name": person.desa_code,
            "label": await region_name(turn, person.desa_code),
        }
    return answers


async def apply_as_candidate(turn: Turn) -> None:
    """A training candidate (`calon`) asks to become PSM or TKSK: the usual registration,
    decided by the usual approvers; they keep their training meanwhile. An application
    left unfinished is taken up where it was; one rejected since for their name or region
    opens with its earlier answers, as `correct_rejected` does (the role it asked for is in
    the rejection's audit entry: a candidate's requested role is cleared)."""
    assert turn.user is not None
    if turn.user.awaits_decision:
        turn.reply(turn.t("registration.calon_waiting"))
        return
    if await _resume_unfinished(turn):  # its reminder says /daftar goes on
        return
    step = await latest_step(turn.repos, turn.user.id)
    if step is not None and step.action == REJECTED_ACTION:
        reason = reason_of_entry(step)
        if reason in FIXABLE:
            role = step.detail.get("role")
            await _open_correction(turn, reason, role if isinstance(role, str) else None)
            return
    await start_form(turn, FORM_ID, prefix=turn.t("registration.calon_apply") + "\n\n")


@on_complete(FORM_ID)
async def complete(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Store the registration as pending and ask the district's approvers to decide. A
    training candidate stays active (for their training) while the approvers decide."""
    assert turn.user is not None and turn.identity is not None
    candidate = turn.user.role == Role.CALON and turn.user.status == UserStatus.ACTIVE
    if not candidate and turn.user.status not in (UserStatus.REGISTERING, UserStatus.REJECTED):
        # A correction sent after the rejection was reviewed again and decided meanwhile.
        turn.reply(Outbound(text=await status_text(turn, turn.user), remove_keyboard=True))
        return
    correction = await correction_of(turn, turn.user, answers)  # the rejected request's row
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
        now=turn.now,
        actor_id=user.id,
        action=SUBMITTED_ACTION,
        subject=f"user:{user.id}",
        detail=correction.detail() if correction else None,
    )
    submitted = "registration.submitted_calon" if candidate else "registration.submitted"
    turn.reply(Outbound(text=turn.t(submitted), remove_keyboard=True))
    approvers = await turn.repos.users.list_approvers(user.kabupaten_code)
    for approver in approvers:
        request = await request_message(turn, user, approver, correction=correction)
        summary = turn.app.catalog.text(approver.language, "announced.registration_request")
        await turn.deliver(approver.id, request.model_copy(update={"summary": summary}))


async def decide(turn: Turn, data: str) -> None:
    """An approver tapped approve or reject (or a reason, or back) on a registration request.
    It acts only on the request the button was shown with: a later one is refused, shown."""
    press = parse_decision(data)
    decider = turn.user
    candidate = await turn.repos.users.get(press.candidate_id) if press else None
    reason = reason_of_verdict(press.verdict) if press else None  # "y" alone: no reason
    if (
        press is None
        or not allowed(decider, "registration.decide")
        or candidate is None
        or (press.verdict not in ("a", "r", "b") and reason is None)
    ):
        turn.reply(turn.t("errors.not_allowed"))
        return
    assert decider is not None
    if decider.role != Role.ADMIN and candidate.kabupaten_code != decider.kabupaten_code:
        turn.reply(turn.t("errors.not_allowed"))
        return
    if not candidate.awaits_decision:
        await already_decided(turn, candidate)
        return
    if candidate.version != press.version:
        await _tell_changed(turn, candidate, pressed=press.version, from_people=press.from_people)
        return
    if press.verdict in ("r", "b"):  # rejecting is asked again; "b" goes back to the request
        await _confirm_rejection(
            turn, candidate, back=press.verdict == "b", from_people=press.from_people
        )
        return
    approve = press.verdict == "a"
    if approve:
        # A kecamatan has one TKSK: the one there now is changed first.
        holder = await tksk_there(turn, candidate)
        if holder is not None:  # said, with the way to reject it and to the TKSK's page
            kecamatan = await region_name(turn, candidate.kecamatan_code)
            why = turn.t(
                "registration.tksk_taken.at_approval",
                name=candidate.full_name,
                kecamatan=kecamatan,
                holder=holder.full_name,
            )
            await _confirm_rejection(
                turn, candidate, back=False, from_people=press.from_people, why=why, holder=holder
            )
            return
    requested = candidate.requested_role  # a candidate's is cleared by a rejection
    decided = await turn.repos.people.decide_registration(
        candidate.id, version=press.version, approve=approve, decider_id=decider.id, now=turn.now
    )
    if decided is None:  # another approver decided in between, or the request changed
        now = await turn.repos.users.get(candidate.id) or candidate
        if now.awaits_decision:
            await _tell_changed(turn, now, pressed=press.version, from_people=press.from_people)
        else:
            await already_decided(turn, now)
        return
    await _tell_decided(turn, decided, approve=approve, reason=reason, requested=requested)


async def _tell_decided(
    turn: Turn,
    candidate: User,
    *,
    approve: bool,
    reason: RejectionReason | None,
    requested: str | None,
) -> None:
    """A decision applied: audited (a rejection with the role asked for), said to the approver
    (over the tapped request) and told to the person."""
    decider = turn.user
    assert decider is not None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=decider.id,
        action="registration.approved" if approve else REJECTED_ACTION,
        subject=f"user:{candidate.id}",
        detail={"role": candidate.role} if approve else {"reason": str(reason), "role": requested},
    )
    if approve:
        outcome = turn.t("registration.approved_by", name=candidate.full_name, by=decider.full_name)
    else:
        outcome = turn.t("registration.rejected_by", name=candidate.full_name, by=decider.full_name)
        if reason not in (None, RejectionReason.NONE):
            outcome += " " + turn.t(
                "registration.rejected_for", reason=turn.t(f"registration.reasons.{reason}")
            )
    turn.toast = outcome
    if turn.event.message_id:
        turn.reply(Outbound(type="edit", target_message_id=turn.event.message_id, text=outcome))
    else:
        turn.reply(outcome)
    catalog = turn.app.catalog
    buttons: list[list[Button]] = []
    if approve:
        role = catalog.text(candidate.language, f"roles.{candidate.role}")
        text = catalog.text(candidate.language, "registration.you_are_approved", role=role)
        text += "\n\n" + await notice_help(turn, candidate)
        # The buttons of their main menu, as their next "halo" shows them.
        buttons = rows_for(candidate, lambda key: catalog.text(candidate.language, key))
    else:
        assert reason is not None
        calon = candidate.role == Role.CALON
        key = "registration.calon_rejected" if calon else "registration.you_are_rejected"
        text = await rejection_text(
            turn, candidate, reason, key, candidate=calon, by=decider.full_name
        )
    summary = catalog.text(candidate.language, "announced.registration_outcome")
    message = Outbound(text=text, buttons=buttons, summary=summary)
    await turn.deliver(candidate.id, message, DeliveryKind.NOTICE)
    if approve:  # a Bimtek that listed their phone before they used the bot
        await invite_on_approval(turn, candidate)


def _as_edit(turn: Turn, shown: Outbound) -> Outbound:
    """`shown` in place of the tapped message, when the channel said which one it was."""
    if not turn.event.message_id:
        return shown
    return shown.model_copy(update={"type": "edit", "target_message_id": turn.event.message_id})


async def _confirm_rejection(
    turn: Turn,
    candidate: User,
    *,
    back: bool,
    from_people: bool,
    why: str = "",
    holder: User | None = None,
) -> None:
    """A tap on reject asks again (next to approve, one slip would turn someone away), with a
    button per reason the person is then told; the request comes back when they change their
    mind, as it was shown (from /pengguna: with its menu button). `why`: said first, when an
    approval could not be done (the kecamatan has its TKSK, `holder`: a button to their page,
    as a change of role to TKSK there offers)."""
    assert turn.user is not None
    if back:
        shown = await request_message(turn, candidate, turn.user, from_people=from_people)
    else:
        rows = [
            [
                Button(
                    label=turn.t(f"registration.reasons.{reason}"),
                    data=decision_data(candidate, verdict_of(reason), from_people=from_people),
                )
            ]
            for reason in OFFERED_REASONS
        ]
        back_button = Button(
            label=turn.t("registration.reject_back"),
            data=decision_data(candidate, "b", from_people=from_people),
        )
        text = turn.t("registration.reject_confirm", name=candidate.full_name)
        if holder is not None:
            rows.append([page_button(holder)])
        shown = Outbound.say(f"{why}\n\n{text}" if why else text, [*rows, [back_button]])
    turn.reply(_as_edit(turn, shown))


async def _tell_changed(turn: Turn, candidate: User, *, pressed: int, from_people: bool) -> None:
    """A button of an earlier request of someone still waiting (they sent a correction, or
    their rejection was reviewed again): nothing is done; the approver hears what changed
    and gets the request as it is now, with its own buttons, over the tapped message."""
    assert turn.user is not None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="registration.refused",
        subject=f"user:{candidate.id}",
        detail={"stale": pressed},
    )
    step = await latest_step(turn.repos, candidate.id)
    correction = await pending_correction(turn.repos, candidate)
    name = candidate.full_name
    if correction is not None:
        said = turn.t("registration.changed.corrected", name=name)
    elif step is not None and step.action == RECONSIDERED_ACTION:
        if step.actor_id == turn.user.id:
            said = turn.t("registration.changed.reconsidered_by_you", name=name)
        else:
            who = await turn.repos.users.get(step.actor_id) if step.actor_id else None
            by = who.full_name if who else "-"
            said = turn.t("registration.changed.reconsidered", name=name, by=by)
    else:
        said = turn.t("registration.changed.unknown", name=name)
    request = await request_message(
        turn, candidate, turn.user, from_people=from_people, correction=correction
    )
    text = turn.t("registration.changed.old_button") + " " + said + "\n\n" + request.text
    turn.reply(_as_edit(turn, request.model_copy(update={"text": text})))
