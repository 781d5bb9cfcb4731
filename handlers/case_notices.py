"""Who hears of a reported (or corrected) case: the TKSK of its kecamatan, darurat alerts at
once, and the coordinators' flags (protected cases, possible duplicates)."""

from __future__ import annotations

from collections.abc import Awaitable, Collection
from typing import Any

from handlers.case_changes import changes_anything, changes_since_sent_back
from handlers.case_submission import CaseFacts
from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.district_contact import contact_note
from handlers.events import Outbound
from handlers.forms.option_labels import categories_named
from handlers.review.buttons import open_case_button
from handlers.review.case_moves import could_see_before, move_of, tell_old_kecamatan
from handlers.review.case_page import tell_to_open
from handlers.review.deciders import Deciders, deciders
from handlers.review.send_back_notices import tell_who_asked_for_correction
from storage.models import CaseDetail, DuplicateMatch, Role, User


async def _place(turn: Turn, facts: CaseFacts) -> dict[str, str]:
    return {
        "desa": await turn.repos.regions.name_of(facts.desa_code),
        "kecamatan": await turn.repos.regions.name_of(facts.kecamatan_code),
    }


def _categories(turn: Turn, facts: CaseFacts, language: str) -> str:
    return categories_named(turn.app.forms, language, facts.categories)


async def _tksk(turn: Turn, facts: CaseFacts) -> list[User]:
    return await turn.repos.users.active_with_role(Role.TKSK, kecamatan_code=facts.kecamatan_code)


async def _coordinators(turn: Turn, facts: CaseFacts) -> list[User]:
    return await turn.repos.users.active_with_role(
        Role.COORDINATOR, kabupaten_code=facts.kabupaten_code
    )


def _verifiers(turn: Turn, facts: CaseFacts, authors: Collection[int]) -> Awaitable[Deciders]:
    return deciders(
        turn.repos,
        "verify",
        kecamatan_code=facts.kecamatan_code,
        kabupaten_code=facts.kabupaten_code,
        authors=authors,
    )


async def alert_darurat(
    turn: Turn, facts: CaseFacts, number: str, case_id: int, *, coordinators: bool = True
) -> None:
    """A darurat case: its TKSK and coordinators are alerted at once (only the TKSK when the
    coordinators were alerted of it already: a case moved to another kecamatan), with a
    button to open it (on WhatsApp nobody has to type a command to find it)."""
    place = await _place(turn, facts)
    catalog = turn.app.catalog
    people = await _tksk(turn, facts)
    if coordinators:
        people += await _coordinators(turn, facts)
    await _say_who_was_alerted(turn, facts, people)
    for person in {u.id: u for u in people}.values():
        text = catalog.text(
            person.language,
            "case.darurat_alert",
            number=number,
            categories=_categories(turn, facts, person.language),
            **place,
        )
        button = open_case_button(catalog, person.language, case_id)
        alert = Outbound(text=text, summary=number, buttons=[[button]])
        await turn.deliver(person.id, alert, DeliveryKind.ALERT)


async def _say_who_was_alerted(turn: Turn, facts: CaseFacts, people: list[User]) -> None:
    """The reporter of a darurat case hears who was alerted at once (the TKSK of the
    kecamatan, the district's coordinators), or, when nobody but themselves could be, to
    call the office (its contact when it is set)."""
    roles = {p.role for p in people if turn.user is None or p.id != turn.user.id}
    if Role.TKSK in roles and Role.COORDINATOR in roles:
        turn.reply(turn.t("case.darurat_told", who=turn.t("case.darurat_told_both")))
    elif roles:
        role = Role.TKSK if Role.TKSK in roles else Role.COORDINATOR
        turn.reply(turn.t("case.darurat_told", who=turn.t(f"case.darurat_told_{role.value}")))
    else:
        note = await contact_note(turn.repos, turn.app.catalog, turn.language, facts.kabupaten_code)
        turn.reply(turn.t("case.darurat_told_nobody") + note)


