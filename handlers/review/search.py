"""/cari: a case by number (its short form too: "kng-2026-101"), exact NIK or KK (audited as
a keyed hash), or name (in a desa or kecamatan named after it), in scope, the word typed
before them dropped ("NIK 3208…": handlers/review/search_words.py); the results counted and
paged (handlers/review/search_results.py). /cari alone asks what to look for and takes the
next message as the search (`take_query`). A NIK or KK copied masked from a case page cannot
be sought: said so.
A number too long for a case number but not 16 digits is a NIK or KK mistyped: said so, with
the count typed, not searched. A message holding (most of) a NIK or KK leaves the chat, or the
person is asked to delete it, as anywhere (handlers/identifier_messages.py)."""

from __future__ import annotations

import re
from typing import Any

from handlers.audit_keys import number_subject
from handlers.case_numbers import case_number
from handlers.context import Turn
from handlers.events import InboundKind
from handlers.forms.answers import clean_text
from handlers.forms.runner import (
    RETURNS_TO,
    cancel_form,
    on_complete,
    resume_form,
    resume_interrupted,
    start_form,
)
from handlers.identifier_messages import attempted_in_search
from handlers.masking import holds_masked_number
from handlers.permissions import allowed
from handlers.review.search_results import by_identifier, by_name, by_number, record
from handlers.review.search_words import (
    name_in_place,
    names_identifier,
    without_lead_words,
)
from handlers.scope import scope_of
from storage.identifiers import compact_number
from storage.models import FormSession, FoundCase
from storage.person_names import person_key

_SERIAL = re.compile(r"\d{1,6}")  # a case number's serial alone: "000101", "101"
_IDENTIFIER = re.compile(r"[0-9]{16}")  # a NIK or KK, its separators dropped
# /cari without words: its one question is what to look for (forms/case_search.yaml).
SEARCH_FORM = "case_search"
# The command word typed again before the words, at that question.
_AGAIN = re.compile(r"^/?cari\b[\s:,]*", re.IGNORECASE)


async def search(turn: Turn) -> None:
    """Find cases; what is outside the person's scope simply is not found. Without words,
    ask what to look for: the next message is the search."""
    if not allowed(turn.user, "case.search") or turn.user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    query = without_lead_words(turn.event.command_args)
    waiting = await turn.repos.forms.active(turn.user.id)
    if waiting is not None and waiting.form_id != SEARCH_FORM:
        waiting = None
    if holds_masked_number(query):
        turn.reply(turn.t("case_search.masked"))
    elif not query and turn.event.command_args.strip():  # lead words alone: "/cari NIK"
        turn.reply(turn.t("review.search_how"))
    elif not query:
        # Asked again while it waits: one question, what it interrupted still coming back.
        returns_to = waiting.state.get(RETURNS_TO) if waiting is not None else None
        if waiting is not None:
            await cancel_form(turn, waiting)
        await start_form(turn, SEARCH_FORM, returns_to=returns_to)
    elif not _searchable(query):
        turn.reply(turn.t("review.search_how"))
    elif _mistyped_identifier(query, names_identifier(turn.event.command_args)):
        turn.reply(_wrong_length(turn, query))
    elif waiting is not None:  # "/cari Ayu" while the question waits: its answer
        await _answer(turn, waiting, query)
    else:
        await _find(turn, query)


def _searchable(query: str) -> bool:
    """A case number, a NIK or KK, or a name of 3 letters or more (punctuation alone, "...",
    would match every name)."""
    if len(query) < 3 and not query.isdigit():
        return False
    if _number(query) or _IDENTIFIER.fullmatch(compact_number(query)):
        return True
    return len(person_key(query)) >= 3


def _number(query: str) -> str | None:
    """A case number (as issued, from its short form too) or its serial alone."""
    return case_number(query) or (query if _SERIAL.fullmatch(query) else None)


