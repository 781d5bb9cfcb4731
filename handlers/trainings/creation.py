"""/bimtek_baru: a coordinator (their kabupaten) or a TKSK (the PSM of their kecamatan)
describes a training in a guided form, checks the summary, sees how many people it invites and
confirms; the invitations go out through deliver() and the people the bot cannot reach are
listed, so the office can call them."""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers import date_formats
from handlers.context import Turn
from handlers.forms import one_unsent
from handlers.forms.answer_dates import parse_time_text
from handlers.forms.dates import example_date, short_date
from handlers.forms.final_go import FINAL_EDIT, FINAL_SEND, ask_final_go, final_go, summary_again
from handlers.forms.runner import context_values, on_complete, start_form
from handlers.permissions import allowed
from handlers.trainings.codes import new_secret
from handlers.trainings.common import (
    CREATE_PREFIX,
    UNSENT_PREFIX,
    audit,
    describe,
    local_day_bounds,
    spoken_date,
    training_names,
)
from handlers.trainings.rsvp import send_invitations
from storage.models import FormSession, Role, User
from storage.trainings import Invitation

FORM_ID = "training"
UNREACHABLE_LISTED = 50
PHASE = "training_confirm"  # the summary was confirmed; waiting for the final go


def _may_create(user: User | None) -> bool:
    if not allowed(user, "training.create") or user is None or not user.kabupaten_code:
        return False
    return user.role != Role.TKSK or bool(user.kecamatan_code)


async def start_creation(turn: Turn) -> None:
    if not _may_create(turn.user):
        turn.reply(turn.t("errors.not_allowed"))
        return
    await one_unsent.start(turn, UNSENT)


async def _start_new(turn: Turn, returns_to: int | None) -> None:
    """A new training's first question; `returns_to`: the form a training dropped for it
    interrupted, which comes back after this one instead."""
    intro = turn.t("training.create_intro") + "\n\n"
    await start_form(turn, FORM_ID, prefix=intro, returns_to=returns_to)


# One training at a time (handlers/forms/one_unsent.py): /bimtek_baru with one described and
# its invitations not sent asks `tu:<k|d>:<session id>`, go on with it, or drop it for a new
# one; before, the first one's "📨 Kirim undangan" came back after the second and invited too.
UNSENT = one_unsent.register(
    one_unsent.OneUnsent(
        form_id=FORM_ID,
        prefix=UNSENT_PREFIX,
        phase=PHASE,
        named_by="title",
        may=_may_create,
        start_new=_start_new,
        waits="training.unfinished",
        kept="training.unfinished_kept",
        dropped="training.unfinished_dropped",
    )
)


def _audience(user: User, answers: dict[str, Any]) -> dict[str, str | None]:
    """Whom it invites; a TKSK invites the PSM of their kecamatan."""
    if user.role == Role.TKSK:
        return {"role": "psm", "kecamatan": user.kecamatan_code}
    choice = answers["audience"]["name"]
    role = {"psm": "psm", "tksk": "tksk", "all": None, "kecamatan": "psm"}[choice]
    kecamatan = answers["kecamatan"]["name"] if choice == "kecamatan" else None
    return {"role": role, "kecamatan": kecamatan}


async def _invitees(turn: Turn, audience: dict[str, str | None]) -> list[User]:
    user = turn.user
    assert user is not None
    people = await turn.repos.broadcasts.audience(
        kabupaten_code=user.kabupaten_code,
        role=audience["role"],
        kecamatan_code=audience["kecamatan"],
    )
    return [person for person in people if person.id != user.id]


def _clock(text: str) -> time:
    """A day's time as stored: "HH:MM" (type time) or "08.00" (version 1's text answer)."""
    return time(*parse_time_text(text))


def schedule_of(
    turn: Turn, answers: dict[str, Any]
) -> tuple[list[tuple[datetime, datetime]], list[str]]:
    """The days as UTC (start, end), and what is wrong with them (none: []): every problem
    at once, so the summary comes back once, not once per problem."""
    zone = turn.app.timezone
    days, problems = [], []
    for item in answers["days"]:
        day = date.fromisoformat(item["day_date"])
        starts = datetime.combine(day, _clock(item["start_time"]), tzinfo=zone)
        ends = datetime.combine(day, _clock(item["end_time"]), tzinfo=zone)
        if ends <= starts:
            problems.append(
                turn.t("training.problem_times", date=date_formats.short_date(day, turn.language))
            )
        days.append((starts, ends))
    days.sort()
    dates = [turn.app.local_date(starts) for starts, _ in days]
    if len(set(dates)) != len(dates):
        problems.append(turn.t("training.problem_same_day"))
    if dates[0] <= turn.today:
        # Answers close at the latest the day before the first day, so no deadline can fit:
        # the first day is what must change (said so, or the person loops on the deadline).
        problems.append(turn.t("training_extra.problem_too_soon"))
    elif date.fromisoformat(answers["rsvp_deadline"]) >= dates[0]:
        latest = spoken_date(dates[0] - timedelta(days=1), turn.language)
        problems.append(turn.t("training.problem_deadline", latest=latest))
    return ([], problems) if problems else (days, [])


async def back_to_summary(turn: Turn, session: FormSession, problems: list[str]) -> None:
    """The answers' summary again, headed by what is wrong with the days."""
    warnings = "\n".join("⚠️ " + problem for problem in problems)
    await summary_again(turn, session, warnings + "\n\n")


