"""Invitations from a file: the coordinator sends a CSV/XLSX of names and phone numbers as a
document. Numbers of people whose phone a channel verified are invited at once (through
deliver()); unknown numbers wait as pending invitations (attached when their owner arrives,
handlers/trainings/join.py) and are listed for the office to call; bad rows are reported
with their row number and why."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Any

from handlers.context import Turn
from handlers.events import InboundKind
from handlers.forms.runner import form_context, on_complete, start_form
from handlers.i18n import Markup
from handlers.temp_files import TEMP_FOLDER
from handlers.trainings.common import audit, managed
from handlers.trainings.people import area_of
from handlers.trainings.phone_lists import (
    MAX_ROWS,
    Invitee,
    RowProblem,
    UnreadableFile,
    parse_invitees,
    read_cells,
)
from handlers.trainings.rsvp import send_invitations
from storage.models import FormSession
from storage.trainings import Training

IMPORT_FORM = "training_import"
LISTED = 50


async def ask_for_file(turn: Turn, training: Training) -> None:
    """tp:<id>:if: wait for the document."""
    await start_form(turn, IMPORT_FORM, context={"training_id": training.id})


async def take_file(turn: Turn, session: FormSession) -> bool:
    """A document while the import waits for one: read it (True); anything else: False."""
    event = turn.event
    if session.form_id != IMPORT_FORM or event.kind != InboundKind.OTHER:
        return False
    if event.other_type != "document":
        return False
    await turn.repos.forms.save(session.id, state=session.state, status="completed", now=turn.now)
    training_id = int(form_context(session).get("training_id", 0))
    training = await managed(turn, training_id)
    if training is None or training.status != "scheduled":
        turn.reply(turn.t("training_extra.old_message"))
        return True
    name = event.file_name or "-"
    path = _local_copy(turn, event.file_ref)
    try:
        if path is None:
            raise UnreadableFile("not a CSV or XLSX we fetched")
        cells = await asyncio.to_thread(read_cells, path)
    except UnreadableFile:
        turn.reply(turn.t("training_extra.import_unreadable", name=name))
        await ask_for_file(turn, training)
        return True
    invitees, problems = parse_invitees(cells)
    if not invitees:
        turn.reply(turn.t("training_extra.import_empty") + _problem_lines(turn, problems))
        await ask_for_file(turn, training)
        return True
    await _invite(turn, training, name, len(invitees) + len(problems), invitees, problems)
    return True


def _local_copy(turn: Turn, ref: str | None) -> Path | None:
    """The file the inbox worker fetched (only ever under MEDIA_PATH/tmp)."""
    if not ref:
        return None
    folder = (turn.app.media_dir / TEMP_FOLDER).resolve()
    path = Path(ref).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


async def _invite(
    turn: Turn,
    training: Training,
    file_name: str,
    rows: int,
    invitees: list[Invitee],
    problems: list[RowProblem],
) -> None:
    assert turn.user is not None
    known = await turn.repos.training_invites.users_with_verified_phone(
        [person.phone for person in invitees], area_of(training)
    )
    already = {i.user_id for i in await turn.repos.trainings.invitations(training.id)}
    invited, repeated, pending, elsewhere = [], 0, [], 0
    for person in invitees:
        if person.phone in known and known[person.phone] is None:
            elsewhere += 1  # someone the training is not for: not invited, nor named here
            continue
        user_id = known.get(person.phone)
        if user_id is None:
            await turn.repos.training_invites.add_pending(
                training.id,
                person.phone,
                person.name or None,
                invited_by=turn.user.id,
                now=turn.now,
            )
            pending.append(person)
        elif user_id in already:
            repeated += 1
        else:
            already.add(user_id)
            invited.append(user_id)
    await turn.repos.trainings.invite(training.id, invited, turn.now)
    await send_invitations(turn, training, invited, "training.invitation_title")
    counts = {
        "invited": len(invited),
        "pending": len(pending),
        "outside_area": elsewhere,
        "problems": len(problems),
    }
    await audit(turn, training, "training.imported", {"rows": rows, **counts})
    text = turn.t(
        "training_extra.import_report",
        file=file_name,
        title=training.title,
        rows=rows,
        invited=len(invited),
        already=repeated,
        pending=len(pending),
    )
    if elsewhere:
        text += "\n" + turn.t("training_extra.import_outside_area", count=elsewhere)
    if pending:
        lines = [
            "• " + html.escape(f"{p.name or '-'} ({p.phone})", quote=False)
            for p in pending[:LISTED]
        ]
        text += "\n\n" + turn.t("training_extra.import_pending_title", count=len(pending))
        text += "\n" + "\n".join(lines) + _more(turn, len(pending))
    turn.reply(text + _problem_lines(turn, problems))


def _problem_lines(turn: Turn, problems: list[RowProblem]) -> str:
    if not problems:
        return ""
    lines = [
        turn.t(
            "training_extra.import_problem_line",
            row=problem.row,
            reason=Markup(
                turn.t(
                    f"training_extra.import_reasons.{problem.reason}",
                    value=problem.value,
                    first=problem.first,
                    limit=MAX_ROWS,
                )
            ),
        )
        for problem in problems[:LISTED]
    ]
    head = turn.t("training_extra.import_problems_title", count=len(problems))
    return "\n\n" + head + "\n" + "\n".join(lines) + _more(turn, len(problems))


def _more(turn: Turn, count: int) -> str:
    return (
        "\n" + turn.t("training_extra.import_more", count=count - LISTED) if count > LISTED else ""
    )


@on_complete(IMPORT_FORM)
async def _typed_instead(turn: Turn, session: FormSession, answers: dict[str, Any]) -> None:
    """Text is not a file: say so and wait for the document again."""
    training_id = int(form_context(session).get("training_id", 0))
    training = await managed(turn, training_id)
    if training is None:
        turn.reply(turn.t("training_extra.old_message"))
        return
    turn.reply(turn.t("training_extra.import_not_a_file"))
    await ask_for_file(turn, training)
