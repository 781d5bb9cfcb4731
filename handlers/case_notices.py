"""Who hears of a reported (or corrected) case: the TKSK of its kecamatan, darurat alerts at
once, and the coordinators' flags (protected cases, possible duplicates)."""

from __future__ import annotations

from collections.abc import Awaitable

from handlers.case_submission import CaseFacts
from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.events import Button, Outbound
from handlers.review.cases import CASE_PREFIX
from handlers.review.deciders import Deciders, deciders
from storage.models import DuplicateMatch, Role, User


async def _place(turn: Turn, facts: CaseFacts) -> dict[str, str]:
    return {
        "desa": await turn.repos.regions.name_of(facts.desa_code),
        "kecamatan": await turn.repos.regions.name_of(facts.kecamatan_code),
    }


def _categories(turn: Turn, facts: CaseFacts, language: str) -> str:
    catalog = turn.app.catalog
    return ", ".join(catalog.text(language, f"categories.{code}") for code in facts.categories)


async def _tksk(turn: Turn, facts: CaseFacts) -> list[User]:
    return await turn.repos.users.active_with_role(Role.TKSK, kecamatan_code=facts.kecamatan_code)


async def _coordinators(turn: Turn, facts: CaseFacts) -> list[User]:
    return await turn.repos.users.active_with_role(
        Role.COORDINATOR, kabupaten_code=facts.kabupaten_code
    )


def _verifiers(turn: Turn, facts: CaseFacts, reporter_id: int) -> Awaitable[Deciders]:
    return deciders(
        turn.repos,
        "verify",
        kecamatan_code=facts.kecamatan_code,
        kabupaten_code=facts.kabupaten_code,
        reporter_id=reporter_id,
    )


async def alert_darurat(
    turn: Turn, facts: CaseFacts, number: str, *, coordinators: bool = True
) -> None:
    """A darurat case: its TKSK and coordinators are alerted at once (only the TKSK when the
    coordinators were alerted of it already: a case moved to another kecamatan)."""
    place = await _place(turn, facts)
    people = await _tksk(turn, facts)
    if coordinators:
        people += await _coordinators(turn, facts)
    for person in {u.id: u for u in people}.values():
        text = turn.app.catalog.text(
            person.language,
            "case.darurat_alert",
            number=number,
            categories=_categories(turn, facts, person.language),
            **place,
        )
        await turn.deliver(person.id, Outbound(text=text, summary=number), DeliveryKind.ALERT)


async def tell_new_case(
    turn: Turn, facts: CaseFacts, number: str, case_id: int, hidden: list[DuplicateMatch]
) -> None:
    """The TKSK hears of each new case (the coordinators, who verify it then, of the TKSK's
    own report); darurat alerts go out at once; the admins hear of it when they must stand
    in (nobody in the region may verify it); flags to coordinators."""
    reporter = turn.user
    assert reporter is not None
    if facts.urgency == "darurat":
        await alert_darurat(turn, facts, number)
    else:
        place = await _place(turn, facts)
        catalog = turn.app.catalog
        tksk = await _tksk(turn, facts)
        told = [person for person in tksk if person.id != reporter.id]
        if not told and any(person.id == reporter.id for person in tksk):
            told = [p for p in await _coordinators(turn, facts) if p.id != reporter.id]
        for person in told:
            text = catalog.text(
                person.language,
                "case.new_in_kecamatan",
                number=number,
                categories=_categories(turn, facts, person.language),
                urgency=catalog.text(person.language, f"urgency.{facts.urgency}"),
                **place,
            )
            await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)
    verifiers = await _verifiers(turn, facts, reporter.id)
    if verifiers.standing_in:
        await _ask_admins_to_stand_in(turn, verifiers.people, number, case_id)
    await flag_to_coordinators(turn, facts, number, case_id, hidden, protected=facts.protected)


async def _ask_admins_to_stand_in(
    turn: Turn, admins: list[User], number: str, case_id: int
) -> None:
    """Nobody in the case's region may verify it (four eyes): the admins hear of it."""
    catalog = turn.app.catalog
    for person in admins:
        text = catalog.text(person.language, "case.new_for_stand_in", number=number)
        label = catalog.text(person.language, "review.open")
        button = Button(label=label, data=f"{CASE_PREFIX}:{case_id}")
        await turn.deliver(person.id, Outbound(text=text, summary=number, buttons=[[button]]))


async def flag_to_coordinators(
    turn: Turn,
    facts: CaseFacts,
    number: str,
    case_id: int,
    matches: list[DuplicateMatch],
    *,
    protected: bool,
) -> None:
    """Possible duplicates are flagged; the coordinators hear of them (and of a case that
    became protected)."""
    catalog = turn.app.catalog
    for match in matches:
        await turn.repos.cases.flag_duplicate(
            case_id, match.case_id, match.matched_on, now=turn.now
        )
    for person in await _coordinators(turn, facts):
        if protected:
            text = catalog.text(person.language, "case.protected_flag", number=number)
            await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)
        for match in matches:
            other = (
                match.number
                if match.kabupaten_code == facts.kabupaten_code
                else catalog.text(person.language, "case.other_district")
            )
            text = catalog.text(person.language, "case.duplicate_flag", number=number, other=other)
            await turn.deliver(person.id, Outbound.say(text), DeliveryKind.NOTICE)


async def tell_reviewers_of_revision(
    turn: Turn, facts: CaseFacts, case_id: int, number: str
) -> None:
    """Whoever may verify the corrected case (its kecamatan's TKSK, else the coordinators,
    else the admins standing in) hears that it came back, with a button to open it."""
    assert turn.user is not None  # who corrected it: its reporter now
    catalog = turn.app.catalog
    for person in (await _verifiers(turn, facts, turn.user.id)).people:
        text = catalog.text(person.language, "review.resubmitted_for_reviewer", number=number)
        label = catalog.text(person.language, "review.open")
        button = Button(label=label, data=f"{CASE_PREFIX}:{case_id}")
        await turn.deliver(person.id, Outbound(text=text, summary=number, buttons=[[button]]))
