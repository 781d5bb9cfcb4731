"""The review's round-trip to the reporter: told what became of their report (with the
reason), and the "Perbaiki" buttons that open a case sent back to them for correction."""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.delivery import DeliveryKind, Topic
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import start_form
from handlers.forms.state import prefilled_state
from handlers.review.buttons import REVISE_PREFIX, record_refusal
from handlers.review.workflow import Transition
from handlers.scope import own_cases
from storage.models import CaseDetail, CaseSummary
from storage.models import CaseState as S


async def tell_reporter(
    turn: Turn,
    case: CaseDetail,
    transition: Transition,
    reason: str | None,
    detail: tuple[str, dict[str, Any]] | None = None,
) -> None:
    """Every PSM hears what became of each report, with the reason (and an extra line:
    a catalogue key and its values, e.g. a visit's dates); not a suspended one."""
    reporter = await turn.repos.users.get_active(case.summary.reporter_id)
    if reporter is None or reporter.id == (turn.user.id if turn.user else None):
        return
    catalog, language = turn.app.catalog, reporter.language
    text = catalog.text(
        language,
        "review.reporter_told",
        number=case.summary.number,
        state=catalog.text(language, f"case_states.{transition.to_state}"),
    )
    if reason:
        text += "\n" + catalog.text(language, "review.reporter_reason", reason=reason)
    if detail:
        text += "\n" + catalog.text(language, detail[0], **detail[1])
    buttons = []
    if transition.to_state == S.NEEDS_REVISION:
        text += "\n" + catalog.text(language, "review.reporter_revise_hint")
        buttons = [
            [
                Button(
                    label=catalog.text(language, "review.revise"),
                    data=f"{REVISE_PREFIX}:{case.summary.id}",
                )
            ]
        ]
    await turn.deliver(
        reporter.id,
        Outbound(text=text, buttons=buttons, summary=case.summary.number),
        DeliveryKind.NOTICE,
        Topic.REVISION if transition.to_state == S.NEEDS_REVISION else None,
    )


def revise_buttons(turn: Turn, language: str, cases: list[CaseSummary]) -> list[list[Button]]:
    """One "Perbaiki <number>" button per case sent back (for /laporan_saya, a hand-over)."""
    catalog = turn.app.catalog
    return [
        [
            Button(
                label=catalog.text(language, "case.revise_button", number=case.number),
                data=f"{REVISE_PREFIX}:{case.id}",
            )
        ]
        for case in cases
    ]


async def revise_button(turn: Turn, data: str) -> None:
    """The reporter opens a case sent back to them: the summary of their answers to change.
    Only its current reporter (after a hand-over: the receiver), only while it waits."""
    assert turn.user is not None
    _, raw_id = button_fields(data, 2)
    case_id = small_number(raw_id)
    case = (
        await turn.repos.review.detail(case_id, own_cases(turn.user))
        if case_id is not None
        else None
    )
    if case is None or case.summary.state != S.NEEDS_REVISION:
        await record_refusal(turn, case_id, {"view": "revise", "data": data[:64]})
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    state = prefilled_state(turn.app.forms["case_report"], case.answers)
    await start_form(
        turn,
        "case_report",
        turn.t("review.revising", number=case.summary.number) + "\n\n",
        state=state,
        context={"revising": case_id, "version": case.version},
    )
