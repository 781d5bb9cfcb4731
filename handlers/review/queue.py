"""/antrian: the cases waiting for a person's review, in groups of states, in pages. Each row
says its state (as /cari's rows); those waiting for the viewer's own decision are marked 👉
(🙋 for an admin standing in), the others are there to follow."""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.paging import page_buttons, page_count
from handlers.permissions import allowed
from handlers.review.buttons import CASE_PREFIX, QUEUE_PREFIX
from handlers.review.case_rows import case_row_label
from handlers.review.deciders import STAND_IN
from handlers.review.possible_actions import awaits_decision_by
from handlers.scope import scope_of
from storage.models import CaseState as S
from storage.models import FoundCase, Role

PAGE = 5
YOURS = "👉 "  # the viewer may verify or approve it now
# /antrian, in groups of states: first what waits for the person's own action (the TKSK
# verifies, the coordinator validates, and verifies where the kecamatan has no TKSK), then
# follow-up, last those sent back that wait for the reporter's correction (marked).
# Groups of states only, so the order comes from the covering index.
SENT_BACK = (S.NEEDS_REVISION,)
QUEUE_GROUPS = {
    Role.TKSK: ((S.SUBMITTED, S.RESUBMITTED), (S.APPROVED, S.IN_FOLLOW_UP), SENT_BACK),
    Role.COORDINATOR: (
        (S.VERIFIED,),
        (S.SUBMITTED, S.RESUBMITTED),
        (S.APPROVED, S.IN_FOLLOW_UP),
        SENT_BACK,
    ),
    Role.ADMIN: ((S.VERIFIED,), (S.SUBMITTED, S.RESUBMITTED)),
}


# The queue page a person saw last (channel_state, keyed by their id): "Ke antrian" after a
# decision goes back to it, not to page 1 again.
PAGE_STATE = "queue_page"


async def last_page(turn: Turn) -> int:
    """The queue page the person saw last (0: none seen, or the first)."""
    assert turn.user is not None
    stored = await turn.repos.schedule.get_state(PAGE_STATE, str(turn.user.id))
    return small_number(stored or "") or 0


async def next_to_decide(turn: Turn, decided_id: int) -> int | None:
    """The first case of the person's queue, in its order, waiting for their own decision
    (as its 👉 or 🙋 marks it), the one just decided aside; None without one (or without a
    queue). Looked for in the whole queue: one waiting behind many cases that are only there
    to follow is found too."""
    user = turn.user
    if not allowed(user, "case.queue") or user is None or user.role not in QUEUE_GROUPS:
        return None
    return await turn.repos.review.first_waiting(
        scope_of(user),
        QUEUE_GROUPS[user.role],
        person_id=user.id,
        role=user.role,
        leaving_out=decided_id,
    )


async def show_queue(turn: Turn, page: int = 0) -> None:
    """/antrian: cases waiting for this person's action first, then those in follow-up;
    most urgent and oldest first within each, in pages."""
    user = turn.user
    if not allowed(user, "case.queue") or user is None or user.role not in QUEUE_GROUPS:
        turn.reply(turn.t("errors.not_allowed"))
        return
    scope = scope_of(user)
    admin = allowed(user, STAND_IN)

    async def queue_page(number: int) -> tuple[list[FoundCase], int]:
        return await turn.repos.review.queue(
            scope,
            QUEUE_GROUPS[user.role],
            limit=PAGE,
            offset=number * PAGE,
            stand_in_for=user.id if admin else None,
        )

    cases, total = await queue_page(page)
    if total == 0:
        turn.reply(turn.t("review.queue_empty"))
        return
    if not cases:  # a page emptied since (its cases decided): the last one there is
        page = page_count(total, PAGE) - 1
        cases, total = await queue_page(page)
        if not cases:
            turn.reply(turn.t("review.queue_empty"))
            return
    standing_in = (
        await turn.repos.review.stood_in_for(user.id, scope, [case.id for case in cases])
        if admin
        else set()
    )
    rows = []
    yours = 0  # rows waiting for the viewer's own decision, on this page
    for case in cases:
        mark = "🚨 " if case.urgency == "darurat" else "❗ " if case.urgency == "segera" else ""
        if case.state in SENT_BACK:
            mark = "✏️ "  # waits for the reporter, whatever its urgency
        elif case.id in standing_in:
            mark = "🙋 " + mark  # nobody of its region may decide it: the admin stands in
            yours += 1
        elif await awaits_decision_by(turn, case):
            mark = YOURS + mark
            yours += 1
        label = case_row_label(turn, case, mark)
        rows.append([Button(label=label, data=f"{CASE_PREFIX}:{case.id}")])
    navigation = page_buttons(
        turn.t, page, size=PAGE, total=total, data=lambda n: f"{QUEUE_PREFIX}:{n}"
    )
    if navigation:
        rows.append(navigation)
    pages = page_count(total, PAGE)
    title = turn.t("review.queue_title", total=total, page=page + 1, pages=pages)
    if page == 0 and cases[0].state in SENT_BACK:  # the last group first: nothing else waits
        title = turn.t("review.queue_only_sent_back") + "\n\n" + title
    elif not yours:  # the rows only to follow (others' turn, follow-up): said so, not implied
        title += "\n" + turn.t("review.queue_none_yours_here")
    if standing_in:
        title += "\n" + turn.t("review.queue_stand_in")
    turn.reply(Outbound.say(title, rows))
    await turn.repos.schedule.set_state(PAGE_STATE, str(user.id), str(page))


async def queue_button(turn: Turn, data: str) -> None:
    _, raw_page = button_fields(data, 2)
    await show_queue(turn, small_number(raw_page) or 0)
