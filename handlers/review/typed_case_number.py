"""A case number typed or pasted outside a form ("KNG-2026-000101", often forwarded from a
WhatsApp group; "kng-2026-101"; "tolong cek KNG-2026-000101"): the case's page, as the button
that names it would open it. Staff who may search (TKSK, coordinators, admins) get the
reviewer's page of a case within their scope, as /cari's result opens it; a PSM (and staff,
for a report of their own outside their scope) the page of a report of their own, as
/laporan_saya opens it. Anything else is refused as /cari or /laporan_saya refuses it,
saying nothing of whether the number exists elsewhere.

Inside a form a case number opens no page: the router asks here only for a text that no
form, list or command took, and the question reads it (alone, no free-text, NIK or KK
question takes it: handlers/forms/answers.py)."""

from __future__ import annotations

from handlers.case_numbers import case_numbers_in
from handlers.context import Turn
from handlers.list_replies import forget
from handlers.my_case_page import show_my_case
from handlers.permissions import allowed
from handlers.review.case_page import show_case
from handlers.review.search import cases_numbered
from handlers.scope import own_cases
from storage.models import User


def may_open(user: User, text: str) -> bool:
    """Whether `text` holds a case number and the (active) person has cases to look at (not a
    candidate): what `open_typed` answers."""
    if not case_numbers_in(text):
        return False
    return allowed(user, "case.search") or allowed(user, "case.list_own")


async def open_typed(turn: Turn) -> bool:
    """The page of the one case number in the typed text (True), or its refusal; False when
    the text holds none, or the person has no case to look at (a candidate)."""
    text = turn.event.text or ""
    user = turn.user
    if user is None or not may_open(user, text):
        return False
    numbers = case_numbers_in(text)
    searches = allowed(user, "case.search")
    await forget(turn)  # a list shown before no longer waits for a typed name
    if len(numbers) > 1:
        turn.reply(turn.t("review.one_number_at_a_time", example=numbers[0]))
        return True
    (number,) = numbers
    if searches and (found := await cases_numbered(turn, number)):
        await show_case(turn, found[0].id)
        return True
    # Their own report outside their scope now (a TKSK who reported as a PSM elsewhere):
    # its reporter's page, as /laporan_saya opens it.
    own = (
        await turn.repos.review.search(own_cases(user), number=number, limit=1)
        if allowed(user, "case.list_own")
        else []
    )
    if own or not searches:
        await show_my_case(turn, own[0].id if own else None)  # refused there when not theirs
    else:
        turn.reply(turn.t("review.search_none"))
    return True
