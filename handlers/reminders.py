"""Daily reminders to PSM/TKSK, the coordinators' digest and broadcast delivery reports.

Scheduler kinds (see bot/scheduler.py): each looks at the local clock and the database, and
claims a key per person and local date, so restarts and missed ticks neither repeat nor lose
a day. Reminders name no household and show no personal data (lock screens show them).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from handlers.broadcast_report import report_text
from handlers.context import AppContext
from handlers.day_messages import REMINDER_THREAD, of_its_day, written_at
from handlers.delivery import DeliveryKind, deliver
from handlers.digest_chart import deliver_digest, draw_digest_chart
from handlers.district_reminders import goes_out_on, schedule_of
from handlers.events import Button, Outbound
from handlers.followup_reminders import due_visit_lines, numbers_listed, unvisited_since
from handlers.forms.option_labels import category_names, shown
from handlers.quiet_hours import called_hours, in_quiet_hours, sending_time
from handlers.regions import district_said
from handlers.review.reporter import revise_buttons
from handlers.review.verification_check import VERIFY_FORM
from handlers.review.workflow import WAITING
from handlers.trainings.digest_lines import TrainingSoon, digest_lines, trainings_soon
from handlers.trainings.schedule import tomorrow_lines
from storage.models import CaseState, Role, User
from storage.repos import Repos

QUIET_DAYS = 7
REPORT_FORM = "case_report"
SENT_BACK_SHOWN = 3  # case numbers named in the reminder, then "dan N lainnya"
# The coordinator's queue in two lines, each with its oldest case: what still waits for the
# TKSK's check in the field, and what the TKSK verified, waiting for her validation.
DIGEST_QUEUES = (
    ("digest.queue_verification", WAITING),
    ("digest.queue_validation", (CaseState.VERIFIED,)),
)
Queue = tuple[int, str | None, datetime | None]  # how many, the oldest number, since when


def _week(day: datetime) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def daily_reminders(repos: Repos, app: AppContext, now: datetime) -> None:
    """One message per person at their hour listing only what applies, or nothing."""
    if in_quiet_hours(app, now):
        return  # a reminder missed before the quiet hours waits for nothing: the day is over
    local = app.local_time(now)
    # An hour inside the evening's quiet hours (QUIET_HOURS changed since it was chosen, or
    # REMINDER_TIME in them) has come at their last call: the day's only chance.
    called = called_hours(app, local.time())
    people = await repos.reminders.due_for_daily_reminder(
        default_time=app.reminder_time.strftime("%H:%M"),
        local_time=local.strftime("%H:%M"),
        called_from=called.strftime("%H:%M") if called else None,
        day=local.date().isoformat(),
        unvisited=unvisited_since(app, now),
    )
    for user in people:
        await _remind(repos, app, user, now)
        # Everyone's hour is 16:00 by default: thousands at one tick. Each person's claim
        # and message stand on their own; answers from the field go in between.
        await repos.let_others_write()


async def _remind(repos: Repos, app: AppContext, user: User, now: datetime) -> None:
    """The person's reminder of the local day, once (nothing when nothing applies)."""
    day = app.local_date(now)
    if not await repos.reminders.claim_daily_reminder(user.id, day.isoformat(), now=now):
        return
    schedule = await schedule_of(repos, user)
    if not goes_out_on(schedule, day):
        return  # weekly on WhatsApp in this district, and not the day
    items = await _reminder_items(repos, app, user, now)
    if items:
        title = "reminder.title_weekly" if schedule.frequency == "weekly" else "reminder.title"
        text = app.catalog.text(user.language, title) + "\n" + "\n".join(i.line for i in items)
        buttons = [row for item in items for row in item.buttons]
        # Outside WhatsApp's window the template announces the reminder with its summary:
        # the most important item, so the PSM knows what it is about before tapping.
        message = Outbound(text=text, buttons=buttons, summary=items[0].summary)
        message = of_its_day(app, message, REMINDER_THREAD, now)  # "besok" is of today
        await deliver(repos, user_id=user.id, message=message, kind=DeliveryKind.ROUTINE, now=now)


@dataclass(frozen=True)
class ReminderItem:
    """One line of the daily reminder, the summary announcing it when it comes first (no
    household named: lock screens show both) and its buttons."""

    line: str
    summary: str
    buttons: list[list[Button]] = field(default_factory=list)
    about_drafts: bool = False  # the person's unfinished reports


