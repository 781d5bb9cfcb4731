"""A case's page, and the review actions taken from it. Every button is re-checked against
the presser's role and scope."""

from __future__ import annotations

import html
from typing import Any

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.option_labels import OptionLabels
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.permissions import allowed
from handlers.review.buttons import (
    ACTION_PREFIX,
    CASE_PREFIX,
    PHOTO_PREFIX,
    record_refusal,
)
from handlers.review.possible_actions import (
    case_deciders,
    may_try,
    possible_actions,
    stands_in,
    waits_for_other_eyes,
)
from handlers.review.reporter import tell_reporter
from handlers.review.visit_history import visit_lines
from handlers.review.workflow import ACTIONS_BY_CODE, CODES, TRANSITIONS, Transition
from handlers.scope import scope_of
from storage.identifiers import mask_identifier
from storage.models import CaseDetail, FormSession, User
from storage.models import CaseState as S

NOTE_FORM = "review_note"


def _local(turn: Turn, moment: Any) -> str:
    return moment.astimezone(turn.app.timezone).strftime("%d-%m-%Y %H.%M")


def _subject_line(turn: Turn, subject: dict[str, Any], options: OptionLabels) -> str:
    nik = (
        mask_identifier(subject["nik"])
        if subject["nik"]
        else turn.t(f"form.missing.{subject['nik_missing'] or 'tidak_tahu'}")
    )
    months = subject["age_months"]
    age = (
        turn.t("form.age_years_months", years=months // 12, months=months % 12)
        if months is not None
        else "-"
    )
    return turn.t(
        "review.subject",
        name=subject["name"],
        sex=options.label("member_sex", subject["sex"]) or "-",
        age=age,
        relation=options.label("member_relation", subject["relation"]) or "-",
        nik=nik,
    )


async def _case_text(turn: Turn, case: CaseDetail, possible: list[Transition]) -> str:
    summary = case.summary
    reporter = await turn.repos.users.get(summary.reporter_id)
    options = OptionLabels(turn.app.forms["case_report"], turn.language)  # codes as words
    categories = ", ".join(turn.t(f"categories.{code}") for code in summary.categories)
    lines = [
        turn.t(
            "review.case_heading",
            number=summary.number,
            state=turn.t(f"case_states.{summary.state}"),
            urgency=turn.t(f"urgency.{summary.urgency}"),
        ),
        turn.t(
            "review.case_place",
            desa=await turn.repos.regions.name_of(summary.desa_code),
            kecamatan=await turn.repos.regions.name_of(summary.kecamatan_code),
        ),
        turn.t("review.case_categories", categories=categories or "-"),
        turn.t(
            "review.case_household",
            head=case.head_name,
            kk=mask_identifier(case.no_kk) if case.no_kk else "-",
            size=case.member_count or "-",
        ),
    ]
    lines += [_subject_line(turn, subject, options) for subject in case.subjects]
    lines.append(turn.t("review.case_address", address=case.address or "-"))
    if case.latitude is not None:
        lines.append(
            turn.t("review.case_map", lat=f"{case.latitude:.5f}", lon=f"{case.longitude:.5f}")
        )
    lines.append(turn.t("review.case_description", description=case.description[:600]))
    lines.append(
        turn.t(
            "review.case_consent",
            consent=options.label("consent_by", case.consent.get("by")) or "-",
            method=options.label("consent_method", case.consent.get("method")) or "-",
        )
    )
    if case.protected:
        lines.append(turn.t("review.case_protected"))
    if waits_for_other_eyes(turn, summary):
        lines.append(turn.t("review.own_report"))
    elif any(stands_in(turn, transition.action) for transition in possible):
        lines.append(turn.t("review.stand_in"))
    lines.append(
        turn.t(
            "review.case_reporter",
            name=reporter.full_name if reporter else "-",
            at=_local(turn, summary.submitted_at),
        )
    )
    lines += await visit_lines(turn, summary.id)
    lines.append(turn.t("review.case_history"))
    for event in case.events[-8:]:
        actor = await turn.repos.users.get(event.actor_id) if event.actor_id else None
        line = f"• {_local(turn, event.at)} {turn.t(f'case_states.{event.to_state}')}"
        # Typed names and reasons go into HTML: escaped, or "<5 th & KK" breaks the page.
        line += f" ({html.escape(actor.full_name, quote=False)})" if actor else ""
        if event.reason:
            line += f": {html.escape(event.reason[:200], quote=False)}"
        lines.append(line)
    return "\n".join(lines)


async def show_case(turn: Turn, case_id: int, prefix: str = "") -> None:
    """A case's page: all answers (NIK and KK masked), map link, history, actions; `prefix`
    before it (e.g. why an old button did nothing)."""
    if not allowed(turn.user, "case.view") or turn.user is None:
        await record_refusal(turn, case_id, {"view": "case"})
        turn.reply(turn.t("errors.not_allowed"))
        return
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    if case is None:
        await record_refusal(turn, case_id, {"view": "case"})
        turn.reply(turn.t("review.case_not_found"))  # says nothing about other regions
        return
    await turn.repos.audit.record(
        now=turn.now, actor_id=turn.user.id, action="case.view", subject=f"case:{case_id}"
    )
    possible = await possible_actions(turn, case)
    rows = [
        [
            Button(
                label=turn.t(f"review.action.{t.action}"),
                data=f"{ACTION_PREFIX}:{CODES[t.action]}:{case_id}:{case.version}",
            )
        ]
        for t in possible
    ]
    if case.photos:
        rows.append(
            [
                Button(
                    label=turn.t("review.show_photos", count=len(case.photos)),
                    data=f"{PHOTO_PREFIX}:{case_id}",
                )
            ]
        )
    turn.reply(Outbound.say(prefix + await _case_text(turn, case, possible), rows))


async def case_button(turn: Turn, data: str) -> None:
    _, raw_id = button_fields(data, 2)
    case_id = small_number(raw_id)
    if case_id is None:
        await record_refusal(turn, None, {"data": data[:64]})
        turn.reply(turn.t("review.case_not_found"))
        return
    await show_case(turn, case_id)


async def photos_button(turn: Turn, data: str) -> None:
    """Send a case's photos (in scope only)."""
    _, raw_id = button_fields(data, 2)
    case_id = small_number(raw_id)
    case = (
        await turn.repos.review.detail(case_id, scope_of(turn.user))
        if case_id is not None and allowed(turn.user, "case.view")
        else None
    )
    if case is None:
        await record_refusal(turn, case_id, {"view": "photos", "data": data[:64]})
        turn.reply(turn.t("review.case_not_found"))
        return
    if not case.photos:
        turn.reply(turn.t("review.no_photos"))
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id if turn.user else None,
        action="case.view",
        subject=f"case:{case_id}",
        detail={"photos": len(case.photos)},
    )
    for path in case.photos:
        turn.reply(
            Outbound(
                type="image", file_path=str(turn.app.media_dir / path), text=case.summary.number
            )
        )


