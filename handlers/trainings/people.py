"""From a training's page: invite hand-picked people, or add a walk-in to a day's daftar hadir.

Both look a name up among the active people of the training's area (its kecamatan, else its
kabupaten; the query takes that scope). A walk-in is invited and set `hadir` by hand for the
day; someone without a phone is registered by name only (a `calon` with no channel).

Button data (see handlers/trainings/common.py for the others, and why a day's buttons name
its training too):
  ti:i:<training id>:<user id>                 invite this person
  ti:d:<training id>:<day id>                  walk-in: the day chosen, now the name
  ti:w:<training id>:<day id>:<user id>        walk-in: this person
  ti:n:<training id>:<day id>:<session id>     walk-in: register the name typed in that session
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.trainings import links
from handlers.trainings.common import (
    PAGE_PREFIX,
    audit,
    day_buttons,
    day_has_begun,
    managed,
    managed_day,
    manual_data,
    outdated,
    refuse,
    spoken_date,
)
from handlers.trainings.rsvp import send_invitations
from storage.models import FormSession, User
from storage.scope import Scope
from storage.trainings import Training, TrainingDay

PEOPLE_PREFIX = "ti"
PERSON_FORM = "training_person"
MATCHES = 8


def area_of(training: Training) -> Scope:
    """The people a training is for: its kecamatan (a TKSK's), else its kabupaten."""
    if training.kecamatan_code:
        return Scope(kecamatan_code=training.kecamatan_code)
    return Scope(kabupaten_code=training.kabupaten_code)


async def invite_menu(turn: Turn, training: Training) -> None:
    """tp:<id>:i: by name, from a file, or with the invitation's links and QR codes."""
    rows = [
        [
            Button(
                label=turn.t("training_extra.invite_by_name"),
                data=f"{PAGE_PREFIX}:{training.id}:in",
            ),
            Button(
                label=turn.t("training_extra.invite_by_file"),
                data=f"{PAGE_PREFIX}:{training.id}:if",
            ),
        ],
        # Also on the training's page, unless the declines' button needs its room there.
        [
            Button(
                label=turn.t("training_extra.button_links"),
                data=f"{PAGE_PREFIX}:{training.id}:{links.ACTION}",
            )
        ],
        [Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}")],
    ]
    turn.reply(Outbound.say(turn.t("training_extra.invite_how", title=training.title), rows))


async def ask_name_to_invite(turn: Turn, training: Training) -> None:
    """tp:<id>:in."""
    await _ask_name(turn, {"training_id": training.id, "purpose": "invite"})


async def walk_in(turn: Turn, training: Training) -> None:
    """tp:<id>:w: which day (when there are several), then the name; only days whose date
    has come (a walk-in is marked hadir: nobody is present at a day still to come)."""
    days = [
        day
        for day in await turn.repos.trainings.days(training.id)
        if day_has_begun(turn.app, day, turn.now)
    ]
    if not days:
        _not_yet(turn, training, None)
        return
    if len(days) == 1:
        await _ask_name(
            turn, {"training_id": training.id, "purpose": "walk_in", "day_id": days[0].id}
        )
        return
    rows = day_buttons(turn, days, lambda day: f"{PEOPLE_PREFIX}:d:{training.id}:{day.id}")
    turn.reply(Outbound.say(turn.t("training_extra.walk_in_which_day"), rows))


async def _ask_name(turn: Turn, context: dict[str, Any], prefix: str = "") -> None:
    await start_form(turn, PERSON_FORM, prefix, context=context)


@on_complete(PERSON_FORM)
async def _name_given(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """The people of the area with that name, one button each."""
    context = form_context(session)
    training = await managed(turn, int(context.get("training_id", 0)))
    if training is None:
        turn.reply(turn.t("errors.not_allowed"))
        return
    name = " ".join(answers["name"].split())
    people = await turn.repos.training_invites.people_named(area_of(training), name, limit=MATCHES)
    day_id = context.get("day_id")
    rows: list[list[Button]] = []
    if context.get("purpose") == "walk_in" and day_id:
        day = await turn.repos.trainings.day(int(day_id))
        if day is None or day.training_id != training.id:  # dropped by a reschedule since
            outdated(turn)
            return
        day_of = f"{training.id}:{day.id}"
        rows = [
            [Button(label=_label(p), data=f"{PEOPLE_PREFIX}:w:{day_of}:{p.id}")] for p in people
        ]
        rows.append(
            [
                Button(
                    label=turn.t("training_extra.walk_in_new", name=name[:40]),
                    data=f"{PEOPLE_PREFIX}:n:{day_of}:{session.id}",
                )
            ]
        )
        again = f"{PAGE_PREFIX}:{training.id}:w"
        text = turn.t("training_extra.person_pick_walk_in", number=day.day_number, name=name)
    else:
        rows = [
            [Button(label=_label(p), data=f"{PEOPLE_PREFIX}:i:{training.id}:{p.id}")]
            for p in people
        ]
        again = f"{PAGE_PREFIX}:{training.id}:in"
        key = "person_pick_invite" if people else "person_none"
        text = turn.t(f"training_extra.{key}", name=name)
    rows.append(
        [
            Button(label=turn.t("training_extra.search_again"), data=again),
            Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}"),
        ]
    )
    turn.reply(Outbound.say(text, rows))


def _not_yet(turn: Turn, training: Training, day: TrainingDay | None) -> None:
    """A walk-in for a day still to come: said why, with the way to invite someone now."""
    if day is None:
        text = turn.t("training_extra.walk_in_no_day_yet")
    else:
        date = spoken_date(turn.app.local_date(day.starts_at), turn.language)
        text = turn.t("training_extra.walk_in_not_yet", number=day.day_number, date=date)
    rows = [
        [
            Button(
                label=turn.t("training_extra.button_invite"), data=f"{PAGE_PREFIX}:{training.id}:i"
            ),
            Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}"),
        ]
    ]
    turn.reply(Outbound.say(text, rows))


