"""The household case report: /lapor, /draf, and what happens on submit (/laporan_saya:
handlers/my_reports.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.case_forms import note_case_sent
from handlers.case_notices import tell_new_case
from handlers.case_revision import resubmit
from handlers.case_submission import (
    ask_about_duplicate,
    case_facts,
    find_duplicates,
    in_scope,
    store_case,
)
from handlers.context import Turn
from handlers.correction_sessions import (
    Unfinished,
    corrected_case,
    sort_unfinished,
    tell_correction_closed,
)
from handlers.delivery import DeliveryKind
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import (
    cancel_form,
    complete_form,
    context_values,
    final_answers,
    form_context,
    held_choice,
    hold,
    named_by,
    on_complete,
    pause_form,
    reopen_form,
    resume_form,
    session_name,
    start_form,
)
from handlers.main_menu import main_menu
from handlers.permissions import allowed
from handlers.review.reporter import revisable_case, revision_heading
from handlers.scope import can_see_case
from storage.models import FormSession

FORM_ID = "case_report"
DRAFT_PREFIX = "dr"
UNFINISHED = ("active", "paused")
MAX_DRAFTS_SHOWN = 5


def _age(turn: Turn, session: FormSession) -> str:
    elapsed = turn.now - session.updated_at
    if elapsed < timedelta(hours=1):
        return turn.t("time.minutes_ago", count=max(1, int(elapsed.total_seconds() // 60)))
    if elapsed < timedelta(days=1):
        return turn.t("time.hours_ago", count=int(elapsed.total_seconds() // 3600))
    return turn.t("time.days_ago", count=elapsed.days)


async def _drafts(turn: Turn, *, drop_untouched: bool) -> Unfinished:
    """The person's unfinished reports with an answer, and their corrections of cases sent
    back (a correction no longer awaited is discarded, said); `drop_untouched` cancels the
    others (a new report starts: the one open at its first question is not kept beside it)."""
    assert turn.user is not None
    sessions = await turn.repos.forms.of_user(turn.user.id, UNFINISHED)
    kept = []
    for session in sessions:
        if session.form_id != FORM_ID:
            continue
        # Nothing answered (a /lapor, then another): listed, such drafts would be entries
        # nobody can tell apart.
        if not session.untouched:
            kept.append(session)
        elif drop_untouched:
            await cancel_form(turn, session)
    return await sort_unfinished(turn, kept)


async def report_drafts(turn: Turn) -> list[FormSession]:
    """The person's drafts of new reports as /draf lists them (one open at its first
    question, untouched, is none; a correction of a case sent back is no draft), none
    cancelled."""
    return (await _drafts(turn, drop_untouched=False)).drafts


def _head_name(turn: Turn, session: FormSession) -> str:
    head = session.state.get("answers", {}).get("head_name")
    return head[:18] if isinstance(head, str) else turn.t("case.draft_unnamed")


def _unfinished_rows(turn: Turn, unfinished: Unfinished) -> list[list[Button]]:
    """A button each, corrections first: "✏️ KNG-… · Nama" (the number is a WhatsApp list
    row's title), a draft "Nama · umur"."""
    labels = [
        (
            session,
            turn.t("case.correction_button", number=case.number, name=_head_name(turn, session)),
        )
        for session, case in unfinished.corrections
    ] + [
        (
            session,
            turn.t("case.draft_button", name=_head_name(turn, session), age=_age(turn, session)),
        )
        for session in unfinished.drafts
    ]
    return [
        [Button(label=label, data=f"{DRAFT_PREFIX}:{session.id}")]
        for session, label in labels[:MAX_DRAFTS_SHOWN]
    ]


@named_by(FORM_ID)
def report_name(turn: Turn, session: FormSession) -> str:
    """A report as its reporter knows it: "laporan <b>Slamet</b> (2 anggota)"; the correction
    of one sent back: "perbaikan laporan <b>Slamet</b>" (the report sent is not this); one
    with nothing answered yet: "laporan baru"."""
    if session.untouched:
        return turn.t("case.report_new_named")
    answers = session.state.get("answers", {})
    head = answers.get("head_name")
    name = head if isinstance(head, str) else turn.t("case.draft_unnamed")
    if form_context(session).get("revising") is not None:
        return turn.t("case.correction_named", name=name)
    members = len(answers.get("members") or [])
    key = "case.report_named_members" if members else "case.report_named"
    return turn.t(key, name=name, count=members)


@context_values(FORM_ID)
def report_values(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """`correcting` ("yes" or ""): the session corrects a case sent back, where a desa of
    another kecamatan typed is a family moved (handlers/forms/choice_step.py), not one for
    the PSM there to report."""
    return {"correcting": "yes" if context.get("revising") is not None else ""}


async def close_draft_choice(turn: Turn) -> bool:
    """ "batal" where the draft choice waits (/lapor with a report open): the choice closes and
    that report stays a draft, told by name with how to come back; it was asked "cancel?" of
    and deleted. False where no draft choice waits."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or held_choice(session) != DRAFT_PREFIX:
        return False
    await pause_form(turn, session)
    # A correction is kept as such, never called a draft.
    key = "case.choice_closed_correction" if corrected_case(session) else "case.choice_closed"
    turn.reply(turn.t(key, report=await session_name(turn, session)))
    return True


async def start_report(turn: Turn) -> None:
    """/lapor: a new report, or the choice to go on with an unfinished one."""
    if not allowed(turn.user, "case.report"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    drafts = await _drafts(turn, drop_untouched=True)
    if not drafts:
        await start_form(turn, FORM_ID, prefix=turn.t("case.intro") + "\n\n")
        return
    await _offer_drafts(turn, drafts)


async def offer_drafts_again(turn: Turn) -> bool:
    """Typed words where the draft choice waits: the choice again, with a hint; False when
    there is no longer a choice to make (drafts expired, reporting no longer allowed)."""
    drafts = await _drafts(turn, drop_untouched=False)
    if not drafts or not allowed(turn.user, "case.report"):
        return False
    await _offer_drafts(turn, drafts, again=True)
    return True


async def _offer_drafts(turn: Turn, drafts: Unfinished, *, again: bool = False) -> None:
    """The corrections and drafts to go on with, and a new report; typed words answer this
    choice while the open report waits (`hold`), so they are not taken as its question's
    answer."""
    assert turn.user is not None
    rows = _unfinished_rows(turn, drafts)
    rows.append([Button(label=turn.t("case.new_report"), data=f"{DRAFT_PREFIX}:new")])
    lines = []
    if drafts.corrections:
        lines.append(turn.t("case.have_corrections", count=len(drafts.corrections)))
    if drafts.drafts:
        lines.append(turn.t("case.have_drafts", count=len(drafts.drafts)))
    else:
        lines.append(turn.t("case.correction_or_new"))
    text = "\n".join(lines)
    if again:
        text = "⚠️ " + turn.t("case.pick_a_draft") + "\n\n" + text
    turn.reply(Outbound.say(text, rows))
    active = await turn.repos.forms.active(turn.user.id)
    if active is not None and active.form_id == FORM_ID:  # one of the drafts listed
        await hold(turn, active, DRAFT_PREFIX)


async def list_drafts(turn: Turn) -> None:
    """/draf: unfinished reports, with how old they are, to resume."""
    if not allowed(turn.user, "case.report"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    # One open at its first question stays.
    unfinished = await _drafts(turn, drop_untouched=False)
    if not unfinished:
        turn.reply(turn.t("case.no_drafts"))
        return
    parts = []
    if unfinished.corrections:
        parts.append(turn.t("case.corrections", count=len(unfinished.corrections)))
    if unfinished.drafts:
        ttl = turn.app.draft_ttl_days
        parts.append(turn.t("case.drafts", count=len(unfinished.drafts), days=ttl))
    turn.reply(Outbound.say("\n\n".join(parts), _unfinished_rows(turn, unfinished)))


async def open_draft(turn: Turn, data: str) -> None:
    """A draft button: resume that draft (a correction with the reviewer's note), or start a
    new report."""
    assert turn.user is not None
    if not allowed(turn.user, "case.report"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    _, target = button_fields(data, 2)
    if target == "new":
        await _drafts(turn, drop_untouched=True)
        await start_form(turn, FORM_ID, prefix=turn.t("case.intro") + "\n\n")
        return
    session_id = small_number(target)
    session = await turn.repos.forms.get(session_id) if session_id is not None else None
    if (
        session is None
        or session.user_id != turn.user.id
        or session.status not in UNFINISHED
        or session.form_id != FORM_ID
    ):
        turn.reply(turn.t("case.draft_gone"))
        return
    case_id = corrected_case(session)
    heading = turn.t("case.resuming")
    if case_id is not None:
        # A correction goes on with what the "Perbaiki" screen shows (the report and the
        # reviewer's note); one whose case no longer waits for it is closed, said.
        case = await revisable_case(turn, case_id)
        if case is None or form_context(session).get("version") != case.version:
            await cancel_form(turn, session)
            await tell_correction_closed(turn, case_id)
            return
        heading = await revision_heading(turn, case)
    session = await turn.repos.forms.activate(session.id, now=turn.now)
    await resume_form(turn, session, heading + "\n\n")


@on_complete(FORM_ID)
async def submit(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The reporter confirmed the summary: check for duplicates, then store the case."""
    facts = case_facts(answers, session, turn)
    revising = form_context(session).get("revising")
    if revising is not None:
        await resubmit(turn, session, answers, facts)
        return
    matches = await find_duplicates(turn, facts)
    visible = [m for m in matches if in_scope(turn, m)]
    if visible and not session.state.get("duplicate_decided"):
        state = {**session.state, "phase": "duplicate"}
        reopened = await reopen_form(turn, session, state)
        turn.reply(ask_about_duplicate(turn, reopened, visible[0]))
        return
    hidden = [m for m in matches if not in_scope(turn, m)]
    case_id, number = await store_case(turn, session, answers, facts)
    await note_case_sent(turn, session, case_id)  # its Kirim tapped again: said sent
    await tell_new_case(turn, facts, number, case_id, hidden)
    turn.reply(main_menu(turn))


async def decide_duplicate(turn: Turn, data: str) -> None:
    """The reporter chose: add to the existing case, or submit as a new one."""
    assert turn.user is not None
    _, raw_session, choice, raw_case = button_fields(data, 4)
    session_id = small_number(raw_session)
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or session.id != session_id or session.state.get("phase") != "duplicate":
        turn.reply(turn.t("errors.old_button"))
        return
    state = {**session.state, "phase": "summary", "duplicate_decided": True}
    if choice == "n":
        await complete_form(turn, session, state)
        return
    case_id = small_number(raw_case)
    case = await turn.repos.cases.by_id(case_id) if case_id is not None else None
    if (
        choice != "u"
        or case is None
        or not case.state.is_open
        or not can_see_case(
            turn.user,
            kabupaten_code=case.kabupaten_code,
            kecamatan_code=case.kecamatan_code,
            desa_code=case.desa_code,
            reporter_id=case.reporter_id,
        )
    ):
        turn.reply(turn.t("errors.old_button"))
        return
    answers = await final_answers(turn, session, state)
    await turn.repos.cases.add_update(
        case.id, reporter_id=turn.user.id, answers=answers, now=turn.now
    )
    await turn.repos.forms.save(session.id, state=state, status="completed", now=turn.now)
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="case.updated",
        subject=f"case:{case.id}",
        detail={"number": case.number},
    )
    turn.reply(turn.t("case.added_as_update", number=case.number))
    if case.reporter_id != turn.user.id:
        reporter = await turn.repos.users.get_active(case.reporter_id)
        if reporter is not None:  # not told while suspended
            text = turn.app.catalog.text(
                reporter.language, "case.update_by_other", number=case.number
            )
            notice = Outbound(text=text, summary=case.number)
            await turn.deliver(reporter.id, notice, DeliveryKind.NOTICE)
