"""/bimtek: the trainings a coordinator (kabupaten), TKSK (kecamatan) or admin manages, and a
training's page: who is invited, akan hadir, berhalangan, no answer, checked in per day, late;
buttons to remind those who have not answered, show the current check-in code, set anyone's
status by hand, close check-in, cancel (invitees told) and export."""

from __future__ import annotations

import html
from collections import Counter
from datetime import datetime

from handlers.context import Turn
from handlers.delivery import DeliveryKind, Topic
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.paging import page_buttons
from handlers.permissions import allowed
from handlers.scope import scope_of
from handlers.trainings import (
    declines,
    export,
    imports,
    links,
    manual,
    people,
    remind,
    reschedule,
)
from handlers.trainings.codes import current_code, valid_until
from handlers.trainings.common import (
    PAGE_PREFIX,
    answer_of,
    audit,
    checkin_closes,
    checkin_opens,
    clock_time,
    day_status,
    describe,
    local_day_bounds,
    managed,
    names_of,
    notice_thread,
    present_people,
    refuse,
    spoken_date,
    still_invited,
    summary_of,
    training_names,
)
from storage.trainings import Training, TrainingDay

LIST_PAGE = 8  # with the two paging buttons, a WhatsApp list (10 rows) holds the page
LIST_ACTION = "l"  # tp:l:<page>: a page of the list
PENDING_LISTED = 10  # numbers still to call, on the page (all of them in the import report)
MAX_BUTTONS = 10  # a WhatsApp list's rows: one more and the page would be numbered text


