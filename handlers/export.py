"""/ekspor: a coordinator's case data as an Excel file, chosen with buttons.

Period (7/30/365 days or all), then optionally a kecamatan, a category and a state
(handlers/export_questions.py); every tap carries the dialogue and the choices so far in its
button data (handlers/export_choice.py): a dialogue's buttons are refused after DIALOGUE_TTL,
and it makes one file at most. The tap that makes it claims the run key `chat_export`
`{person}:{dialogue}` in the turn's own transaction, so any later tap of that dialogue's
buttons (a double tap on a slow connection, handled a moment later in another transaction,
or an old message's button) is told when the file was made and that /ekspor starts a new
one. The file is masked (NIK/KK as `320801******0001`, text cells),
newest case first, capped at CHAT_EXPORT_MAX_ROWS rows (whole cases; the message says when
the list was cut), written under MEDIA_PATH/tmp off the event loop, sent as a document, and
every export is in the audit log with its filters and row count.
A full or unmasked export exists only on the server (`psm-bot export`).

The file leaves the chat after EXPORT_MESSAGE_TTL_HOURS (handlers/export_expiry.py), and the
coordinator is told when. A channel that cannot delete what it sent by then (its
`ChannelTraits.deletes_sent_within`) gets no file: the coordinator is pointed to another
channel or the server export instead.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from handlers.context import AppContext, Turn
from handlers.date_formats import date_time, zoned_date_time
from handlers.events import Button, Outbound
from handlers.export_choice import (
    ALL,
    PERIODS,
    UNSET,
    Choice,
    dialogue_of,
    filters_text,
    kecamatan_code,
    parse_choice,
    since_of,
)
from handlers.export_questions import ask_category, ask_kecamatan, ask_state
from handlers.export_sheet import write_workbook
from handlers.permissions import allowed
from handlers.scope import scope_of
from handlers.temp_files import temp_path
from storage.exports import ExportRow
from storage.repos import Repos

CHAT_EXPORT_MAX_ROWS = 5000
RUN_KIND = "chat_export"  # scheduled_runs: a dialogue's file made (handlers/run_keys.py)


async def start_export(turn: Turn) -> None:
    """/ekspor: choose the period."""
    if not _may_export(turn):
        turn.reply(turn.t("errors.not_allowed"))
        return
    if not _file_can_leave(turn):
        return
    labels = [turn.t("export.period_days", days=days) for days in PERIODS[:-1]]
    labels.append(turn.t("export.period_all"))
    dialogue = dialogue_of(turn.now)
    buttons = [
        Button(label=label, data=Choice(dialogue, period).data())
        for label, period in zip(labels, PERIODS, strict=True)
    ]
    turn.reply(Outbound.say(turn.t("export.choose_period"), [buttons[:2], buttons[2:]]))


def _may_export(turn: Turn) -> bool:
    return allowed(turn.user, "case.export") and scope_of(turn.user).kabupaten_code is not None


def served_here(turn: Turn) -> bool:
    """Whether /ekspor's file may be sent on the turn's channel (`served_on`)."""
    return served_on(turn.app, turn.event.channel)


def served_on(app: AppContext, channel: str) -> bool:
    """Whether /ekspor's file may be sent on a channel: a file with personal data goes only
    where the bot can delete it later (not WhatsApp). The help says so too."""
    return app.traits(channel).can_delete_after(app.export_message_ttl)


def _file_can_leave(turn: Turn) -> bool:
    """A file with personal data goes only where the bot can delete it later; elsewhere
    the coordinator is pointed to another channel or the server export."""
    if served_here(turn):
        return True
    turn.reply(turn.t("audit.export.not_here"))
    return False


async def export_button(turn: Turn, data: str) -> None:
    """A tap in the export dialogue: ask the next question, or make the file."""
    if not _may_export(turn):
        turn.reply(turn.t("errors.not_allowed"))
        return
    if not _file_can_leave(turn):
        return
    choice, act = await parse_choice(turn, data)
    if choice is None:
        turn.reply(turn.t("errors.old_button"))
        return
    building = act == "b" or choice.complete
    if await _already_made(turn, choice, claim=building):
        return
    if building:
        _build(turn, choice)
    elif choice.kecamatan == UNSET:
        await ask_kecamatan(turn, choice)
    elif choice.category == UNSET:
        ask_category(turn, choice)
    else:
        await ask_state(turn, choice)


async def _already_made(turn: Turn, choice: Choice, *, claim: bool) -> bool:
    """Whether the dialogue has made its file (the person is told when); `claim`: this tap
    makes it, unless an earlier one did. Claimed in the turn's transaction, so of two taps
    only the first makes a file, however close together they come."""
    assert turn.user is not None
    key = f"{turn.user.id}:{choice.dialogue}"
    if claim and await turn.repos.schedule.claim(RUN_KIND, key, now=turn.now):
        return False
    made = await turn.repos.schedule.ran_at(RUN_KIND, key)
    if made is None:
        return False
    turn.reply(turn.t("export.already_made", at=_local_stamp(turn, made)))
    return True


def _local_stamp(turn: Turn, moment: datetime) -> str:
    """A moment as the export's messages show it: 02-12-2026 14.00 WIB."""
    return f"{date_time(turn.app, moment, turn.language)} {turn.app.local_time(moment):%Z}"


