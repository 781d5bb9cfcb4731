"""The weekly digest to each TKSK for their kecamatan: the week's new cases by category and
state, the verification queue and its oldest case, follow-up visits due, followed cases
nobody has visited for VISIT_INTERVAL_DAYS, quiet PSM.

A scheduler kind: on WEEKLY_DIGEST_DAY at DIGEST_TIME (or up to CATCH_UP_DAYS later, if the
bot was down), claimed per (person, local ISO week) so it goes at most once a week. Later in
the week it is not sent: the next one is near, and a TKSK who started mid-week would get the
week before's a day or so before the next (two digests on consecutive days). Counts and case
numbers only: no household is named.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from handlers.context import AppContext
from handlers.date_formats import short_date
from handlers.day_messages import WEEKLY_DIGEST_THREAD, of_its_day
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.followup_reminders import VISIT_INTERVAL_DAYS, case_numbers, unvisited_since
from handlers.forms.option_labels import category_names, shown
from handlers.quiet_hours import in_quiet_hours, sending_time
from handlers.reminders import QUIET_DAYS, verification_queue, waited
from storage.models import CaseState, User
from storage.repos import Repos
from storage.scope import Scope

KIND = "weekly_digest"
NAMES_SHOWN = 15
CATCH_UP_DAYS = 2  # a digest missed on its day still goes this many days later, not after


def digest_week(app: AppContext, now: datetime) -> tuple[str, date] | None:
    """(the local ISO week, the digest day of that week) once this week's digest is due."""
    local = app.local_time(now)
    if in_quiet_hours(app, now):
        return None
    weekday = local.isoweekday()
    if not 0 <= weekday - app.weekly_digest_day <= CATCH_UP_DAYS:
        return None
    if weekday == app.weekly_digest_day and local.time() < sending_time(app, app.digest_time):
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}", local.date() - timedelta(days=weekday - app.weekly_digest_day)


async def tksk_weekly_digest(repos: Repos, app: AppContext, now: datetime) -> None:
    """Send each active TKSK this week's digest, once."""
    due = digest_week(app, now)
    if due is None:
        return
    week, digest_day = due
    # Asked every minute for the rest of the week: only those still without this week's.
    for person in await repos.reminders.due_for_weekly_digest(week):
        if not await repos.schedule.claim(KIND, f"{person.id}:{week}", now=now):
            continue
        text = await _digest_text(repos, app, person, digest_day, now)
        summary = app.catalog.text(person.language, "followup.weekly.summary")
        # Its queue and visits due are of today: not sent after it, nor behind a newer one.
        message = of_its_day(app, Outbound(text=text, summary=summary), WEEKLY_DIGEST_THREAD, now)
        await deliver(repos, user_id=person.id, message=message, kind=DeliveryKind.ROUTINE, now=now)
        await repos.let_others_write()  # each TKSK's digest stands on its own


async def _digest_text(
    repos: Repos, app: AppContext, person: User, digest_day: date, now: datetime
) -> str:
    assert person.kecamatan_code and person.kabupaten_code
    t, language = app.catalog.text, person.language
    end = datetime.combine(digest_day, time(0), tzinfo=app.timezone)
    start = end - timedelta(days=7)
    scope = Scope(kabupaten_code=person.kabupaten_code, kecamatan_code=person.kecamatan_code)
    counts = await repos.stats.counts(
        scope, since=start, until=end - timedelta(microseconds=1), top=1
    )
    lines = [
        t(
            language,
            "followup.weekly.title",
            kecamatan=await repos.regions.name_of(person.kecamatan_code),
            start=short_date(start.date(), language),
            end=short_date((end - timedelta(days=1)).date(), language),
        ),
        t(language, "followup.weekly.new", count=counts.total),
    ]
    if counts.total:
        order = [state.value for state in CaseState]
        states = ", ".join(
            f"{t(language, f'case_states.{state}')} {count}"
            for state, count in sorted(counts.by_state.items(), key=lambda i: order.index(i[0]))
        )
        lines.append(t(language, "followup.weekly.by_state", states=states))
        names = category_names(app.forms, language)
        categories = ", ".join(
            f"{shown(names, code)} {count}" for code, count in list(counts.by_category.items())[:8]
        )
        lines.append(t(language, "followup.weekly.by_category", categories=categories or "-"))
    waiting, oldest, since = await verification_queue(repos, person)
    if waiting:
        age = waited(app, language, since, now)
        lines.append(
            t(language, "followup.weekly.queue", count=waiting, oldest=oldest or "-", waited=age)
        )
    else:
        lines.append(t(language, "followup.weekly.queue_empty"))
    visits = await repos.visits.due(app.local_date(now), kecamatan_code=person.kecamatan_code)
    if visits:
        numbers = case_numbers(app, language, visits)
        lines.append(t(language, "followup.weekly.visits_due", count=len(visits), numbers=numbers))
    else:
        lines.append(t(language, "followup.weekly.visits_none"))
    unvisited = await repos.visits.unvisited(
        unvisited_since(app, now), kecamatan_code=person.kecamatan_code
    )
    if unvisited:
        numbers = case_numbers(app, language, unvisited)
        lines.append(
            t(
                language,
                "followup.weekly.unvisited",
                count=len(unvisited),
                days=VISIT_INTERVAL_DAYS,
                numbers=numbers,
            )
        )
    quiet = await repos.reminders.quiet_psm(person.kecamatan_code, now - timedelta(days=QUIET_DAYS))
    if quiet:
        names = ", ".join(p.full_name for p in quiet[:NAMES_SHOWN])
        lines.append(
            t(language, "followup.weekly.quiet", days=QUIET_DAYS, count=len(quiet), names=names)
        )
    return "\n".join(lines)