async def _reminder_items(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[ReminderItem]:
    """What applies to the person today, the most pressing first: tomorrow's Bimtek, cases
    sent back, drafts, decisions waiting, visits due, then the weekly nudges."""
    t = app.catalog.text
    language = user.language
    items = [
        # The line itself is the summary ("📅 Besok: bimtek ..., pukul 09.00 di ..."): it
        # names the training, and the template keeps it to one line.
        ReminderItem(line=line, summary=line.split("\n")[0].removeprefix("• "), buttons=buttons)
        for line, buttons in await tomorrow_lines(repos, app, user, now)
    ]
    work = await standing_work(repos, app, user, now)
    items.extend(work)
    drafts = any(item.about_drafts for item in work)
    visit_lines, visit_buttons = await due_visit_lines(repos, app, user, now)
    if visit_lines:
        summary = t(language, "reminder.summary.visits")
        items.append(ReminderItem("\n".join(visit_lines), summary, visit_buttons))
    week = _week(app.local_time(now))
    # A pending draft already says a report is under way: no "no new report for N days".
    if user.role == Role.PSM and not drafts:
        reported = await repos.reminders.last_report(user.id)
        last = reported or user.decided_at or user.created_at
        if now - last >= timedelta(days=QUIET_DAYS) and await repos.schedule.claim(
            "quiet_reminder", f"{user.id}:{week}", now=now
        ):
            # "No new report for N days" to someone who never sent one reads as a mistake.
            line = (
                t(language, "reminder.quiet", days=(now - last).days)
                if reported
                else t(language, "reminder.never_reported")
            )
            items.append(
                ReminderItem(
                    line=line,
                    summary=t(language, "reminder.summary.quiet"),
                    buttons=[[Button(label=t(language, "menu.report"), data="menu:lapor")]],
                )
            )
    if user.role == Role.TKSK and user.kecamatan_code:
        quiet = await repos.reminders.quiet_psm(
            user.kecamatan_code, now - timedelta(days=QUIET_DAYS)
        )
        if quiet and await repos.schedule.claim("quiet_list", f"{user.id}:{week}", now=now):
            names = ", ".join(person.full_name for person in quiet[:15])
            line = t(language, "reminder.quiet_psm", count=len(quiet), names=names, days=QUIET_DAYS)
            summary = t(language, "reminder.summary.quiet_psm", count=len(quiet))
            items.append(ReminderItem(line=line, summary=summary))
    return items


async def standing_work(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[ReminderItem]:
    """What waits for the person now, whatever the day, as their reminder lists it: cases
    sent back, drafts, a TKSK's verifications waiting, an admin's decisions standing in
    (nothing claimed: it may be asked
    again, as when a template announcing a reminder no longer held is tapped)."""
    t = app.catalog.text
    language = user.language
    items: list[ReminderItem] = []
    sent_back = await repos.reminders.sent_back(user.id)
    if sent_back:
        numbers = numbers_listed(app, language, sent_back, shown=SENT_BACK_SHOWN)
        first = numbers_listed(app, language, sent_back, shown=1)  # a template's line is short
        # One case: straight to its correction, as the sent-back notice does; several: the
        # list of the person's reports, each with its own button.
        buttons = [[Button(label=t(language, "menu.my_reports"), data="menu:laporan_saya")]]
        if len(sent_back) == 1:
            buttons = revise_buttons(app.catalog, language, await repos.cases.sent_back(user.id, 1))
        items.append(
            ReminderItem(
                line=t(language, "reminder.sent_back", count=len(sent_back), numbers=numbers),
                summary=t(language, "reminder.summary.sent_back", numbers=first),
                buttons=buttons,
            )
        )
    drafts = await repos.reminders.drafts(user.id, REPORT_FORM)
    if drafts:
        items.append(
            ReminderItem(
                line=t(language, "reminder.drafts", count=drafts),
                summary=t(language, "reminder.summary.drafts", count=drafts),
                buttons=[[Button(label=t(language, "menu.drafts"), data="menu:draf")]],
                about_drafts=True,
            )
        )
    if user.role == Role.TKSK and user.kabupaten_code and user.kecamatan_code:
        items.extend(await _verification_queue(repos, app, user, now))
    if user.role == Role.ADMIN:
        standing_in = await repos.review.stand_in_count(user.id)
        if standing_in:
            items.append(
                ReminderItem(
                    line=t(language, "reminder.stand_in", count=standing_in),
                    summary=t(language, "reminder.summary.stand_in", count=standing_in),
                    buttons=[[Button(label=t(language, "menu.queue"), data="menu:antrian")]],
                )
            )
    return items


async def verification_queue(repos: Repos, tksk: User) -> Queue:
    """The cases of a TKSK's kecamatan waiting for his verification: not his own reports,
    which he may not verify (nobody decides on their own report). His daily reminder's and
    weekly digest's one count."""
    assert tksk.kabupaten_code is not None  # the callers' condition
    return await repos.reminders.queue(
        tksk.kabupaten_code, kecamatan_code=tksk.kecamatan_code, states=WAITING, not_by=tksk.id
    )


async def _verification_queue(
    repos: Repos, app: AppContext, user: User, now: datetime
) -> list[ReminderItem]:
    """A TKSK's kecamatan's cases waiting for his check in the field (how many, how long the
    oldest has waited), and his verifications begun and not sent, with a button to his
    queue: QA walk 13 found a case waiting 20 days that no reminder named."""
    t = app.catalog.text
    language = user.language
    waiting, _, since = await verification_queue(repos, user)
    unfinished = await repos.reminders.drafts(user.id, VERIFY_FORM)
    if not waiting and not unfinished:
        return []
    lines = []
    summary = "verification_queue" if waiting else "verification_unfinished"
    if waiting:
        age = waited(app, language, since, now)
        lines.append(t(language, "reminder.verification_queue", count=waiting, waited=age))
    if unfinished:
        lines.append(t(language, "reminder.verification_unfinished", count=unfinished))
    return [
        ReminderItem(
            line="\n".join(lines),
            summary=t(language, f"reminder.summary.{summary}", count=waiting or unfinished),
            buttons=[[Button(label=t(language, "menu.queue"), data="menu:antrian")]],
        )
    ]


async def coordinator_digest(repos: Repos, app: AppContext, now: datetime) -> None:
    """Each morning: yesterday's new cases, the queue, people waiting for approval, the
    district's trainings of today and tomorrow."""
    local = app.local_time(now)
    if local.time() < sending_time(app, app.digest_time) or in_quiet_hours(app, now):
        return
    today = local.date()
    start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=app.timezone)
    end = datetime.combine(today, time(0), tzinfo=app.timezone)
    for district in app.districts:
        # Asked every minute until the quiet hours: who still waits for today's digest, in
        # one query, before any count (the counts read a day of cases and the whole queue).
        due = await repos.reminders.due_for_digest(district.code, today.isoformat())
        if not due:
            continue
        new = await repos.reminders.new_cases(district.code, start, end)
        queues = [
            (key, await repos.reminders.queue(district.code, states=states))
            for key, states in DIGEST_QUEUES
        ]
        pending = await repos.reminders.pending_people(district.code)
        trainings = await trainings_soon(repos, app, district.code, now)
        name = await repos.regions.name_of(district.code)
        areas = {
            person.language: district_said(app.catalog, person.language, name) for person in due
        }
        charts = await _charts(repos, app, areas, new, now)
        for person in due:
            if not await repos.schedule.claim("digest", f"{person.id}:{today}", now=now):
                continue
            text = _digest_text(app, person.language, new, queues, pending, now, trainings)
            await deliver_digest(
                repos,
                app,
                user_id=person.id,
                language=person.language,
                text=text,
                summary=app.catalog.text(person.language, "digest.summary"),
                chart=charts.get(person.language),
                area=areas[person.language],
                now=now,
            )


async def _charts(
    repos: Repos,
    app: AppContext,
    areas: dict[str, str],
    new: dict[str, Any],
    now: datetime,
) -> dict[str, Path | None]:
    """One chart per language (`areas`: the district's name in each), drawn with the writer
    given up (drawing writes nothing and may take a second: answers from the field go
    meanwhile); none without new cases."""
    if not new["kecamatan"]:
        return {}
    async with repos.writer_released():
        return {
            language: await draw_digest_chart(app, language, new, area, now)
            for language, area in sorted(areas.items())
        }


def waited(app: AppContext, language: str, since: datetime | None, now: datetime) -> str:
    """How long the oldest case of a queue has waited, in whole days: "kurang dari 1 hari"
    for one that came in within a day (not "0 hari"), "1 hari", "5 hari"."""
    days = (now - since).days if since else 0
    key = {0: "digest.waited_under_a_day", 1: "digest.waited_one_day"}.get(
        days, "digest.waited_days"
    )
    return app.catalog.text(language, key, days=days)


def _digest_text(
    app: AppContext,
    language: str,
    new: dict,
    queues: list[tuple[str, Queue]],
    pending: int,
    now: datetime,
    trainings: list[TrainingSoon] | None = None,
) -> str:
    t = app.catalog.text
    total = sum(count for _, count in new["kecamatan"])
    title = t(language, "digest.title", when=written_at(app, language, now))
    lines = [title, t(language, "digest.new", count=total)]
    lines += [
        f"• {html.escape(name, quote=False)}: {count}" for name, count in new["kecamatan"][:10]
    ]
    if new["categories"]:
        names = category_names(app.forms, language)
        categories = ", ".join(
            f"{shown(names, code)} {count}" for code, count in new["categories"][:8]
        )
        lines.append(t(language, "digest.categories", categories=categories))
    for key, (waiting, oldest, since) in queues:
        if waiting:
            age = waited(app, language, since, now)
            lines.append(t(language, key, count=waiting, oldest=oldest or "-", waited=age))
    if not any(waiting for _, (waiting, _, _) in queues):
        lines.append(t(language, "digest.queue_empty"))
    if pending:
        lines.append(t(language, "digest.pending", count=pending))
    lines += digest_lines(app, language, trainings or [])
    return "\n".join(lines)


async def broadcast_reports(repos: Repos, app: AppContext, now: datetime) -> None:
    """Tell the sender how a finished broadcast went."""
    for broadcast_id, sender_id in await repos.broadcasts.finished_unreported():
        sender = await repos.users.get(sender_id)
        language = sender.language if sender else app.default_language
        text = await report_text(repos, app, language, broadcast_id)
        summary = app.catalog.text(language, "announced.broadcast_report")
        message = Outbound(text=text, summary=summary)
        await deliver(repos, user_id=sender_id, message=message, kind=DeliveryKind.NOTICE, now=now)
        await repos.broadcasts.mark_reported(broadcast_id, now)
