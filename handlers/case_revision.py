"""A case sent back for revision comes back: the corrections reach the case (household,
members, photos, consent, region, urgency), the old answers are kept as a version, and the
reviewers hear of it (docs/model.md "Case states")."""

from __future__ import annotations

from typing import Any

from handlers.case_notices import (
    alert_darurat,
    flag_to_coordinators,
    tell_reviewers_of_revision,
)
from handlers.case_submission import (
    CaseFacts,
    duplicates_of,
    find_duplicates,
    record_household,
)
from handlers.context import Turn
from handlers.events import Outbound
from handlers.scope import own_cases
from handlers.temp_files import remove_photos_once_unused
from storage.models import CaseDetail, CaseState, FormSession, RevisedFacts


def _consent(case: CaseDetail, facts: CaseFacts) -> dict[str, Any]:
    """The consent record stays the one first made unless the answer about it changed."""
    old = case.consent
    if old.get("by") == facts.consent["by"] and old.get("method") == facts.consent["method"]:
        return old
    return facts.consent


async def resubmit(
    turn: Turn, session: FormSession, answers: dict[str, Any], facts: CaseFacts
) -> None:
    """Apply the corrected report to the case sent back, if it still waits for it."""
    assert turn.user is not None
    context = session.state["context"]
    case = await turn.repos.review.detail(int(context["revising"]), own_cases(turn.user))
    if (
        case is None
        or case.summary.state != CaseState.NEEDS_REVISION
        or case.version != int(context["version"])
    ):
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    number = case.summary.number
    people = [(s["name"], s["nik"], s["birth_date"]) for s in case.subjects]
    known = await duplicates_of(turn, people, case.no_kk, case.summary.desa_code)
    household_id, subject_ids = await record_household(
        turn, facts, revising=(case.summary.id, case.household_id)
    )
    revised = await turn.repos.review.revise(
        case.summary.id,
        version=case.version,
        answers=answers,
        details=facts.details,
        description=facts.description,
        categories=facts.categories,
        urgency=facts.urgency,
        actor_id=turn.user.id,
        now=turn.now,
        facts=RevisedFacts(
            household_id=household_id,
            kabupaten_code=facts.kabupaten_code,
            kecamatan_code=facts.kecamatan_code,
            desa_code=facts.desa_code,
            protected=facts.protected,
            consent=_consent(case, facts),
            subject_ids=subject_ids,
            photos=facts.photos,
        ),
    )
    if not revised:
        turn.reply(turn.t("review.nothing_to_revise"))
        return
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action="case.resubmitted",
        subject=f"case:{case.summary.id}",
    )
    turn.reply(Outbound(text=turn.t("review.resubmitted", number=number), remove_keyboard=True))
    await tell_reviewers_of_revision(turn, facts, case.summary.id, number)
    if facts.urgency == "darurat":
        # Alerted as new to it; else only those to whom it is new: another kecamatan's TKSK,
        # another kabupaten's coordinators.
        was_darurat = case.summary.urgency == "darurat"
        new_kabupaten = facts.kabupaten_code != case.summary.kabupaten_code
        if not was_darurat or new_kabupaten:
            await alert_darurat(turn, facts, number)
        elif facts.kecamatan_code != case.summary.kecamatan_code:
            await alert_darurat(turn, facts, number, coordinators=False)
    # Only matches the correction brought: those of the report as sent were dealt with then.
    seen = {m.case_id for m in known} | {case.summary.id}
    matches = [m for m in await find_duplicates(turn, facts) if m.case_id not in seen]
    await flag_to_coordinators(
        turn,
        facts,
        number,
        case.summary.id,
        matches,
        protected=facts.protected and not case.protected,
    )
    # Photos taken out of the case go once no case shows them (files are shared by hash).
    removed = set(case.photos) - set(facts.photos)
    remove_photos_once_unused(turn.repos, turn.app.media_dir, removed)
