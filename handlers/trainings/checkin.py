"""Check-in on the day: `/hadir KODE` (WhatsApp: `hadir KODE`), the person's location within
the venue's radius, or both, as the training asks; only inside the window (from
`open_minutes` before the start to the end of the day, or until check-in is closed by hand).
Late after `late_minutes`; a second check-in changes nothing; every refusal says why. Two
trainings may be open the same day: the code typed picks one, a location the one within its
radius. Wrong codes are limited (handlers/trainings/code_attempts.py).

Checking in amid another form (a report half done at the venue) keeps that form: its question
is asked again after the check-in, and after the check-in's own question (the code, the
location) when one is needed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from handlers.context import Turn
from handlers.events import InboundKind, Outbound
from handlers.forms.runner import (
    RETURNS_TO,
    cancel_form,
    form_context,
    on_complete,
    release_choice,
    resume_interrupted,
    start_form,
)
from handlers.geo import distance_m
from handlers.permissions import allowed
from handlers.trainings import code_attempts, typed_rsvp
from handlers.trainings.codes import code_expired, code_matches, normalise_code
from handlers.trainings.common import (
    checkin_closes,
    checkin_opens,
    clock_time,
    local_day_bounds,
    names_of,
    spoken_date,
)
from storage.models import FormSession
from storage.trainings import Training, TrainingDay

CHECKIN_FORM = "training_checkin"
CODE_FORM = "training_code"  # /hadir without a code: the next message is the code
CHECKIN_FORMS = (CHECKIN_FORM, CODE_FORM)  # the check-in's own questions


def _needs(training: Training) -> tuple[bool, bool]:
    """(code needed, location needed); a venue without a location can only use codes."""
    if training.latitude is None or training.longitude is None:
        return True, False
    return training.checkin_method in ("code", "both"), training.checkin_method != "code"


def _is_open(turn: Turn, training: Training, day: TrainingDay) -> bool:
    return checkin_opens(training, day) <= turn.now < checkin_closes(day)


async def _days_today(turn: Turn) -> list[tuple[Training, TrainingDay]]:
    """The person's training days of today, open for check-in or not."""
    assert turn.user is not None
    start, end = local_day_bounds(turn.app, turn.today)
    return await turn.repos.trainings.days_of_user(turn.user.id, start=start, end=end)


async def _open_days(turn: Turn) -> list[tuple[Training, TrainingDay]]:
    """Today's training days whose check-in is open; when none, says why."""
    today = await _days_today(turn)
    open_now = [(training, day) for training, day in today if _is_open(turn, training, day)]
    if open_now:
        return open_now
    waiting = [(t, d) for t, d in today if turn.now < checkin_opens(t, d)]
    if waiting:
        training, day = waiting[0]
        opens = clock_time(turn.app, checkin_opens(training, day))
        turn.reply(turn.t("training.checkin_not_yet", **names_of(turn, training), time=opens))
    elif today:
        training, day = today[-1]
        closed = turn.t("training.checkin_closed", **names_of(turn, training))
        turn.reply(await _already(turn, day) or closed)
    else:
        turn.reply(await _none_today(turn))
    return []


async def _none_today(turn: Turn) -> str:
    """No training today: said with the person's next training day, if any, and when its
    check-in opens (someone typing "hadir" days early is told when it will work)."""
    assert turn.user is not None
    text = turn.t("training.checkin_none_today")
    _, end = local_day_bounds(turn.app, turn.today)
    later = [
        (day.starts_at, training, day)
        for training in await turn.repos.trainings.upcoming_of_user(turn.user.id, turn.now)
        for day in await turn.repos.trainings.days(training.id)
        if day.starts_at >= end
    ]
    if not later:
        return text
    _, training, day = min(later, key=lambda found: found[0])
    opens = checkin_opens(training, day)
    date = spoken_date(turn.app.local_date(opens), turn.language)
    time = clock_time(turn.app, opens)
    return (
        text
        + " "
        + turn.t("training_extra.checkin_next", **names_of(turn, training), date=date, time=time)
    )


async def _already(turn: Turn, day: TrainingDay) -> str | None:
    """What to say when the day already has a record for the person (nothing changes)."""
    assert turn.user is not None
    record = await turn.repos.trainings.attendance_of(day.id, turn.user.id)
    if record is None:
        return None
    return turn.t(
        "training.checkin_already",
        status=turn.t(f"training.status.{record.status}"),
        time=clock_time(turn.app, record.at),
    )