@context_values(FORM_ID)
def day_examples(turn: Turn, context: dict[str, Any]) -> dict[str, str]:
    """What the day questions show as an example (version 3): a date the question takes, a
    week from today (a fixed "9-1-2027" went stale)."""
    return {"day_example": short_date(example_date(turn.today, "future"))}


@on_complete(FORM_ID)
async def preview(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Check the days; show how many people it invites and ask for the final go."""
    assert turn.user is not None
    _, problems = schedule_of(turn, answers)
    if problems:
        await back_to_summary(turn, session, problems)
        return
    people = await _invitees(turn, _audience(turn.user, answers))
    await ask_final_go(
        turn,
        session,
        answers,
        phase=PHASE,
        prefix=CREATE_PREFIX,
        text=turn.t(
            "training.preview",
            **training_names(turn.app, turn.language, answers["title"]),
            count=len(people),
        ),
        send=turn.t("training.send"),
        edit=turn.t("training.edit_first"),
    )


async def confirm(turn: Turn, data: str) -> None:
    """Create the training and invite (all in this one transaction), or go back to the
    summary, the answers kept: asked ("✏️ Ubah dulu"), or because the days no longer fit (the
    first day is today now). The cancel of a message sent before still drops it."""
    user = turn.user
    session, choice = await final_go(turn, data, PHASE)
    if user is None or session is None or not _may_create(user):
        turn.reply(turn.t("errors.old_button"))
        return
    if choice == FINAL_EDIT:
        await summary_again(turn, session, turn.t("training.kept_for_edit") + "\n\n")
        return
    answers = session.state["final"]
    days, problems = schedule_of(turn, answers)
    if choice == FINAL_SEND and problems:
        await back_to_summary(turn, session, problems)
        return
    done = choice == FINAL_SEND
    await turn.repos.forms.save(
        session.id, state=session.state, status="completed" if done else "cancelled", now=turn.now
    )
    if not done:
        turn.reply(turn.t("training.not_sent"))
        return
    audience = _audience(user, answers)
    people = await _invitees(turn, audience)
    training_id = await turn.repos.trainings.create(
        fields=_fields(turn, user, answers, audience),
        days=days,
        created_by=user.id,
        now=turn.now,
    )
    await turn.repos.trainings.invite(training_id, [person.id for person in people], turn.now)
    training = await turn.repos.trainings.get(training_id)
    assert training is not None
    invited = [person.id for person in people]
    await send_invitations(turn, training, invited, "training.invitation_title")
    await audit(turn, training, "training.created", {"invited": len(people), "days": len(days)})
    await _report(turn, training_id)


def _fields(
    turn: Turn, user: User, answers: dict[str, Any], audience: dict[str, str | None]
) -> dict[str, Any]:
    location = answers.get("venue_location")
    method = (answers.get("checkin_method") or {}).get("name", "code") if location else "code"
    deadline_day = date.fromisoformat(answers["rsvp_deadline"])
    return {
        "kabupaten_code": user.kabupaten_code,
        "kecamatan_code": user.kecamatan_code if user.role == Role.TKSK else None,
        "title": answers["title"],
        "venue_name": answers["venue_name"],
        "venue_address": answers["venue_address"],
        "latitude": location["lat"] if location else None,
        "longitude": location["lon"] if location else None,
        "radius_m": answers.get("radius_m") if location else None,
        "audience": audience,
        "rsvp_deadline": local_day_bounds(turn.app, deadline_day)[1],
        "checkin_method": method,
        "open_minutes": answers["open_minutes"],
        "late_minutes": answers["late_minutes"],
        "secret": new_secret(),
    }


async def _report(turn: Turn, training_id: int) -> None:
    """Tell the creator it went out, and whom the bot cannot reach."""
    training = await turn.repos.trainings.get(training_id)
    assert training is not None
    invitations = await turn.repos.trainings.invitations(training_id)
    days = await turn.repos.trainings.days(training_id)
    text = describe(turn.app, turn.language, training, days) + "\n\n"
    text += turn.t("training.created", count=len(invitations))
    unreachable = [i for i in invitations if not i.reachable]
    if unreachable:
        lines = [_phone_line(turn, i) for i in unreachable[:UNREACHABLE_LISTED]]
        text += "\n\n" + turn.t("training.unreachable", count=len(unreachable))
        text += "\n" + "\n".join(lines)
        if len(unreachable) > UNREACHABLE_LISTED:
            more = len(unreachable) - UNREACHABLE_LISTED
            text += "\n" + turn.t("training.unreachable_more", count=more)
    turn.reply(text)


def _phone_line(turn: Turn, invitation: Invitation) -> str:
    """• Joko Purnomo (0812..., Babatan), someone to phone; without a number on record, where
    to ask for it instead of a bare "-": the kecamatan's TKSK, or for the TKSK themself (who
    would be sent to themself) the desa office."""
    place = invitation.desa or invitation.kecamatan
    if invitation.phone:
        return "• " + html.escape(f"{invitation.full_name} ({invitation.phone}, {place})", False)
    if turn.user is not None and turn.user.role == Role.TKSK and invitation.desa:
        where = turn.t("training.no_phone_ask_desa", desa=invitation.desa)
    elif turn.user is not None and turn.user.role != Role.TKSK and invitation.kecamatan:
        where = turn.t("training.no_phone_ask_tksk", kecamatan=invitation.kecamatan)
    else:
        where = turn.t("training.no_phone")
    return "• " + html.escape(f"{invitation.full_name} ({place}): ", False) + where