async def tell_new_case(
    turn: Turn, facts: CaseFacts, number: str, case_id: int, hidden: list[DuplicateMatch]
) -> None:
    """The TKSK hears of each new case (the coordinators, who verify it then, of the TKSK's
    own report), with a button to open it; darurat alerts go out at once; the admins hear of
    it when they must stand in (nobody in the region may verify it); flags to coordinators."""
    reporter = turn.user
    assert reporter is not None
    verifiers = await _verifiers(turn, facts, (reporter.id,))
    if facts.urgency == "darurat":
        await alert_darurat(turn, facts, number, case_id)
    elif not verifiers.standing_in:
        own_kecamatan = (
            reporter.role == Role.TKSK and reporter.kecamatan_code == facts.kecamatan_code
        )
        # The TKSK who verifies; the coordinators only when they do because the TKSK reported
        # it (where the kecamatan has no TKSK they find it in /antrian and the digest).
        told = [p for p in verifiers.people if p.role == Role.TKSK or own_kecamatan]
        await _tell_new_in_kecamatan(turn, facts, number, case_id, told)
    if verifiers.standing_in:  # nobody in the region may verify it: the admins hear of it
        await tell_to_open(
            turn, verifiers.people, "case.new_for_stand_in", number=number, case_id=case_id
        )
    await flag_to_coordinators(turn, facts, number, case_id, hidden, protected=facts.protected)


async def _tell_new_in_kecamatan(
    turn: Turn,
    facts: CaseFacts,
    number: str,
    case_id: int,
    people: list[User],
    moved_from: str | None = None,
) -> None:
    """A case new to these people, who verify it: where, what, how urgent, a button to open
    it; `moved_from`, the kecamatan (code) a correction moved it from, said under it."""
    place = await _place(turn, facts)
    came_from = await turn.repos.regions.name_of(moved_from) if moved_from else None
    catalog = turn.app.catalog
    for person in people:
        text = catalog.text(
            person.language,
            "case.new_in_kecamatan",
            number=number,
            categories=_categories(turn, facts, person.language),
            urgency=catalog.text(person.language, f"urgency.{facts.urgency}"),
            **place,
        )
        if came_from:
            text += "\n" + catalog.text(person.language, "case.moved_in", kecamatan=came_from)
        button = open_case_button(catalog, person.language, case_id)
        notice = Outbound(text=text, summary=number, buttons=[[button]])
        await turn.deliver(person.id, notice, DeliveryKind.NOTICE)


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
            await turn.deliver(person.id, Outbound(text=text, summary=number), DeliveryKind.NOTICE)
        for match in matches:
            other = (
                match.number
                if match.kabupaten_code == facts.kabupaten_code
                else catalog.text(person.language, "case.other_district")
            )
            text = catalog.text(person.language, "case.duplicate_flag", number=number, other=other)
            await turn.deliver(person.id, Outbound(text=text, summary=number), DeliveryKind.NOTICE)


async def tell_reviewers_of_revision(
    turn: Turn,
    facts: CaseFacts,
    case: CaseDetail,
    *,
    sent_back: dict[str, Any],
    corrected: dict[str, Any],
    explanation: str | None = None,
) -> None:
    """Whoever may verify the corrected case (`case`: as it was sent back; its kecamatan's
    TKSK, else the coordinators, else the admins standing in) hears that it came back, what
    changed since it was sent back (`sent_back` -> `corrected` answers) or that nothing did,
    and the reporter's explanation, with a button to open it; so does whoever sent it back,
    if not one of them (a coordinator, when the TKSK verifies it). A case the correction moved
    to another kecamatan is a new report to those who could not see it before (its TKSK
    there; a darurat one is alerted instead, `case_revision`), and the old kecamatan hears it
    left (`case_moves`)."""
    assert turn.user is not None  # who corrected it: its reporter now
    # Four eyes: not who wrote it either, when it was handed over to who corrected it.
    verifiers = await _verifiers(turn, facts, case.summary.authors | {turn.user.id})
    move = move_of(case.summary, facts.desa_code)
    new_to = {p.id for p in verifiers.people if move and not could_see_before(p, case.summary)}
    changed = changes_anything(turn.app, sent_back, corrected)
    key = "resubmitted_for_reviewer" if changed else "resubmitted_unchanged_for_reviewer"

    def changes(language: str) -> str:
        return changes_since_sent_back(
            turn.app, language, sent_back, corrected, explanation, say_none=False
        )

    number, case_id = case.summary.number, case.summary.id
    corrected_for = [p for p in verifiers.people if p.id not in new_to]
    await tell_to_open(
        turn, corrected_for, f"review.{key}", number=number, case_id=case_id, more=changes
    )
    if move and new_to and facts.urgency != "darurat":
        arrived = [p for p in verifiers.people if p.id in new_to]
        await _tell_new_in_kecamatan(
            turn, facts, number, case_id, arrived, moved_from=move.from_kecamatan
        )
    await tell_who_asked_for_correction(turn, case, verifiers, changed=changed, changes=changes)
    if move:
        await tell_old_kecamatan(turn, case, move)
