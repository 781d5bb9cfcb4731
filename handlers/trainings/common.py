"""What the training (Bimtek) handlers share: button prefixes, dates in words, statuses.

Button data (all well under 64 bytes):
  tc:<y|n>:<session id>               the creator's final go (or not) after the preview
  tr:<training id>:<a|b>:<schedule>   RSVP: akan hadir / berhalangan, for that schedule
  tp:<training id>[:<action>]         a training's page and its buttons
  tp:l:<page>                         /bimtek's list, paged
  tm:<training id>:<day id>:p<page>   hand-set status: the people of a day, paged
  tm:<training id>:<day id>:u<user id>[:<status>]   ... one person, then the status chosen

Every button naming a day names its training too, and the day must still belong to it: a
reschedule that drops days lets SQLite give a dropped day's id to a later new day (of any
training), so a stale button must not open that one. Buttons from before this format (a day
id alone) are answered as out of date (`is_day_without_training`).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from handlers.context import AppContext, Turn
from handlers.date_formats import clock_time, weekday_date
from handlers.events import Button, small_number
from handlers.i18n import Markup
from handlers.permissions import allowed
from handlers.scope import scope_of
from storage.repos import Repos
from storage.trainings import Attendance, Invitation, Training, TrainingDay

CREATE_PREFIX = "tc"
RSVP_PREFIX = "tr"
PAGE_PREFIX = "tp"
MANUAL_PREFIX = "tm"
UNSENT_PREFIX = "tu"  # /bimtek_baru with one unsent: go on with it, or drop it
STATUSES = ("hadir", "izin", "sakit", "tidak_hadir")
PRESENCE = ("hadir", "tidak_hadir")  # what only the day itself can tell (izin/sakit: ahead too)


# The trainings' modules take their dates from here; one style everywhere (date_formats).
spoken_date = weekday_date


def training_names(app: AppContext, language: str, title: str) -> dict[str, Markup]:
    """A training named with the language's word before its title, for texts that say it:
    `training` ("bimtek Pendataan PPKS") and `Training`, to begin a sentence. A title that
    already begins with the word ("Bimtek Pendataan Stunting") is said as it is, so no
    notice reads "bimtek Bimtek ..."."""
    words = title.split(maxsplit=1)
    word = app.catalog.text(language, "training_extra.title_word")
    if words and words[0].strip(":.,-").casefold() == word.casefold():
        named = Markup(html.escape(title, quote=False))
    else:
        named = Markup(app.catalog.text(language, "training_extra.named", title=title))
    return {"training": named, "Training": Markup(named[:1].upper() + named[1:])}


def names_of(turn: Turn, training: Training) -> dict[str, Markup]:
    """`training_names` of a training, in the language of the turn's person."""
    return training_names(turn.app, turn.language, training.title)


def summary_of(app: AppContext, language: str, training: Training) -> str:
    """The non-personal line a WhatsApp template announces a message with (one line)."""
    title = " ".join(training.title.split())[:60]
    return app.catalog.text(language, "training.summary", **training_names(app, language, title))


def notice_thread(training: Training) -> str:
    """The thread of a training's notices to each invitee (invitation, reschedule,
    cancellation): a newer one drops an older one not sent yet (`Outbound.thread`)."""
    return f"training:{training.id}"


def reminder_thread(training: Training) -> str:
    """The thread of the invitation's reminders ("Ingatkan"), below the notices' thread: a
    reschedule or a cancellation drops a reminder not sent yet, a reminder never drops the
    invitation (which may wait for the person's /start) and a newer reminder an older one."""
    return f"{notice_thread(training)}/reminder"


def day_line(app: AppContext, language: str, day: TrainingDay) -> str:
    """Hari 1: Selasa, 9 Januari 2024, pukul 08.00-16.00 WIB."""
    return app.catalog.text(
        language,
        "training.day_line",
        number=day.day_number,
        date=spoken_date(app.local_date(day.starts_at), language),
        start=clock_time(app, day.starts_at),
        end=clock_time(app, day.ends_at),
        zone=app.zone_name,
    )


def deadline_text(app: AppContext, language: str, training: Training) -> str:
    """The last day answers may change (the deadline is the end of that local day)."""
    last_day = app.local_date(training.rsvp_deadline - timedelta(seconds=1))
    return spoken_date(last_day, language)


def describe(app: AppContext, language: str, training: Training, days: list[TrainingDay]) -> str:
    """Title, venue and days: the head of an invitation or a training's page."""
    lines = [f"<b>{html.escape(training.title, quote=False)}</b>"]
    lines += [day_line(app, language, day) for day in days]
    lines.append(
        app.catalog.text(
            language,
            "training.venue",
            name=training.venue_name,
            address=training.venue_address,
        )
    )
    return "\n".join(lines)


def schedule_stamp(days: list[TrainingDay]) -> str:
    """The schedule an invitation's RSVP buttons answer (8 hex digits of a hash of every
    day's start and end): after any reschedule the old invitation's buttons no longer match."""
    if not days:
        return ""
    schedule = ";".join(
        f"{day.starts_at.timestamp():.0f}-{day.ends_at.timestamp():.0f}" for day in days
    )
    return hashlib.blake2s(schedule.encode(), digest_size=4).hexdigest()


