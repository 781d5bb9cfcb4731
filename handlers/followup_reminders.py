"""Follow-up visits due (a next visit date today or overdue) in the daily reminder: for the
TKSK of the case's kecamatan now; for a coordinator who recorded the latest visit while the
case is in their kabupaten; for the kabupaten's coordinators where the kecamatan has no active
TKSK. Whoever recorded it and moved elsewhere is not reminded. Case numbers only: reminders
name no household (phone lock screens show them)."""

from __future__ import annotations

from datetime import datetime

from handlers.context import AppContext
from handlers.events import Button
from handlers.review.buttons import CASE_PREFIX
from storage.models import Role, User
from storage.repos import Repos
from storage.visits import DueVisit

NUMBERS_SHOWN = 10
BUTTONS_SHOWN = 3


def case_numbers(app: AppContext, language: str, due: list[DueVisit]) -> str:
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


async def due_visit_lines(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> tuple[list[str], list[list[Button]]]:
    """The reminder's line about visits due, with buttons to open the first cases."""
    due = await due_visits_for(repos, app, user, now)
    if not due:
        return [], []
    line = app.catalog.text(
        user.language, "followup.reminder_due", numbers=case_numbers(app, user.language, due)
    )
    buttons = [
        [Button(label=visit.number, data=f"{CASE_PREFIX}:{visit.case_id}")]
        for visit in due[:BUTTONS_SHOWN]
    ]
    return [line], buttons
