"""/cari's results: how many were found (counted, not fetched), one page of case buttons, and
a name search's further pages, as /antrian's (`handlers/paging.py`).

Button data (the router's key `cr`): `cr:<page>:<desa or kecamatan code, or ->:<name key>`,
the name search again at that page, re-checked against the presser's role and scope. A
search whose words do not travel in a button (a NIK, a KK: never in button data; a number; a
name key too long for Telegram's 64 bytes) shows its first page, the true count and how to
narrow it down (a NIK's or KK's: by a report's number; a number's: by the whole number; a
desa's name narrowing neither).
"""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import Button, Outbound, small_number
from handlers.paging import page_buttons, page_count
from handlers.permissions import allowed
from handlers.review.buttons import CASE_PREFIX
from handlers.review.case_rows import case_row_label
from handlers.scope import scope_of
from storage.models import FoundCase

PAGE_PREFIX = "cr"
PAGE = 8  # eight cases, previous and next: a WhatsApp list's ten rows
_ANYWHERE = "-"
_DATA_BYTES = 64  # Telegram's callback data


async def by_name(turn: Turn, name_key: str, place: str | None, page: int = 0) -> int:
    """Offer page `page` of the cases of the person's scope whose subject or head of household
    is named so (within `place`, a desa or kecamatan code, when given); how many were found
    (0: nothing said, for the caller to try another reading or say none)."""
    assert turn.user is not None
    scope = scope_of(turn.user)
    found = await turn.repos.review.search(
        scope, name_key=name_key, place=place, limit=PAGE, offset=page * PAGE
    )
    if not found and page > 0:  # fewer found since the button was sent: the first page
        return await by_name(turn, name_key, place)
    total = page * PAGE + len(found)
    if len(found) == PAGE:  # more may follow: counted, not fetched
        total = await turn.repos.review.count_found(scope, name_key=name_key, place=place)
    if total:
        data = f"{PAGE_PREFIX}:{{page}}:{place or _ANYWHERE}:{name_key}"
        pageable = len(data.format(page=page_count(total, PAGE)).encode()) <= _DATA_BYTES
        offer(turn, found, total, page, data if pageable else None)
    return total


async def by_identifier(turn: Turn, digits: str) -> int:
    """Offer the latest cases of the person's scope whose subject has this NIK or whose
    household has this KK, with how many there are in all (none: said so); returns that
    count. One person or household: a desa's name narrows nothing, a report's number does."""
    return await _by_exact(turn, turn.t("review.search_narrow_identifier"), identifier=digits)


async def by_number(turn: Turn, number: str) -> int:
    """Offer the latest cases of the person's scope with this number (as issued, or its
    serial alone: "101" ends the numbers of every year and district), with how many there
    are in all (none: said so); returns that count. A desa's name narrows nothing here, the
    whole number does (the first one found as the example)."""
    return await _by_exact(turn, None, number=number)


async def _by_exact(turn: Turn, narrow: str | None, **sought: str) -> int:
    """The latest page of the cases `sought` by one exact key (`CaseSearch.search`), truly
    counted (one COUNT when a page is full), offered with how to find the others
    (`narrow`; None: by the whole number of the first case found); none: said so."""
    assert turn.user is not None
    scope = scope_of(turn.user)
    found = await turn.repos.review.search(scope, limit=PAGE, **sought)
    total = len(found)
    if total == PAGE:  # more may follow: counted, not fetched
        total = await turn.repos.review.count_found(scope, **sought)
    if total:
        if narrow is None:
            narrow = turn.t("review.search_narrow_number", example=found[0].number)
        offer(turn, found, total, narrow=narrow)
    else:
        turn.reply(turn.t("review.search_none"))
    return total


def offer(
    turn: Turn,
    found: list[FoundCase],
    total: int,
    page: int = 0,
    data: str | None = None,
    narrow: str | None = None,
) -> None:
    """One page of the cases found, a button each, and how many there are in all: previous /
    next when more are found and the search can be asked again from a button (`data`, with
    `{page}`), else the first ones and how to narrow the search down (`narrow`, said as
    it is; by default: add a desa's name, or search by a report's number)."""
    shown = found[:PAGE]
    rows = [
        [Button(label=case_row_label(turn, case), data=f"{CASE_PREFIX}:{case.id}")]
        for case in shown
    ]
    pages = page_count(total, PAGE)
    if pages == 1:
        title = turn.t("review.search_found", count=total)
    elif data is None:
        title = turn.t("review.search_found_first", count=total, shown=len(shown))
        title += "\n" + (narrow or turn.t("review.search_narrow"))
    else:
        title = turn.t("review.search_found_pages", count=total, page=page + 1, pages=pages)
        navigation = page_buttons(
            turn.t, page, size=PAGE, total=total, data=lambda n: data.format(page=n)
        )
        if navigation:
            rows.append(navigation)
    turn.reply(Outbound.say(title, rows))


async def page_button(turn: Turn, data: str) -> None:
    """Another page of a name search: the search again, audited as /cari's."""
    if not allowed(turn.user, "case.search") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    fields = data.split(":", 3)
    page = small_number(fields[1]) if len(fields) == 4 else None
    if page is None or len(fields[3]) < 3:
        turn.reply(turn.t("errors.old_button"))
        return
    place = None if fields[2] == _ANYWHERE else fields[2]
    total = await by_name(turn, fields[3], place, page)
    await record(turn, "name", total)
    if not total:
        turn.reply(turn.t("review.search_none"))


async def record(turn: Turn, kind: str, results: int, subject: str | None = None) -> None:
    """The search in the audit log: its kind and how many were found, never the words."""
    assert turn.user is not None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="case.search",
        subject=subject,
        detail={"kind": kind, "results": results},
    )
