"""Check-in on the day: `/hadir KODE` (WhatsApp: `hadir KODE`), the person's location within
the venue's radius, or both, as the training asks; only inside the window (from
`open_minutes` before the start to the end of the day, or until check-in is closed by hand).
Late after `late_minutes`; a second check-in changes nothing; every refusal says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.context import Turn
from handlers.events import InboundKind, Outbound
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.permissions import allowed
from handlers.trainings.codes import code_expired, code_matches, distance_m, normalise_code
from handlers.trainings.common import checkin_closes, checkin_opens, clock_time, local_day_bounds
from storage.models import FormSession
from storage.trainings import Training, TrainingDay

CHECKIN_FORM = "training_checkin"


def _needs(training: Training) -> tuple[bool, bool]:
    """(code needed, location needed); a venue without a location can only use codes."""
    if training.latitude is None or training.longitude is None:
        return True, False
    return training.checkin_method in ("code", "both"), training.checkin_method != "code"


def _is_open(turn: Turn, training: Training, day: TrainingDay) -> bool:
    return checkin_opens(training, day) <= turn.now < checkin_closes(day)


async def _open_day(turn: Turn) -> tuple[Training, TrainingDay] | None:
    """Today's training day whose check-in is open; otherwise says why there is none."""
    assert turn.user is not None
    start, end = local_day_bounds(turn.app, turn.today)
    today = await turn.repos.trainings.days_of_user(turn.user.id, start=start, end=end)
    for training, day in today:
        if _is_open(turn, training, day):
            return training, day
    waiting = [(t, d) for t, d in today if turn.now < checkin_opens(t, d)]
    if waiting:
        training, day = waiting[0]
        opens = clock_time(turn.app, checkin_opens(training, day))
        turn.reply(turn.t("training.checkin_not_yet", title=training.title, time=opens))
    elif today:
        training, day = today[-1]
        closed = turn.t("training.checkin_closed", title=training.title)
        turn.reply(await _already(turn, day) or closed)
    else:
        turn.reply(turn.t("training.checkin_none_today"))
    return None


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
    """/hadir [KODE]."""
    if not allowed(turn.user, "training.attend"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    found = await _open_day(turn)
    if found is None:
        return
    training, day = found
    already = await _already(turn, day)
    if already:
        turn.reply(already)
        return
    needs_code, needs_location = _needs(training)
    if needs_code:
        typed = turn.event.command_args.strip()
        code = normalise_code(typed)
        if not typed:
            turn.reply(turn.t("training.checkin_need_code", title=training.title))
            return
        if code is None or not code_matches(training.secret, code, turn.now):
            expired = code is not None and code_expired(training.secret, code, turn.now)
            turn.reply(turn.t("training.code_expired" if expired else "training.code_wrong"))
            return
    if needs_location:
        prefix = turn.t("training.checkin_location", title=training.title) + "\n\n"
        context = {"day_id": day.id, "with_code": needs_code}
        await start_form(turn, CHECKIN_FORM, prefix, context=context)
        return
    turn.reply(await _record(turn, training, day, method="code", distance=None))


@on_complete(CHECKIN_FORM)
async def _location_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    text = await _location_outcome(turn, session, answers["location"])
    # The form asked with a share-location keyboard: close it with the answer.
    turn.reply(Outbound(text=text, remove_keyboard=True))


async def _location_outcome(turn: Turn, session: FormSession, point: dict[str, float]) -> str:
    day = await turn.repos.trainings.day(int(form_context(session)["day_id"]))
    training = await turn.repos.trainings.get(day.training_id) if day else None
    if day is None or training is None or training.latitude is None:
        return turn.t("errors.old_button")
    if turn.event.kind != InboundKind.LOCATION:
        return turn.t("training.checkin_location_typed")
    if training.status != "scheduled" or not _is_open(turn, training, day):
        return turn.t("training.checkin_closed", title=training.title)
    already = await _already(turn, day)
    if already:
        return already
    distance = round(
        distance_m(point["lat"], point["lon"], training.latitude, training.longitude or 0.0)
    )
    radius = training.radius_m or 0
    if distance > radius:
        return turn.t("training.checkin_too_far", distance=distance, radius=radius)
    method = "both" if session.state["context"].get("with_code") else "location"
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
        title=training.title,
        day=day.day_number,
        time=clock_time(turn.app, turn.now),
    )