async def action_button(turn: Turn, data: str) -> None:
    """A review action: done at once, or after asking for the reason."""
    _, code, raw_id, raw_version = button_fields(data, 4)
    action = ACTIONS_BY_CODE.get(code)
    case_id, version = small_number(raw_id), small_number(raw_version)
    case = (
        await turn.repos.review.detail(case_id, scope_of(turn.user))
        if case_id is not None
        else None
    )
    if action is None or case is None or version is None:
        await record_refusal(turn, None, {"data": data[:64]})
        turn.reply(turn.t("errors.not_allowed"))
        return
    transition = TRANSITIONS[action]
    if not may_try(turn, action):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(turn.t("errors.not_allowed"))
        return
    if version != case.version:
        # A button of an older page: the case changed since (maybe by this very person).
        # Said now, with the page as it is, before a reason is asked that could not be used.
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, old_button=True)
        return
    if transition not in await possible_actions(turn, case):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(
            turn.t(
                "review.not_possible",
                number=case.summary.number,
                state=turn.t(f"case_states.{case.summary.state}"),
            )
        )
        return
    if transition.needs_reason:
        await start_form(
            turn,
            transition.form,
            prefix=turn.t(f"review.ask_reason.{action}", number=case.summary.number) + "\n\n",
            context={
                "case_id": case_id,
                "action": action,
                "version": version,
                # A visit cannot be before the case was reported (forms/followup_visit.yaml).
                "reported_on": turn.app.local_date(case.summary.submitted_at).isoformat(),
            },
        )
        return
    await apply(turn, case_id, action, version, reason=None)


@on_complete(NOTE_FORM)
async def _note_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    context = form_context(session)
    await apply(
        turn,
        int(context["case_id"]),
        context["action"],
        int(context["version"]),
        reason=answers.get("note"),
    )


def _typed_back(turn: Turn, typed: str | None) -> str:
    """The text the person typed for an action that was not taken, to copy (else lost)."""
    if not typed:
        return ""
    return "\n\n" + turn.t("review.typed_not_used", text=typed)  # escaped by t()