async def show_trainings(turn: Turn, page: int = 0) -> None:
    """/bimtek: my scope's trainings, today's and coming ones first, one button each."""
    if not allowed(turn.user, "training.manage"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    today_starts = local_day_bounds(turn.app, turn.today)[0]
    found = await turn.repos.trainings.in_scope(
        scope_of(turn.user), today_starts=today_starts, limit=LIST_PAGE + 1, offset=page * LIST_PAGE
    )
    if not found and page == 0:
        turn.reply(turn.t("training.list_empty"))
        return
    rows = []
    for training in found[:LIST_PAGE]:
        days = await turn.repos.trainings.days(training.id)
        when = turn.app.local_date(days[0].starts_at).strftime("%d-%m") if days else "-"
        label = f"{when} {training.title}"
        if training.status != "scheduled":
            label += f" ({turn.t(f'training.state.{training.status}')})"
        rows.append([Button(label=label, data=f"{PAGE_PREFIX}:{training.id}")])
    paging = page_buttons(
        turn.t,
        page,
        size=LIST_PAGE,
        total=page * LIST_PAGE + len(found),  # one row past the page fetched: as far as known
        data=lambda n: f"{PAGE_PREFIX}:{LIST_ACTION}:{n}",
    )
    if paging:
        rows.append(paging)
    turn.reply(Outbound.say(turn.t("training.list_title"), rows))


async def page_button(turn: Turn, data: str) -> None:
    """tp:<training id>[:<action>], or tp:l:<page> (the list)."""
    _, raw_id, action = button_fields(data, 3)
    if raw_id == LIST_ACTION:
        await show_trainings(turn, small_number(action) or 0)
        return
    training = await managed(turn, small_number(raw_id))
    if training is None:
        await refuse(turn)
        return
    declines_page = 0
    if action.startswith(declines.ACTION) and small_number(action[1:]) is not None:
        action, declines_page = declines.ACTION, small_number(action[1:]) or 0
    handlers = {
        "": show_page,
        "r": remind.remind_silent,
        "c": _show_code,
        "m": manual.choose_day,
        "x": _close_checkin,
        "e": export.send_export,
        "k": _ask_cancel,
        "kk": _cancel,
        links.ACTION: links.send_links,
        "i": people.invite_menu,
        "in": people.ask_name_to_invite,
        "if": imports.ask_for_file,
        "w": people.walk_in,
        "s": reschedule.start_reschedule,
        declines.ACTION: lambda turn, training: declines.show(turn, training, declines_page),
    }
    handler = handlers.get(action)
    if handler is None:
        await refuse(turn, "errors.unknown_button")
        return
    if action not in ("", "e", declines.ACTION) and training.status == "cancelled":
        turn.reply(turn.t("training.is_cancelled", **names_of(turn, training)))
        return
    await handler(turn, training)


def _state_text(turn: Turn, training: Training, days: list[TrainingDay]) -> str:
    """The training's state as the page says it: a scheduled training is "berlangsung hari
    ini" on one of its days and "sudah selesai" once its last day ended (until check-in is
    closed by hand), else its stored state."""
    if training.status == "scheduled" and days:
        if any(turn.app.local_date(day.starts_at) == turn.today for day in days):
            return turn.t("training.state.today")
        if turn.now >= max(day.ends_at for day in days):
            return turn.t("training.state.over")
    return turn.t(f"training.state.{training.status}")


async def show_page(turn: Turn, training: Training) -> None:
    days = await turn.repos.trainings.days(training.id)
    invitations = await turn.repos.trainings.invitations(training.id)
    present = await present_people(turn.repos, days)
    counted = still_invited(invitations)  # as the digest counts them: a suspended one is not
    answers = Counter(answer_of(i, present) for i in counted)
    # Of those with no answer, the ones the bot cannot reach (to phone): a part of that count,
    # not a count of its own (the numbers add up to Diundang).
    unreachable = sum(not i.reachable and answer_of(i, present) == "none" for i in counted)
    lines = [describe(turn.app, turn.language, training, days), ""]
    lines.append(turn.t("training.page_state", state=_state_text(turn, training, days)))
    lines.append(
        turn.t(
            "training.page_answers",
            invited=len(counted),
            yes=answers["akan_hadir"],
            no=answers["berhalangan"],
            none=answers["none"],
            unreachable=turn.t("training.page_unreachable", count=unreachable)
            if unreachable
            else "",
        )
    )
    lines += declines.page_lines(turn, invitations)
    pending = await turn.repos.training_invites.pending(training.id)
    if pending:
        lines.append(turn.t("training_extra.page_pending", count=len(pending)))
        lines += [
            "• " + html.escape(f"{p.name or '-'} ({p.phone})", quote=False)
            for p in pending[:PENDING_LISTED]
        ]
        if len(pending) > PENDING_LISTED:
            more = len(pending) - PENDING_LISTED
            lines.append(turn.t("training_extra.import_more", count=more))
    for day in days:
        records = await turn.repos.trainings.attendance(day.id)
        counts = Counter(
            day_status(training, i, records.get(i.user_id), day, turn.now) for i in invitations
        )
        lines.append(
            turn.t(
                "training.page_day",
                number=day.day_number,
                hadir=counts["hadir"],
                late=sum(r.late and r.status == "hadir" for r in records.values()),
                izin=counts["izin"],
                sakit=counts["sakit"],
                tidak_hadir=counts["tidak_hadir"],
                open=turn.t("training.day_open")
                if checkin_opens(training, day) <= turn.now < checkin_closes(day)
                else "",
            )
        )
    rows = _page_buttons(turn, training, days, declines.page_button(turn, training, invitations))
    turn.reply(Outbound.say("\n".join(lines), rows))


def _too_late_to_cancel(training: Training, days: list[TrainingDay], now: datetime) -> bool:
    """The training is under way (its first day's check-in has opened: people came, and on
    a later day they are on their way again) or over."""
    return bool(days) and now >= checkin_opens(training, days[0])


def _page_buttons(
    turn: Turn, training: Training, days: list[TrainingDay], declined: Button | None
) -> list[list[Button]]:
    """The page's buttons, `declined` (to the full list of declines, when due) first; never
    more than a WhatsApp list holds."""
    rows = _action_buttons(turn, training, days)
    if declined is None:
        return [row for row in rows if row]
    rows.insert(0, [declined])
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        # The links are behind "➕ Undang" too (people.invite_menu): they make the room.
        links_data = f"{PAGE_PREFIX}:{training.id}:{links.ACTION}"
        rows = [[b for b in row if b.data != links_data] for row in rows]
    return [row for row in rows if row]


def _checkin_today(turn: Turn, training: Training, days: list[TrainingDay]) -> bool:
    """Whether a day's check-in is open, or opens later today: the check-in code and "Tutup
    absen" are of use only then (a week ahead they only puzzle; once the day's check-in
    closed, "Tutup absen" would only answer that nothing is open)."""
    return any(
        turn.today >= turn.app.local_date(checkin_opens(training, day))
        and turn.now < checkin_closes(day)
        for day in days
    )


def _action_buttons(turn: Turn, training: Training, days: list[TrainingDay]) -> list[list[Button]]:
    def button(key: str, action: str) -> Button:
        return Button(label=turn.t(key), data=f"{PAGE_PREFIX}:{training.id}:{action}")

    export_button = button("training.button_export", "e")
    if training.status == "cancelled":
        return [[export_button]]
    rows = [[button("training.button_manual", "m"), export_button]]
    walk_in = button("training_extra.button_walk_in", "w")
    if training.status == "scheduled":
        checkin_day = _checkin_today(turn, training, days)
        first: list[Button] = []
        if turn.now < training.rsvp_deadline:  # after it, "Ingatkan" is refused
            first.append(button("training.button_remind", "r"))
        if checkin_day:
            first.append(button("training.button_code", "c"))
        rows.insert(0, first)
        rows.append([button("training_extra.button_invite", "i"), walk_in])
        under_way = _too_late_to_cancel(training, days, turn.now)
        # Never offer what is refused: a training under way is neither moved nor cancelled.
        moving = [] if under_way else [button("training_extra.button_reschedule", "s")]
        rows.append([button("training_extra.button_links", links.ACTION), *moving])
        last = [button("training.button_close", "x")] if checkin_day else []
        if not under_way:
            last.append(button("training.button_cancel", "k"))
        if last:
            rows.append(last)
    else:
        rows[0].insert(1, walk_in)
    return rows


async def _show_code(turn: Turn, training: Training) -> None:
    """The current code, to show on a screen at the venue (it rotates); only when the page
    would offer it (`_checkin_today`): an old page's button on another day, or once the
    day's check-in closed, is refused with why."""
    days = await turn.repos.trainings.days(training.id)
    if training.status != "scheduled" or not _checkin_today(turn, training, days):
        turn.reply(_no_code_text(turn, training, days))
        return
    code = current_code(training.secret, turn.now)
    text = turn.t(
        "training.code",
        title=training.title,
        code=code,
        until=clock_time(turn.app, valid_until(turn.now)),
    )
    buttons = [
        [
            Button(label=turn.t("training.button_new_code"), data=f"{PAGE_PREFIX}:{training.id}:c"),
            Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}"),
        ]
    ]
    turn.reply(Outbound.say(text, buttons))