async def check_in(turn: Turn) -> None:
    """/hadir [KODE]: the code is tried against every training open today (two may overlap);
    trainings checked by location alone are chosen by the location shared. Without a code,
    where one is needed, the code is asked for (the next message is the code). Another form
    left open is asked again after the check-in (`_amid`). Alone, with no training today and
    an invitation awaiting an answer, it is asked back as that answer (typed_rsvp)."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    interrupted = session.id if session is not None else None
    if not allowed(turn.user, "training.attend"):
        turn.reply(turn.t("errors.not_allowed"))
        await resume_interrupted(turn, interrupted)
        return
    # "hadir" alone days before the training, its invitation unanswered, is a yes to it.
    alone = session is None and not turn.event.command_args.strip()
    if alone and not await _days_today(turn) and await typed_rsvp.ask_if_meant(turn):
        return
    if session is not None and session.form_id in CHECKIN_FORMS:
        # "/hadir 123456" answers the code question, and starts a location question over;
        # the form either interrupted is the one to come back to.
        interrupted = session.state.get(RETURNS_TO)
        await cancel_form(turn, session)
    await _amid(turn, turn.event.command_args.strip(), interrupted)


async def bare_code(turn: Turn) -> bool:
    """A check-in code typed alone outside any form ("389262" at the venue, without /hadir):
    taken as `/hadir 389262` when the person has a training day today. Whether it was."""
    typed = (turn.event.text or "").strip()
    if turn.user is None or normalise_code(typed) is None:
        return False
    if not allowed(turn.user, "training.attend"):
        return False
    if not await _days_today(turn):
        return False
    await _check_in_with(turn, typed)
    return True


async def code_amid_form(turn: Turn, session: FormSession) -> bool:
    """A check-in code typed alone while another form waits ("389262" amid a report at the
    venue): the check-in, the form's question asked again after, only when it is the current
    code of a training open for the person's check-in now. Any other number stays the form's
    answer (a wrong code is not counted: it may be an answer). Whether it was the check-in."""
    code = normalise_code(turn.event.text or "")
    if code is None or session.form_id in CHECKIN_FORMS:
        return False
    if not allowed(turn.user, "training.attend"):
        return False
    if not any(
        _needs(training)[0]
        and _is_open(turn, training, day)
        and code_matches(training.secret, code, turn.now)
        for training, day in await _days_today(turn)
    ):
        return False
    await release_choice(turn)  # a choice asked beside the form ("cancel?") is over
    await _amid(turn, code, session.id)
    return True


async def _amid(turn: Turn, typed: str, interrupted: int | None) -> None:
    """Check in, then ask the question of the form the check-in interrupted again; when the
    check-in needs a question of its own (the code, the location), that form waits, paused,
    and is asked again once that question is done (`start_form(returns_to=...)`)."""
    await _check_in_with(turn, typed, returns_to=interrupted)
    await resume_interrupted(turn, interrupted)


async def _check_in_with(turn: Turn, typed: str, *, returns_to: int | None = None) -> None:
    """Check in with the code typed (maybe none) or by location, as today's trainings ask;
    a question the check-in asks returns to the session `returns_to` once done."""
    open_now = await _open_days(turn)
    if not open_now:
        return
    already = {day.id: await _already(turn, day) for _, day in open_now}
    pending = [(t, d) for t, d in open_now if already[d.id] is None]
    if not pending:
        turn.reply(already[open_now[0][1].id] or "")
        return
    by_code = [(t, d) for t, d in open_now if _needs(t)[0]]
    by_location = [(t, d) for t, d in pending if not _needs(t)[0]]
    if by_code and (typed or not by_location):
        found = await _by_code(turn, by_code, typed, returns_to)
        if found is None:
            return
        training, day = found
        if already[day.id]:
            turn.reply(already[day.id])
            return
        if not _needs(training)[1]:
            turn.reply(await _record(turn, training, day, method="code", distance=None))
            return
        chosen, with_code = [found], True
    else:
        chosen, with_code = by_location, False
    prefix = turn.t("training.checkin_location", **names_of(turn, chosen[0][0])) + "\n\n"
    # Each day with its training: a day id alone could be reused by a reschedule meanwhile.
    days = [[training.id, day.id] for training, day in chosen]
    context = {"days": days, "with_code": with_code}
    await start_form(turn, CHECKIN_FORM, prefix, context=context, returns_to=returns_to)


async def _by_code(
    turn: Turn,
    candidates: list[tuple[Training, TrainingDay]],
    typed: str,
    returns_to: int | None,
) -> tuple[Training, TrainingDay] | None:
    """The open training whose current code was typed; otherwise says what is wrong and asks
    for the code again (the code form), unless too many wrong codes lock code check-in: then
    no code is tried until the lockout ends."""
    locked = await code_attempts.locked_until(turn)
    if locked is not None:
        turn.reply(code_attempts.locked_text(turn, locked))
        return None
    if not typed:
        first = candidates[0][0]
        why = turn.t("training.checkin_need_code", **names_of(turn, first))
        await _ask_code(turn, why, returns_to)
        return None
    code = normalise_code(typed)
    for training, day in candidates:
        if code is not None and code_matches(training.secret, code, turn.now):
            return training, day
    today_starts = local_day_bounds(turn.app, turn.today)[0]
    if code is not None and any(
        code_expired(training.secret, code, turn.now, since=today_starts)
        for training, _ in candidates
    ):
        await _ask_code(turn, turn.t("training.code_expired"), returns_to)
        return None
    if code is not None:
        locked = await code_attempts.record_wrong(turn, candidates)
        if locked is not None:
            turn.reply(code_attempts.locked_text(turn, locked))
            return None
    if code is None:  # "12345": a digit missing or too many, no code tried nor counted
        digits = len(re.sub(r"\D", "", typed))
        await _ask_code(turn, turn.t("training.code_length", count=digits), returns_to)
        return None
    await _ask_code(turn, turn.t("training.code_wrong"), returns_to)
    return None


async def _ask_code(turn: Turn, why: str, returns_to: int | None) -> None:
    """The code form: its one question takes the next message as the code."""
    await start_form(turn, CODE_FORM, why + "\n\n", returns_to=returns_to)


@on_complete(CODE_FORM)
async def _code_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The code typed after /hadir: checked as `/hadir <code>` would be, the day's trainings
    and the lockout read again (time has passed since the question)."""
    code = str(answers.get("code") or "").strip()
    await _check_in_with(turn, code, returns_to=session.state.get(RETURNS_TO))