def _mistyped_identifier(query: str, named: bool = False) -> bool:
    """Digits alone (separators allowed), more than a case number's serial but not a NIK's or
    KK's 16: "320801450623" is a number cut short, not a name to look for; any count but 16
    after "NIK" or "KK" (`named`)."""
    digits = compact_number(query)
    shortest = 0 if named else 7
    return digits.isascii() and digits.isdigit() and shortest <= len(digits) != 16


def _wrong_length(turn: Turn, query: str) -> str:
    """A NIK or KK has 16 digits; how many were typed."""
    return turn.t("case_search.wrong_length", count=len(compact_number(query)))


async def take_query(turn: Turn, session: FormSession) -> bool:
    """A typed message while /cari waits for what to look for: the search (True); anything
    else (a photo...): False, the form's question says what it takes. Read before the form's
    own text check, which refuses a NIK or KK in free text: here it is what is looked for,
    and it is not stored in the session."""
    event = turn.event
    if session.form_id != SEARCH_FORM or event.kind != InboundKind.TEXT:
        return False
    query = clean_text(event.text or "")
    turn.identifier_question = attempted_in_search(query)  # a mistyped NIK leaves the chat
    query = _AGAIN.sub("", query)  # "cari Ayu" typed at the question: "Ayu"
    if not query:  # "cari" again: the question again
        await resume_form(turn, session)
        return True
    if holds_masked_number(query):
        await resume_form(turn, session, "⚠️ " + turn.t("case_search.masked") + "\n\n")
        return True
    named = names_identifier(query)
    query = without_lead_words(query)  # "NIK 3208…": the number
    if not _searchable(query):
        await resume_form(turn, session, "⚠️ " + turn.t("case_search.too_short") + "\n\n")
        return True
    if _mistyped_identifier(query, named):
        await resume_form(turn, session, "⚠️ " + _wrong_length(turn, query) + "\n\n")
        return True
    await _answer(turn, session, query)
    return True


async def _answer(turn: Turn, session: FormSession, query: str) -> None:
    """The waiting question answered: it ends, the search runs, and the form it interrupted
    (a report) is asked again."""
    await turn.repos.forms.save(session.id, state=session.state, status="completed", now=turn.now)
    if allowed(turn.user, "case.search"):  # the role may have changed since the question
        await _find(turn, query)
    else:
        turn.reply(turn.t("errors.not_allowed"))
    await resume_interrupted(turn, session.state.get(RETURNS_TO))


@on_complete(SEARCH_FORM)
async def _query_answered(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The question answered through the form itself (`take_query` reads typed text first,
    so only if the form is ever finished another way): the search all the same."""
    query = str(answers.get("query") or "")
    if _searchable(query) and allowed(turn.user, "case.search"):
        await _find(turn, query)


async def cases_numbered(turn: Turn, number: str) -> list[FoundCase]:
    """The cases of the person's scope with this number (as issued, or its serial alone),
    the search audited as /cari's."""
    assert turn.user is not None
    found = await turn.repos.review.search(scope_of(turn.user), number=number)
    await record(turn, "number", len(found))
    return found


async def _find(turn: Turn, query: str) -> None:
    """Search the cases of the person's scope and offer the ones found (audited)."""
    digits = compact_number(query)
    if (number := _number(query)) is not None:
        await record(turn, "number", await by_number(turn, number))
    elif _IDENTIFIER.fullmatch(digits):
        total = await by_identifier(turn, digits)
        await record(turn, "nik_or_kk", total, number_subject(turn.app, digits))
    else:
        await record(turn, "name", await _find_name(turn, query))


async def _find_name(turn: Turn, query: str) -> int:
    """A name, within the desa or kecamatan its words end with if they do ("slamet riyadi
    babatan"; else, or when nothing is found there, the words as one name): the cases
    offered, how many (none: said so)."""
    placed = await name_in_place(turn, query)
    key = person_key(placed.name) if placed is not None else ""
    if (
        placed is not None
        and len(key) >= 3
        and (found := await by_name(turn, key, placed.place.code))
    ):
        return found
    found = await by_name(turn, person_key(query), None)
    if not found:
        turn.reply(turn.t("review.search_none"))
    return found
