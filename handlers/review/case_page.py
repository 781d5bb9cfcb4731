"""A case's page (answers with NIK and KK masked, map link, visits, history, and the buttons
of the actions the viewer may take), its photos, and the notice with a button to open it.
Every press is re-checked against the presser's role and scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.case_answers import (
    SHOWN_BESIDE_NUMBER,
    AnswerLine,
    answer_lines,
    household_kk,
    subject_nik,
)
from handlers.case_changes import changes_since_sent_back
from handlers.context import Turn
from handlers.date_formats import date_time, zoned_date_time
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.answer_dates import age_said
from handlers.forms.option_labels import OptionLabels, categories_named
from handlers.i18n import Markup
from handlers.masking import mask_identifiers
from handlers.permissions import allowed
from handlers.review.buttons import (
    ACTION_PREFIX,
    PHOTO_PREFIX,
    open_case_button,
    record_refusal,
)
from handlers.review.case_history import history_lines
from handlers.review.deciders import Deciders
from handlers.review.no_validator import nobody_to_validate
from handlers.review.possible_actions import (
    possible_actions,
    stands_in,
    waiting_deciders,
    waits_for_other_eyes,
)
from handlers.review.visit_history import visit_lines
from handlers.review.workflow import CODES, Transition
from handlers.scope import scope_of
from storage.models import CaseDetail, CaseState, CaseSummary, User


def local_time(turn: Turn, moment: Any) -> str:
    """A moment as people read it, in the deployment's time zone (29-11-2026 08.30)."""
    return date_time(turn.app, moment, turn.language)


def page_time(turn: Turn, moment: Any) -> str:
    """A moment on a case's page, named with its zone (29-11-2026 08.30 WIB) as the Bimtek
    texts are: a page is read and forwarded away from the chat's own clock."""
    return zoned_date_time(turn.app, moment, turn.language)


def _subject_line(turn: Turn, subject: dict[str, Any], options: OptionLabels) -> str:
    nik = subject_nik(turn.t, subject)
    months = subject["age_months"]
    age = age_said(turn.t, months) if months is not None else "-"
    return turn.t(
        "review.subject",
        name=subject["name"],
        sex=options.label("member_sex", subject["sex"]) or "-",
        age=age,
        relation=options.label("member_relation", subject["relation"]) or "-",
        nik=nik,
    )


def _answer(turn: Turn, line: AnswerLine) -> str:
    """`Label: answer` (`Label (member): answer` for a member's), as HTML."""
    label = (
        Markup(turn.t("review.answer_about", label=line.label, name=line.about))
        if line.about
        else line.label
    )
    return turn.t("review.answer", label=label, value=mask_identifiers(line.value))


def _follow_ups(turn: Turn, answers: list[AnswerLine], categories: list[str]) -> list[str]:
    """One line per category of the case with the answers to its follow-up questions."""
    lines = []
    for category in categories:
        given = [_answer(turn, line) for line in answers if line.category == category]
        if given:
            lines.append(turn.t("review.case_follow_up", answers=Markup(" · ".join(given))))
    return lines


async def _changes(turn: Turn, case: CaseDetail) -> list[str]:
    """A case back from its reporter: what changed since it was sent back (or that nothing
    did), and their explanation; nothing for a case in any other state."""
    if case.summary.state != CaseState.RESUBMITTED:
        return []
    sent_back = await turn.repos.review.answers_sent_back(case.summary.id)
    if sent_back is None:
        return []
    back = next((e for e in reversed(case.events) if e.to_state == CaseState.RESUBMITTED), None)
    explanation = back.reason if back else None
    return [changes_since_sent_back(turn.app, turn.language, sent_back, case.answers, explanation)]


def case_heading(turn: Turn, summary: CaseSummary) -> str:
    """A case page's first line: its number, state and urgency (the reviewer's and the
    reporter's page alike)."""
    return turn.t(
        "review.case_heading",
        number=summary.number,
        state=turn.t(f"case_states.{summary.state}"),
        urgency=turn.t(f"urgency.{summary.urgency}"),
    )


