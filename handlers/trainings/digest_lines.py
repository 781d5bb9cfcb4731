"""The coordinator's daily digest on the district's trainings (Bimtek) of today and tomorrow:
one line each (title, place, start time, how many will come of how many invited), so the
morning's read says a training runs today, or tomorrow, in the coordinator's kabupaten.

Who has checked in is not known at digest time (check-in opens later, on the venue), so
the day itself shows the answers too: "akan hadir" counted as the page counts it (someone
present on an earlier day has come: `common.answer_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import AppContext
from handlers.trainings.common import (
    answer_of,
    clock_time,
    local_day_bounds,
    present_people,
    still_invited,
    training_names,
)
from storage.repos import Repos
from storage.trainings import Training, TrainingDay


@dataclass(frozen=True)
class TrainingSoon:
    """A training with a day today or tomorrow, its answers counted at digest time."""

    training: Training
    day: TrainingDay  # its first day of today and tomorrow
    today: bool
    confirmed: int
    invited: int


async def trainings_soon(
    repos: Repos, app: AppContext, kabupaten_code: str, now: datetime
) -> list[TrainingSoon]:
    """The kabupaten's scheduled trainings with a day starting today or tomorrow (local),
    the soonest first; one each, by its first such day."""
    today = app.local_date(now)
    start = local_day_bounds(app, today)[0]
    end = local_day_bounds(app, today + timedelta(days=1))[1]
    found: dict[int, TrainingSoon] = {}
    soon = await repos.trainings.days_starting(start=start, end=end, kabupaten_code=kabupaten_code)
    for training, day in soon:
        if training.id in found:
            continue
        invitations = still_invited(await repos.trainings.invitations(training.id))
        present = await present_people(repos, await repos.trainings.days(training.id))
        found[training.id] = TrainingSoon(
            training=training,
            day=day,
            today=app.local_date(day.starts_at) == today,
            confirmed=sum(answer_of(i, present) == "akan_hadir" for i in invitations),
            invited=len(invitations),
        )
    return list(found.values())


def digest_lines(app: AppContext, language: str, soon: list[TrainingSoon]) -> list[str]:
    """One line per training, in the reader's language."""
    return [
        app.catalog.text(
            language,
            "digest.training_today" if item.today else "digest.training_tomorrow",
            **training_names(app, language, item.training.title),
            venue=item.training.venue_name,  # the catalogue escapes it
            time=clock_time(app, item.day.starts_at),
            confirmed=item.confirmed,
            invited=item.invited,
        )
        for item in soon
    ]
