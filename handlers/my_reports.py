"""/laporan_saya: the cases a person reported, a page at a time. Those sent back to them come
first, each with the reviewer's note and a "Perbaiki" button; a rejected one has who rejected
it and why. Every case has a "Lihat" button to its read-only page (handlers/my_case_page.py).
Work handed over to another PSM is said, so that a list emptied by a handover does not read
as "never reported"."""

from __future__ import annotations

from handlers.case_report import report_drafts
from handlers.context import Turn
from handlers.date_formats import short_date
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.main_menu import MENU_PREFIX
from handlers.my_case_page import VIEW_PREFIX
from handlers.paging import page_buttons, page_count, within
from handlers.people.handover import work_text
from handlers.permissions import allowed
from handlers.review.reporter import revise_buttons
from handlers.review.send_back_notes import sent_back_note
from storage.models import CaseState, CaseSummary, Handover

LIST_PREFIX = "ml"  # ml:<page>
# 4 cases, a "Perbaiki" for each sent back, previous and next: 10 options at most, which
# WhatsApp still shows as one list (more would become numbered text).
PAGE_SIZE = 4
NOTE_SHOWN = 160  # characters of a reviewer's note on the list (the page has it whole)


async def my_reports(turn: Turn) -> None:
    """/laporan_saya: the first page."""
    await show_page(turn, 0)


async def page_button(turn: Turn, data: str) -> None:
    """A page of /laporan_saya (its previous / next buttons, a case page's way back)."""
    _, raw_page = button_fields(data, 2)
    await show_page(turn, small_number(raw_page) or 0)


def _date(turn: Turn, case: CaseSummary | Handover) -> str:
    moment = case.submitted_at if isinstance(case, CaseSummary) else case.at
    return short_date(turn.app.local_date(moment), turn.language)


def _handover_lines(turn: Turn, handovers: list[Handover]) -> list[str]:
    return [
        turn.t(
            "reporter.handed_over",
            work=work_text(turn, turn.language, handover.cases, handover.drafts),
            receiver=handover.receiver_name or turn.t("reporter.other_psm"),
            date=_date(turn, handover),
        )
        for handover in handovers
    ]


async def _none_sent(turn: Turn) -> None:
    """No case sent yet: the drafts to finish if there are any (with their button), else how
    to start a report."""
    drafts = await report_drafts(turn)
    if not drafts:
        turn.reply(turn.t("case.none_yet"))
        return
    button = Button(label=turn.t("menu.drafts"), data=f"{MENU_PREFIX}:draf")
    turn.reply(Outbound.say(turn.t("case.none_yet_drafts", count=len(drafts)), [[button]]))


async def show_page(turn: Turn, page: int) -> None:
    """One page of the person's own cases, with their buttons and the way to the others."""
    assert turn.user is not None
    if not allowed(turn.user, "case.list_own"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    mine = turn.repos.reporter_cases
    cases, total = await mine.page(turn.user.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    if not cases and total:  # an old button's page, past the end now
        page = within(page, pages)
        cases, total = await mine.page(turn.user.id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    handovers = await mine.handovers_from(turn.user.id)
    if not cases:
        if not handovers:
            await _none_sent(turn)
            return
        lines = [turn.t("reporter.handed_over_title"), *_handover_lines(turn, handovers)]
        turn.reply("\n".join([*lines, "", turn.t("reporter.new_report_hint")]))
        return
    sent_back = [case for case in cases if case.state == CaseState.NEEDS_REVISION]
    notes = await mine.send_back_notes([case.id for case in sent_back])
    # A rejected case is closed for good: why, and by whom, stays beside it.
    rejected = [case.id for case in cases if case.state == CaseState.REJECTED]
    rejections = await mine.send_back_notes(rejected, CaseState.REJECTED)
    lines = [turn.t("reporter.list_title", total=total, page=page + 1, pages=pages)]
    for case in cases:
        state = turn.t(f"case_states.{case.state}")
        lines.append(
            turn.t("case.mine_line", number=case.number, state=state, date=_date(turn, case))
        )
        if case.id in notes:
            lines.append("   " + sent_back_note(turn, turn.language, notes[case.id], NOTE_SHOWN))
        elif case.id in rejections:
            note = rejections[case.id]
            lines.append(
                "   " + sent_back_note(turn, turn.language, note, NOTE_SHOWN, kind="rejected")
            )
    if sent_back:
        lines += ["", turn.t("case.mine_revise_hint", count=len(sent_back))]
    lines += ["", turn.t("reporter.list_hint")]
    if handovers:
        lines += ["", turn.t("reporter.handed_over_more"), *_handover_lines(turn, handovers)]
    rows = revise_buttons(turn.app.catalog, turn.language, sent_back)
    rows += [
        [
            Button(
                label=turn.t("reporter.view_button", number=case.number),
                data=f"{VIEW_PREFIX}:{case.id}",
            )
        ]
        for case in cases
    ]
    paging = page_buttons(
        turn.t, page, size=PAGE_SIZE, total=total, data=lambda n: f"{LIST_PREFIX}:{n}"
    )
    if paging:
        rows.append(paging)
    turn.reply(Outbound.say("\n".join(lines), rows))