def _build(turn: Turn, choice: Choice) -> None:
    """Write the workbook (masked, capped), audit it, send it: in the background."""
    assert turn.user is not None
    audit: dict[str, Any] = {}
    turn.later_audited(
        lambda repos: _workbook(turn, choice, repos, audit),
        action="case.export",
        subject=f"kabupaten:{scope_of(turn.user).kabupaten_code}",
        detail=audit,
    )


def _whole_cases(rows: list[ExportRow], cap: int) -> list[ExportRow]:
    """The first `cap` rows without the case they would cut in two (a case's rows come
    together), unless that case is all there is."""
    if len(rows) <= cap:
        return rows
    cut = rows[cap].case_id
    return [row for row in rows[:cap] if row.case_id != cut] or rows[:cap]


async def _workbook(
    turn: Turn, choice: Choice, repos: Repos, audit: dict[str, Any]
) -> list[Outbound]:
    """The workbook from the read-only connection; fills in `audit` for `record`."""
    assert turn.user is not None
    filters = await filters_text(turn, choice, repos)
    kecamatan = await kecamatan_code(turn, choice.kecamatan, repos)
    category = choice.category if choice.category not in (UNSET, ALL) else None
    state = choice.state if choice.state not in (UNSET, ALL) else None
    since = since_of(turn, choice)
    path = temp_path(turn.app.media_dir, "ekspor-kasus", ".xlsx", turn.now)
    chunks = repos.exports.rows(
        scope_of(turn.user),
        since=since,
        kecamatan_code=kecamatan,
        category=category,
        state=state,
        limit=CHAT_EXPORT_MAX_ROWS + 1,
        newest_first=True,
    )
    found = [row async for chunk in chunks for row in chunk]  # at most the cap + 1
    truncated = len(found) > CHAT_EXPORT_MAX_ROWS
    kept = _whole_cases(found, CHAT_EXPORT_MAX_ROWS)
    rows = len(kept)
    info = [
        (turn.t("export.info_made"), zoned_date_time(turn.app, turn.now, turn.language)),
        (turn.t("export.info_by"), turn.user.full_name),
        (turn.t("export.info_filters"), filters),
        (turn.t("export.info_rows"), str(rows)),
        (turn.t("export.info_identifiers"), turn.t("export.masked")),
    ]
    if truncated:
        note = turn.t("export.truncated", rows=rows, limit=CHAT_EXPORT_MAX_ROWS)
        info.append((turn.t("export.info_truncated"), note))
    if rows:
        await turn.app.render(
            partial(
                write_workbook,
                catalog=turn.app.catalog,
                language=turn.language,
                timezone=turn.app.timezone,
                form=turn.app.forms["case_report"],
            ),
            path,
            kept,
            info,
        )
    audit.update(
        {
            "via": "chat",
            "masked": True,
            "period": choice.period,
            "since": since.isoformat() if since else None,
            "kecamatan": kecamatan,
            "category": category,
            "state": state,
            "rows": rows,
            "truncated": truncated,
            "limit": CHAT_EXPORT_MAX_ROWS,
        }
    )
    if rows == 0:
        return [Outbound.say(turn.t("export.none", filters=filters))]
    caption = turn.t("export.caption", filters=filters, rows=rows)
    if truncated:
        caption += "\n" + turn.t("export.truncated", rows=rows, limit=CHAT_EXPORT_MAX_ROWS)
    ttl = turn.app.export_message_ttl
    leaves = _local_stamp(turn, turn.now + ttl)
    hours = int(ttl.total_seconds() // 3600)
    caption += "\n\n" + turn.t("audit.export.disappears", at=leaves, hours=hours)
    return [
        Outbound(
            type="document",
            file_path=str(path),
            text=caption,
            delete_after=int(ttl.total_seconds()),
        )
    ]
