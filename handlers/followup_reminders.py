"""Follow-up visits due (a next visit date today or overdue) in the daily reminder: for the
TKSK of the case's kecamatan now; for a coordinator who recorded the latest visit while the
case is in their kabupaten; for the kabupaten's coordinators where the kecamatan has no active
TKSK. Whoever recorded it and moved elsewhere is not reminded. And the cases nobody visits,
for the same TKSK or coordinators of an unstaffed kecamatan: approved (or last visited without
a next date) VISIT_INTERVAL_DAYS local days ago or more, with no visit since. Case numbers
only: reminders name no household (phone lock screens show them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.context import AppContext
from handlers.events import Button
from handlers.review.buttons import CASE_PREFIX
from storage.models import Role, User
from storage.repos import Repos
from storage.visits import DueVisit, UnvisitedCase, UnvisitedSince

NUMBERS_SHOWN = 10
BUTTONS_SHOWN = 3
# The usual time between follow-up visits: the next visit the visit form suggests, and how
# long a followed case may go unvisited before its TKSK is chased.
VISIT_INTERVAL_DAYS = 7


def case_numbers(app: AppContext, language: str, due: Sequence[DueVisit | UnvisitedCase]) -> str:
    """'KNG-2026-000001, KNG-2026-000004 dan 3 lainnya'."""
    return numbers_listed(app, language, [visit.number for visit in due])


def numbers_listed(
    app: AppContext, language: str, numbers: list[str], shown: int = NUMBERS_SHOWN
) -> str:
    """The first `shown` case numbers, then 'dan N lainnya' for the rest."""
    text = ", ".join(numbers[:shown])
    if len(numbers) > shown:
        more = app.catalog.text(language, "followup.reminder_more", count=len(numbers) - shown)
        text += " " + more
    return text


async def due_visits_for(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[DueVisit]:
    """The visits this person should make, within their scope now."""
    today = app.local_date(now)
    if user.role == Role.TKSK and user.kecamatan_code:
        return await repos.visits.due(today, kecamatan_code=user.kecamatan_code)
    if user.role == Role.COORDINATOR and user.kabupaten_code:
        return await repos.visits.due_for_coordinator(
            today, kabupaten_code=user.kabupaten_code, coordinator_id=user.id
        )
    return []


def unvisited_since(app: AppContext, now: datetime) -> UnvisitedSince:
    """Followed cases are chased after VISIT_INTERVAL_DAYS local days without a visit."""
    return UnvisitedSince.days_before(app.local_date(now), VISIT_INTERVAL_DAYS, app.timezone)


async def unvisited_for(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[UnvisitedCase]:
    """The followed cases nobody visits that this person should: a TKSK's of their
    kecamatan; a coordinator's of their kabupaten's kecamatan without an active TKSK."""
    since = unvisited_since(app, now)
    if user.role == Role.TKSK and user.kecamatan_code:
        return await repos.visits.unvisited(since, kecamatan_code=user.kecamatan_code)
    if user.role == Role.COORDINATOR and user.kabupaten_code:
        return await repos.visits.unvisited_for_coordinator(
            since, kabupaten_code=user.kabupaten_code
        )
    return []


async def due_visit_lines(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> tuple[list[str], list[list[Button]]]:
    """The reminder's lines about visits due and cases nobody visits, with buttons to open
    the first cases."""
    due: list[DueVisit | UnvisitedCase] = list(await due_visits_for(repos, app, user, now))
    lines = []
    if due:
        numbers = case_numbers(app, user.language, due)
        lines.append(app.catalog.text(user.language, "followup.reminder_due", numbers=numbers))
    unvisited = await unvisited_for(repos, app, user, now)
    if unvisited:
        numbers = case_numbers(app, user.language, unvisited)
        lines.append(
            app.catalog.text(
                user.language,
                "followup.reminder_unvisited",
                days=VISIT_INTERVAL_DAYS,
                numbers=numbers,
            )
        )
    due.extend(unvisited)
    buttons = [
        [Button(label=case.number, data=f"{CASE_PREFIX}:{case.case_id}")]
        for case in due[:BUTTONS_SHOWN]
    ]
    return lines, buttons