@on_complete(CHECKIN_FORM)
async def _location_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    text = await _location_outcome(turn, session, answers["location"])
    # The form asked with a share-location keyboard: close it with the answer.
    turn.reply(Outbound(text=text, remove_keyboard=True))


async def _location_outcome(turn: Turn, session: FormSession, point: dict[str, float]) -> str:
    context = form_context(session)
    # Forms started before days carried their training: day ids alone.
    days = context.get("days") or [
        [None, day_id] for day_id in context.get("day_ids") or [context["day_id"]]
    ]
    candidates = []
    for training_id, day_id in days:
        day = await turn.repos.trainings.day(int(day_id))
        if day is None or training_id not in (None, day.training_id):
            continue  # the day is gone, or its id now another training's
        training = await turn.repos.trainings.get(day.training_id)
        if training is not None and training.latitude is not None:
            candidates.append((training, day))
    if not candidates:
        return turn.t("errors.old_button")
    if turn.event.kind != InboundKind.LOCATION:
        return turn.t("training.checkin_location_typed")
    still_open = [(t, d) for t, d in candidates if t.status == "scheduled" and _is_open(turn, t, d)]
    if not still_open:
        return turn.t("training.checkin_closed", **names_of(turn, candidates[0][0]))
    waiting = [(t, d) for t, d in still_open if await _already(turn, d) is None]
    if not waiting:
        return await _already(turn, still_open[0][1]) or ""
    measured = []
    for training, day in waiting:
        distance = round(
            distance_m(
                point["lat"], point["lon"], training.latitude or 0.0, training.longitude or 0.0
            )
        )
        measured.append((distance - (training.radius_m or 0), distance, training, day))
    _, distance, training, day = min(measured, key=lambda found: found[0])
    radius = training.radius_m or 0
    if distance > radius:
        return turn.t("training.checkin_too_far", distance=distance, radius=radius)
    method = "both" if context.get("with_code") else "location"
    return await _record(turn, training, day, method=method, distance=distance)


async def _record(
    turn: Turn, training: Training, day: TrainingDay, *, method: str, distance: int | None
) -> str:
    """Record the check-in (late or not) and say so."""
    assert turn.user is not None
    late = turn.now > day.starts_at + timedelta(minutes=training.late_minutes)
    saved = await turn.repos.trainings.check_in(
        day.id, turn.user.id, late=late, method=method, distance_m=distance, now=turn.now
    )
    if not saved:
        return await _already(turn, day) or ""
    return turn.t(
        "training.checkin_late" if late else "training.checkin_done",
        **names_of(turn, training),
        day=day.day_number,
        time=clock_time(turn.app, turn.now),
    )