def day_has_begun(app: AppContext, day: TrainingDay, now: datetime) -> bool:
    """Whether the day's local date has come: before it nobody can be present or absent yet,
    so hadir/tidak_hadir are not set by hand (an excuse, izin/sakit, may be)."""
    return app.local_date(now) >= app.local_date(day.starts_at)


def checkin_opens(training: Training, day: TrainingDay) -> datetime:
    return day.starts_at - timedelta(minutes=training.open_minutes)


def checkin_closes(day: TrainingDay) -> datetime:
    """The end of the day, or earlier when check-in was closed by hand."""
    if day.checkin_closed_at is not None:
        return min(day.checkin_closed_at, day.ends_at)
    return day.ends_at


def day_status(
    training: Training,
    invitation: Invitation,
    record: Attendance | None,
    day: TrainingDay,
    now: datetime,
) -> str | None:
    """hadir/izin/sakit/tidak_hadir as it stands, or None while the day may still bring it.

    A recorded status wins; someone who excused themselves (izin/sakit) before the day's
    check-in opened keeps that reason (an excuse after it does not undo a no-show); anyone
    else without a record once check-in closed did not attend. A day over before the person
    was invited has no status.
    """
    if record is not None:
        return record.status
    if invitation.invited_at >= day.ends_at:
        return None  # invited after the day: nothing to say about it
    excused = invitation.rsvp_at is not None and invitation.rsvp_at < checkin_opens(training, day)
    if invitation.rsvp == "berhalangan" and invitation.reason_kind and excused:
        return invitation.reason_kind
    if now >= checkin_closes(day):
        return "tidak_hadir"
    return None


async def present_people(repos: Repos, days: list[TrainingDay]) -> set[int]:
    """Who is recorded `hadir` on at least one of the days (checked in, or set by hand)."""
    present: set[int] = set()
    for day in days:
        records = await repos.trainings.attendance(day.id)
        present |= {user_id for user_id, r in records.items() if r.status == "hadir"}
    return present


def answer_of(invitation: Invitation, present: set[int]) -> str:
    """akan_hadir, berhalangan or none, as the page (and the coordinator's digest) counts it:
    someone present on a day (`present_people`) has come, whatever their answer was (a
    reschedule resets it)."""
    if invitation.user_id in present:
        return "akan_hadir"
    return invitation.rsvp or "none"


def still_invited(invitations: list[Invitation]) -> list[Invitation]:
    """The invitations of active people: a suspended invitee is told nothing more of the
    training (no notice of a new date) and is not counted among those invited."""
    return [invitation for invitation in invitations if invitation.active]


def local_day_bounds(app: AppContext, day: date) -> tuple[datetime, datetime]:
    """The moments a local calendar day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=app.timezone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=app.timezone)


async def managed(turn: Turn, training_id: int | None) -> Training | None:
    """The training, if the person manages it (in their scope); None otherwise."""
    if training_id is None or not allowed(turn.user, "training.manage"):
        return None
    return await turn.repos.trainings.get(training_id, scope_of(turn.user))


def day_buttons(
    turn: Turn, days: list[TrainingDay], data: Callable[[TrainingDay], str]
) -> list[list[Button]]:
    """One button per day ("Hari 2 (09-12)"), each with its own data."""
    return [
        [
            Button(
                label=turn.t(
                    "training.day_button",
                    number=day.day_number,
                    date=turn.app.local_date(day.starts_at).strftime("%d-%m"),
                ),
                data=data(day),
            )
        ]
        for day in days
    ]


OLD_MESSAGE = "training_extra.old_message"


def manual_data(training: Training, day: TrainingDay) -> str:
    """The head of a day's hand-set status buttons: tm:<training id>:<day id>."""
    return f"{MANUAL_PREFIX}:{training.id}:{day.id}"


def outdated(turn: Turn) -> None:
    """A button of an old message (from before a change of the button format): out of date,
    start again from the training's page (/bimtek)."""
    turn.reply(turn.t(OLD_MESSAGE))


async def managed_day(
    turn: Turn, raw_training: str, raw_day: str
) -> tuple[Training, TrainingDay] | None:
    """The training of a day button, if the person manages it, and its day, if the day still
    belongs to it; otherwise the press is refused (audited) and None."""
    training = await managed(turn, small_number(raw_training))
    if training is None:
        await refuse(turn)
        return None
    day_id = small_number(raw_day)
    day = await turn.repos.trainings.day(day_id) if day_id else None
    if day is None or day.training_id != training.id:  # dropped by a reschedule
        await refuse(turn, OLD_MESSAGE)
        return None
    return training, day


async def refuse(turn: Turn, key: str = "errors.not_allowed") -> None:
    """A refused or forged training button: said politely, revealing nothing, and audited
    with the button's data (`training.refused`)."""
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id if turn.user else None,
        action="training.refused",
        detail={"data": (turn.event.data or "")[:64]},
    )
    turn.reply(turn.t(key))


async def audit(turn: Turn, training: Training, action: str, detail: dict) -> None:
    """An audit row about a training, by the person of the turn."""
    assert turn.user is not None
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id,
        action=action,
        subject=f"training:{training.id}",
        detail=detail,
    )