async def case_place(turn: Turn, summary: CaseSummary) -> str:
    """Where the case is: its desa and kecamatan by name."""
    return turn.t(
        "review.case_place",
        desa=await turn.repos.regions.name_of(summary.desa_code),
        kecamatan=await turn.repos.regions.name_of(summary.kecamatan_code),
    )


async def _case_text(
    turn: Turn, case: CaseDetail, possible: list[Transition], waiting: dict[str, Deciders]
) -> str:
    summary = case.summary
    reporter = await turn.repos.users.get(summary.reporter_id)
    options = OptionLabels(turn.app.forms["case_report"], turn.language)  # codes as words
    categories = categories_named(turn.app.forms, turn.language, summary.categories)
    answers = await answer_lines(
        turn.app, turn.repos, case.answers, case.form_version, turn.language
    )
    lines = [
        case_heading(turn, summary),
        *await _changes(turn, case),
        await case_place(turn, summary),
        turn.t("review.case_categories", categories=categories or "-"),
        *_follow_ups(turn, answers, summary.categories),
        turn.t(
            "review.case_household",
            head=case.head_name,
            kk=household_kk(turn.t, case.no_kk, case.answers),
            size=case.member_count or "-",
        ),
    ]
    lines += [_subject_line(turn, subject, options) for subject in case.subjects]
    lines.append(turn.t("review.case_address", address=case.address or "-"))
    if case.latitude is not None:
        lines.append(
            turn.t("review.case_map", lat=f"{case.latitude:.5f}", lon=f"{case.longitude:.5f}")
        )
    # The household size is on the household's line, a missing number's reason beside it;
    # the rest one line each.
    lines += [
        _answer(turn, line)
        for line in answers
        if line.category is None
        and line.question != "household_size"
        and line.question not in SHOWN_BESIDE_NUMBER
    ]
    description = mask_identifiers(case.description[:600])  # one stored before the NIK guard
    lines.append(turn.t("review.case_description", description=description))
    lines.append(
        turn.t(
            "review.case_consent",
            consent=options.label("consent_by", case.consent.get("by")) or "-",
            method=options.label("consent_method", case.consent.get("method")) or "-",
        )
    )
    if case.protected:
        lines.append(turn.t("review.case_protected"))
    own = waits_for_other_eyes(turn, summary)
    if summary.state == CaseState.VERIFIED and not waiting["approve"].people:
        # The page promises no validation that cannot come either; on the reporter's page in
        # one line with "your own report", which says nearly the same (QA walk 10).
        key = "review.own_nobody_to_validate" if own else "review.nobody_to_validate"
        lines.append(await nobody_to_validate(turn, turn.language, key, summary))
    elif own:
        lines.append(turn.t("review.own_report"))
    elif any(stands_in(turn, transition.action) for transition in possible):
        lines.append(turn.t("review.stand_in"))
    lines.append(
        turn.t(
            "review.case_reporter",
            name=reporter.full_name if reporter else "-",
            at=page_time(turn, summary.submitted_at),
        )
    )
    lines += await visit_lines(turn, summary.id)
    lines += await history_lines(turn, case, lambda moment: page_time(turn, moment))
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
    waiting = await waiting_deciders(turn, case.summary)  # for the buttons and the text
    possible = await possible_actions(turn, case, waiting)
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
    turn.reply(Outbound.say(prefix + await _case_text(turn, case, possible, waiting), rows))


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


async def tell_to_open(
    turn: Turn,
    people: list[User],
    key: str,
    *,
    number: str,
    case_id: int,
    labels: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    more: Callable[[str], str] | None = None,
) -> None:
    """A notice about a case (catalogue `key`, with its number, and `labels`: placeholders
    whose values are catalogue keys, said in each person's language; `values`: placeholders
    said as they are, e.g. a name; `more`: HTML under it in a language, e.g. what a correction
    changed) with a button to open it."""
    catalog = turn.app.catalog
    for person in people:
        said = {name: catalog.text(person.language, k) for name, k in (labels or {}).items()}
        text = catalog.text(person.language, key, number=number, **(values or {}), **said)
        if more is not None and (extra := more(person.language)):
            text += "\n\n" + extra
        button = open_case_button(catalog, person.language, case_id)
        await turn.deliver(person.id, Outbound(text=text, summary=number, buttons=[[button]]))
