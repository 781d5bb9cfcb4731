"""/cari's results: how many were found (counted, not fetched), one page of case buttons, and
a name search's further pages, as /antrian's (`handlers/paging.py`).

Button data (the router's key `cr`): `cr:<page>:<desa or kecamatan code, or ->:<name key>`,
the name search again at that page, re-checked against the presser's role and scope; a NIK's
or KK's (never in button data) `cr:<page>:=:<nik|kk><row id>.<check>`, the household member
or household holding it standing for the number (`CaseSearch.identifier_holder`), read again
when pressed, with a short check of the number (`number_check`): row ids are given again
(retention's drop_orphans) and differ after a restore, so a row holding another number now,
or none (erased since), is an old button, never another family's search. A search whose
words do not travel in a button (a number; a name key too long for Telegram's 64 bytes) shows
its first page, the true count and how to narrow it down (a number's: by the whole number; a
desa's name narrowing neither).
"""

from __future__ import annotations

import hmac
import re

from handlers.audit_keys import CHECK_LENGTH, number_check, number_subject
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
_IDENTIFIED = "="  # in a place's stead: a NIK or KK search, its holder after it
_DATA_BYTES = 64  # Telegram's callback data
_HOLDER = re.compile(rf"(nik|kk)([0-9]{{1,18}})\.([0-9a-f]{{{CHECK_LENGTH}}})")  # nik12.3fa9c0


async def by_name(turn: Turn, name_key: str, place: str | None, page: int = 0) -> int:
    """Offer page `page` of the cases of the person's scope whose subject or head of household
    is named so (within `place`, a desa or kecamatan code, when given); how many were found
    (0: nothing said, for the caller to try another reading or say none)."""
    page, found, total = await _page_found(turn, page, name_key=name_key, place=place)
    if total:
        data = f"{PAGE_PREFIX}:{{page}}:{place or _ANYWHERE}:{name_key}"
        pageable = len(data.format(page=page_count(total, PAGE)).encode()) <= _DATA_BYTES
        offer(turn, found, total, page, data if pageable else None)
    return total


async def by_identifier(turn: Turn, digits: str, page: int = 0) -> int:
    """Offer page `page` of the cases of the person's scope whose subject has this NIK or
    whose household has this KK, the latest first, with how many there are in all and the
    other pages (none: said so); returns that count. The number never goes in a button: the
    row holding it does."""
    page, found, total = await _page_found(turn, page, identifier=digits)
    if not total:
        turn.reply(turn.t("review.search_none"))
        return 0
    holder = await turn.repos.review.identifier_holder(digits) if total > PAGE else None
    data = None
    if holder:
        kind, row_id = holder
        check = number_check(turn.app, digits)
        data = f"{PAGE_PREFIX}:{{page}}:{_IDENTIFIED}:{kind}{row_id}.{check}"
    offer(turn, found, total, page, data)
    return total


async def _page_found(
    turn: Turn, page: int, **sought: str | None
) -> tuple[int, list[FoundCase], int]:
    """Page `page` of the cases of the person's scope `sought` (the first page when fewer are
    found now than when its button was sent) and how many there are in all: counted, not
    fetched, when the page is full. Returns the page shown, its cases and the count."""
    assert turn.user is not None
    scope = scope_of(turn.user)
    found = await turn.repos.review.search(scope, limit=PAGE, offset=page * PAGE, **sought)
    if not found and page > 0:
        return await _page_found(turn, 0, **sought)
    total = page * PAGE + len(found)
    if len(found) == PAGE:  # more may follow
        total = await turn.repos.review.count_found(scope, **sought)
    return page, found, total


async def by_number(turn: Turn, number: str) -> int:
    """Offer the latest cases of the person's scope with this number (as issued, or its
    serial alone: "101" ends the numbers of every year and district), with how many there
    are in all (none: said so); returns that count. A desa's name narrows nothing here, the
    whole number does (the first one found as the example)."""
    _, found, total = await _page_found(turn, 0, number=number)
    if total:
        example = found[0].number
        offer(turn, found, total, narrow=turn.t("review.search_narrow_number", example=example))
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
    if fields[2] == _IDENTIFIED:
        await _identifier_page(turn, fields[3], page)
        return
    place = None if fields[2] == _ANYWHERE else fields[2]
    total = await by_name(turn, fields[3], place, page)
    await record(turn, "name", total)
    if not total:
        turn.reply(turn.t("review.search_none"))


async def _identifier_page(turn: Turn, holder: str, page: int) -> None:
    """Another page of a NIK or KK search, the number read again from the row holding it
    (`nik12.3fa9c0`, `kk7.0b41de`) and checked; that row erased or holding another number
    since (or a button of before the check): an old button."""
    parts = _HOLDER.fullmatch(holder)
    digits = await turn.repos.review.identifier_held(parts[1], int(parts[2])) if parts else None
    if parts is None or digits is None or not _checks(turn, digits, parts[3]):
        turn.reply(turn.t("errors.old_button"))
        return
    total = await by_identifier(turn, digits, page)
    await record(turn, "nik_or_kk", total, number_subject(turn.app, digits))


def _checks(turn: Turn, digits: str, check: str) -> bool:
    return hmac.compare_digest(number_check(turn.app, digits), check)


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
