"""A reporter's own case, read-only ("Lihat <number>" in /laporan_saya): where it is and what
comes next, when it was reported and last changed, the household and the people it is about
(NIK and KK masked), how many photos, the follow-up visits (their dates and what was done,
recorded by whom by role, numbers like a NIK masked) and each step so far with who took it
(by role) and why. No review buttons: only "Perbaiki" while it waits for their correction,
and the way back to the list.

Only the case's current reporter sees it (`own_cases`: whatever their role and region are
now); anyone else's case, or one handed over since, is refused politely and audited."""

from __future__ import annotations

from handlers.case_answers import household_kk, subject_nik
from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.option_labels import CASE_FORM, OptionLabels, categories_named
from handlers.i18n import Markup
from handlers.main_menu import MENU_PREFIX
from handlers.permissions import allowed
from handlers.review.buttons import record_refusal
from handlers.review.case_page import case_heading, case_place, page_time
from handlers.review.reporter import next_step, revise_buttons
from handlers.review.visit_history import visit_lines
from handlers.scope import own_cases
from storage.models import CaseDetail, CaseEvent, User
from storage.models import CaseState as S

VIEW_PREFIX = "mc"  # mc:<case id>
EVENTS_SHOWN = 8  # the latest steps (a case sent back and corrected several times has more)
REASON_SHOWN = 300


async def view_button(turn: Turn, data: str) -> None:
    """A "Lihat <number>" button: the case's page, if the presser is its reporter."""
    _, raw_id = button_fields(data, 2)
    await show_my_case(turn, small_number(raw_id))


async def show_my_case(turn: Turn, case_id: int | None) -> None:
    """The reporter's read-only page of one of their cases."""
    assert turn.user is not None
    case = (
        await turn.repos.review.detail(case_id, own_cases(turn.user))
        if case_id is not None and allowed(turn.user, "case.list_own")
        else None
    )
    if case is None:
        await record_refusal(turn, case_id, {"view": "own_case"})
        turn.reply(turn.t("reporter.not_yours"))  # says nothing about whose it is
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="case.view",
        subject=f"case:{case.summary.id}",
        detail={"as": "reporter"},
    )
    rows = []
    if case.summary.state == S.NEEDS_REVISION:
        rows += revise_buttons(turn.app.catalog, turn.language, [case.summary])
    back = Button(label=turn.t("menu.my_reports"), data=f"{MENU_PREFIX}:laporan_saya")
    turn.reply(Outbound.say(await _page_text(turn, case), [*rows, [back]]))


def _event_line(turn: Turn, case: CaseDetail, event: CaseEvent, actors: dict[int, User]) -> str:
    """One step: when, the state it led to, who took it (a reviewer by role; the reporter's
    own steps without a name) and the reason given. The step's line is HTML already: it
    goes into the reason's line as it is (`Markup`), not escaped twice."""
    at, state = page_time(turn, event.at), turn.t(f"case_states.{event.to_state}")
    actor = actors.get(event.actor_id) if event.actor_id else None
    if actor is None or actor.id == case.summary.reporter_id:
        line = turn.t("reporter.page_event", at=at, state=state)
    else:
        line = turn.t(
            "reporter.page_event_by", at=at, state=state, who=turn.t(f"roles.{actor.role}")
        )
    if event.reason:
        reason = event.reason[:REASON_SHOWN]
        return turn.t("reporter.page_event_reason", event=Markup(line), reason=reason)
    return line


async def _page_text(turn: Turn, case: CaseDetail) -> str:
    summary = case.summary
    categories = categories_named(turn.app.forms, turn.language, summary.categories)
    changed = case.events[-1].at if case.events else summary.submitted_at
    lines = [
        case_heading(turn, summary),
        await case_place(turn, summary),
        turn.t(
            "reporter.page_dates",
            reported=page_time(turn, summary.submitted_at),
            changed=page_time(turn, changed),
        ),
        turn.t("review.case_categories", categories=categories or "-"),
        turn.t(
            "review.case_household",
            head=case.head_name,
            kk=household_kk(turn.t, case.no_kk, case.answers),
            size=case.member_count or "-",
        ),
    ]
    options = OptionLabels(turn.app.forms[CASE_FORM], turn.language)
    for subject in case.subjects:
        nik = subject_nik(turn.t, subject)
        if sex := options.label("member_sex", subject["sex"]):
            # A sex the NIK gave (no question asked) is said so: a mistyped NIK shows here.
            if subject["nik"]:
                sex = turn.t("reporter.sex_from_nik", sex=sex)
            line = turn.t("reporter.page_member_sex", name=subject["name"], sex=sex, nik=nik)
        else:
            line = turn.t("reporter.page_member", name=subject["name"], nik=nik)
        lines.append(line)
    lines.append(turn.t("review.case_address", address=case.address or "-"))
    lines.append(turn.t("reporter.page_photos", count=len(case.photos)))
    if visits := await visit_lines(turn, summary.id, by_role=True):
        lines += ["", *visits]
    lines += ["", turn.t("reporter.page_decisions")]
    events = case.events[-EVENTS_SHOWN:]
    actors = await turn.repos.users.get_many([e.actor_id for e in events if e.actor_id])
    lines += [_event_line(turn, case, event, actors) for event in events]
    if step := await next_step(turn, turn.language, summary):
        lines += ["", step]
    return "\n".join(lines)