async def _tell_changed(
    turn: Turn, case: CaseDetail, *, old_button: bool = False, typed: str | None = None
) -> None:
    """The case changed since the person saw it: by whom (themselves, someone named), what
    it is now, the text they typed to copy, and the page as it is."""
    assert turn.user is not None
    summary = case.summary
    values = {"number": summary.number, "state": turn.t(f"case_states.{summary.state}")}
    last = case.events[-1] if case.events else None
    if last is None or last.actor_id is None:
        text = turn.t("review.changed.unknown", **values)
    elif last.actor_id == turn.user.id:
        done = turn.t(f"review.you_did.{last.to_state}")
        text = turn.t("review.changed.by_you", **values, done=done, at=_local(turn, last.at))
    else:
        actor = await turn.repos.users.get(last.actor_id)
        name = actor.full_name if actor else "-"  # escaped by t()
        text = turn.t("review.changed.by_other", **values, name=name, at=_local(turn, last.at))
    if old_button:
        text = turn.t("review.old_button") + " " + text
    text += _typed_back(turn, typed)
    await show_case(turn, summary.id, text + "\n\n")


async def move_case(
    turn: Turn,
    case_id: int,
    action: str,
    version: int,
    reason: str | None,
    typed: str | None = None,
) -> CaseDetail | None:
    """Move the case through the workflow if nobody else did first, and audit it; the case
    as it was, or None (the person told why, and given back the reason or `typed`: the text
    they wrote for it)."""
    assert turn.user is not None
    case = await turn.repos.review.detail(case_id, scope_of(turn.user))
    transition = TRANSITIONS[action]
    typed = typed or reason
    if case is None or not may_try(turn, action):
        await record_refusal(turn, case_id, {"action": action})
        turn.reply(turn.t("errors.not_allowed") + _typed_back(turn, typed))
        return None
    if case.version != version or transition not in await possible_actions(turn, case):
        # Changed while the reason was typed (by someone else, or by the person on another
        # page or channel): said as it is, not blamed on someone else.
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, typed=typed)
        return None
    done = await turn.repos.review.transition(
        case_id,
        version=version,
        from_states=tuple(transition.from_states),
        to_state=transition.to_state,
        actor_id=turn.user.id,
        reason=reason,
        now=turn.now,
    )
    if not done:  # the version was checked above in this transaction: not expected
        await record_refusal(turn, case_id, {"action": action, "stale": version})
        await _tell_changed(turn, case, typed=typed)
        return None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=f"case.{action}",
        subject=f"case:{case_id}",
        detail={"stand_in": True} if stands_in(turn, action) else None,
    )
    return case


async def apply(turn: Turn, case_id: int, action: str, version: int, reason: str | None) -> None:
    """Move the case (if nobody else did first) and tell the people concerned."""
    case = await move_case(turn, case_id, action, version, reason)
    if case is None:
        return
    transition = TRANSITIONS[action]
    state_label = turn.t(f"case_states.{transition.to_state}")
    turn.reply(turn.t("review.done", number=case.summary.number, state=state_label))
    await tell_reporter(turn, case, transition, reason)
    if transition.to_state == S.VERIFIED:
        await _ask_for_approval(turn, case)


async def _ask_for_approval(turn: Turn, case: CaseDetail) -> None:
    """Whoever may approve the case just verified hears of it (not of their own action)."""
    who = await case_deciders(turn, case.summary, "approve")
    assert turn.user is not None  # the case was just moved by them
    key = "review.verified_for_stand_in" if who.standing_in else "review.verified_for_coordinator"
    others = [person for person in who.people if person.id != turn.user.id]
    # Who verified, by their role: the TKSK, a coordinator where the kecamatan has none, or
    # an admin standing in.
    await tell_to_open(
        turn,
        others,
        key,
        number=case.summary.number,
        case_id=case.summary.id,
        labels={"verifier": f"roles.{turn.user.role}"},
    )


async def tell_to_open(
    turn: Turn,
    people: list[User],
    key: str,
    *,
    number: str,
    case_id: int,
    labels: dict[str, str] | None = None,
) -> None:
    """A notice about a case (catalogue `key`, with its number, and `labels`: placeholders
    whose values are catalogue keys, said in each person's language) with a button to open it."""
    catalog = turn.app.catalog
    for person in people:
        values = {name: catalog.text(person.language, k) for name, k in (labels or {}).items()}
        text = catalog.text(person.language, key, number=number, **values)
        button = Button(
            label=catalog.text(person.language, "review.open"), data=f"{CASE_PREFIX}:{case_id}"
        )
        await turn.deliver(person.id, Outbound(text=text, summary=number, buttons=[[button]]))