def _label(person: User) -> str:
    role = person.role.value.upper() if person.role else ""
    return f"{person.full_name} · {role}"[:60]


async def people_button(turn: Turn, data: str) -> None:
    """ti:..."""
    _, action, raw_first, raw_second, raw_third = button_fields(data, 5)
    first, second = small_number(raw_first), small_number(raw_second)
    if action == "i" and first and second:
        training = await managed(turn, first)
        if training is not None and training.status == "scheduled":
            await _invite_one(turn, training, second)
            return
    elif action in ("d", "w", "n"):
        if not (raw_third if action in ("w", "n") else raw_second):
            outdated(turn)  # a day id alone: a button of an old message
            return
        found = await managed_day(turn, raw_first, raw_second)
        if found is None:
            return
        training, day = found
        if training.status != "cancelled":
            if action == "d":
                if not day_has_begun(turn.app, day, turn.now):
                    _not_yet(turn, training, day)
                    return
                context = {"training_id": training.id, "purpose": "walk_in", "day_id": day.id}
                await _ask_name(turn, context)
                return
            third = small_number(raw_third)
            if third:
                await _walk_in(turn, training, day, action, third)
                return
    await refuse(turn)


async def _in_area(turn: Turn, training: Training, user_id: int) -> User | None:
    """The person, if active and of the training's area (so a button cannot reach further)."""
    return await turn.repos.training_invites.person_in(area_of(training), user_id)


async def _invite_one(turn: Turn, training: Training, user_id: int) -> None:
    assert turn.user is not None
    person = await _in_area(turn, training, user_id)
    if person is None:
        await refuse(turn)
        return
    if await turn.repos.trainings.invitation(training.id, person.id) is not None:
        turn.reply(turn.t("training_extra.invited_already", name=person.full_name))
        return
    await turn.repos.trainings.invite(training.id, [person.id], turn.now)
    await send_invitations(turn, training, [person.id], "training.invitation_title")
    await audit(turn, training, "training.invited", {"user": person.id})
    invitation = await turn.repos.trainings.invitation(training.id, person.id)
    key = "invited_one" if invitation and invitation.reachable else "invited_one_unreachable"
    turn.toast = person.full_name[:60]
    turn.reply(turn.t(f"training_extra.{key}", name=person.full_name))


async def _walk_in(
    turn: Turn, training: Training, day: TrainingDay, action: str, number: int
) -> None:
    """Invite (if need be) and mark hadir for the day, by hand."""
    assert turn.user is not None
    if action == "n":
        session = await turn.repos.forms.get(number)
        if session is None or session.user_id != turn.user.id or session.form_id != PERSON_FORM:
            turn.reply(turn.t("errors.old_button"))
            return
        if not day_has_begun(turn.app, day, turn.now):  # before anyone new is registered
            _not_yet(turn, training, day)
            return
        user_id = session.state.get("walk_in_user")  # a second tap registers nobody new
        if not user_id:
            name = " ".join(str(session.state.get("answers", {}).get("name", "")).split())
            if not name:  # the session's transcript was cleared (24 h): ask again
                context = {"training_id": training.id, "purpose": "walk_in", "day_id": day.id}
                await _ask_name(turn, context, turn.t("training_extra.walk_in_name_lost") + "\n\n")
                return
            user_id = await turn.repos.training_invites.add_walk_in(
                name,
                kabupaten_code=training.kabupaten_code,
                kecamatan_code=training.kecamatan_code,
                now=turn.now,
            )
            state = {**session.state, "walk_in_user": user_id}
            await turn.repos.forms.save(
                session.id, state=state, status=session.status, now=turn.now
            )
        person = await turn.repos.users.get(int(user_id))
    else:
        person = await _in_area(turn, training, number)
    if person is None:
        await refuse(turn)
        return
    if not day_has_begun(turn.app, day, turn.now):
        _not_yet(turn, training, day)
        return
    await turn.repos.trainings.invite(training.id, [person.id], turn.now)
    await turn.repos.trainings.set_status_by_hand(
        day.id, person.id, status="hadir", recorded_by=turn.user.id, now=turn.now
    )
    detail = {"day": day.day_number, "user": person.id, "new": action == "n"}
    await audit(turn, training, "training.walk_in", detail)
    rows = [
        [
            Button(
                label=turn.t("training_extra.walk_in_other_status"),
                data=f"{manual_data(training, day)}:u{person.id}",
            ),
            Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}"),
        ]
    ]
    text = turn.t("training_extra.walk_in_done", name=person.full_name, number=day.day_number)
    turn.reply(Outbound.say(text, rows))
