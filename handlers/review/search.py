"""/cari: a case by number, exact NIK or KK (audited as a keyed hash), or name, in scope."""

from __future__ import annotations

import re

from handlers.audit_keys import number_subject
from handlers.context import Turn
from handlers.events import Button, Outbound
from handlers.permissions import allowed
from handlers.review.buttons import CASE_PREFIX
from handlers.scope import scope_of
from storage.cases import CASE_NUMBER
from storage.identifiers import compact_number
from storage.person_names import person_key

_NUMBER = re.compile(rf"^({CASE_NUMBER}|\d{{1,6}})$")


async def search(turn: Turn) -> None:
    """Find cases; what is outside the person's scope simply is not found."""
    user = turn.user
    if not allowed(user, "case.search") or user is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    query = turn.event.command_args.strip()
    if len(query) < 3 and not query.isdigit():
        turn.reply(turn.t("review.search_how"))
        return
    scope = scope_of(user)
    digits = compact_number(query)
    kind = "name"
    if _NUMBER.match(query.upper()):
        kind, found = "number", await turn.repos.review.search(scope, number=query.upper())
    elif re.fullmatch(r"[0-9]{16}", digits):
        kind = "nik_or_kk"
        found = await turn.repos.review.search(scope, nik=digits)
        found += [
            case
            for case in await turn.repos.review.search(scope, no_kk=digits)
            if case.id not in {c.id for c in found}
        ]
    else:
        key = person_key(query)
        if len(key) < 3:  # punctuation only ("...") would match every name
            turn.reply(turn.t("review.search_how"))
            return
        found = await turn.repos.review.search(scope, name_key=key)
    subject = await number_subject(turn.repos, digits) if kind == "nik_or_kk" else None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=user.id,
        action="case.search",
        subject=subject,
        detail={"kind": kind, "results": len(found)},
    )
    if not found:
        turn.reply(turn.t("review.search_none"))
        return
    rows = [
        [
            Button(
                label=f"{case.number} · {turn.t(f'case_states.{case.state}')}",
                data=f"{CASE_PREFIX}:{case.id}",
            )
        ]
        for case in found[:10]
    ]
    turn.reply(Outbound.say(turn.t("review.search_found", count=len(found)), rows))