def _no_code_text(turn: Turn, training: Training, days: list[TrainingDay]) -> str:
    """Why no code is shown: today's check-in is closed (by hand, at the day's end, or the
    training closed), the training was closed on an earlier day (an old page's button: not
    "today"), or there is no check-in today (said with the next day, if any)."""
    closed_today = any(
        turn.app.local_date(day.starts_at) == turn.today and turn.now >= checkin_closes(day)
        for day in days
    )
    if closed_today:
        return turn.t("training.code_checkin_closed", **names_of(turn, training))
    if training.status == "closed":
        return turn.t("training.code_training_closed", **names_of(turn, training))
    coming = [day for day in days if turn.now < checkin_opens(training, day)]
    if not coming:
        return turn.t("training.code_no_checkin_today", **names_of(turn, training))
    opens = checkin_opens(training, coming[0])
    return turn.t(
        "training.code_not_today",
        **names_of(turn, training),
        date=spoken_date(turn.app.local_date(opens), turn.language),
    )


async def _close_checkin(turn: Turn, training: Training) -> None:
    """Close the open day's check-in; after the last day, the training is closed."""
    days = await turn.repos.trainings.days(training.id)
    open_days = [d for d in days if checkin_opens(training, d) <= turn.now < checkin_closes(d)]
    if not open_days:
        turn.reply(turn.t("training.nothing_open"))
        return
    day = open_days[0]
    await turn.repos.trainings.close_day(day.id, turn.now)
    if day.day_number == days[-1].day_number:
        await turn.repos.trainings.set_status(training.id, "closed")
    await audit(turn, training, "training.checkin_closed", {"day": day.day_number})
    turn.reply(turn.t("training.closed_day", number=day.day_number))
    refreshed = await turn.repos.trainings.get(training.id)
    assert refreshed is not None
    await show_page(turn, refreshed)


async def _ask_cancel(turn: Turn, training: Training) -> None:
    """ "Batalkan…?", unless it is too late (a page's button from before it began)."""
    if _too_late_to_cancel(training, await turn.repos.trainings.days(training.id), turn.now):
        turn.reply(turn.t("training.cancel_too_late", **names_of(turn, training)))
        return
    buttons = [
        [
            Button(label=turn.t("training.cancel_yes"), data=f"{PAGE_PREFIX}:{training.id}:kk"),
            Button(label=turn.t("training.cancel_no"), data=f"{PAGE_PREFIX}:{training.id}"),
        ]
    ]
    turn.reply(Outbound.say(turn.t("training.cancel_confirm", **names_of(turn, training)), buttons))


async def _cancel(turn: Turn, training: Training) -> None:
    """Cancel it before it begins, never once under way (its first day's check-in opened:
    people came) nor over; every active invitee is told."""
    if training.status != "scheduled":
        turn.reply(turn.t(f"training.is_{training.status}", **names_of(turn, training)))
        return
    days = await turn.repos.trainings.days(training.id)
    if _too_late_to_cancel(training, days, turn.now):
        turn.reply(turn.t("training.cancel_too_late", **names_of(turn, training)))
        return
    await turn.repos.trainings.set_status(training.id, "cancelled")
    invitations = [i for i in await turn.repos.trainings.invitations(training.id) if i.active]
    for invitation in invitations:
        person = await turn.repos.users.get(invitation.user_id)
        language = person.language if person else turn.app.default_language
        text = turn.app.catalog.text(
            language,
            "training.cancelled_notice",
            **training_names(turn.app, language, training.title),
            date=spoken_date(turn.app.local_date(days[0].starts_at), language),
        )
        message = Outbound(
            text=text,
            summary=summary_of(turn.app, language, training),
            thread=notice_thread(training),  # an invitation still unsent is dropped
        )
        await turn.deliver(invitation.user_id, message, DeliveryKind.NOTICE, Topic.TRAINING)
    await audit(turn, training, "training.cancelled", {"told": len(invitations)})
    turn.reply(turn.t("training.cancelled", **names_of(turn, training), count=len(invitations)))
