"""/ekspor: a coordinator's case data as an Excel file, chosen with buttons.

Period (7/30/365 days or all), then optionally a kecamatan, a category and a state; every
tap carries the dialogue and the choices so far in its button data
(`ex:<dialogue>:<act>:<period>:<kec>:<cat>:<state>`, 64 bytes at most). The dialogue is its
start, in seconds since 2000 in base 36: its buttons are refused after DIALOGUE_TTL, and it
makes one file at most. The tap that makes it claims the run key `chat_export`
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

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from handlers.context import AppContext, BackgroundJob, Turn
from handlers.events import Button, Outbound, button_fields
from handlers.export_sheet import write_workbook
from handlers.forms.option_labels import category_labels, category_names, shown
from handlers.permissions import allowed
from handlers.region_pickers import RegionPicker, expect_name, hint
from handlers.scope import scope_of
from handlers.statistics import period_start
from handlers.temp_files import temp_path
from storage.exports import ExportRow
from storage.models import CaseState
from storage.repos import Repos
from storage.scope import Scope
from storage.stats import CaseCounts

EXPORT_PREFIX = "ex"
CHAT_EXPORT_MAX_ROWS = 5000
PERIODS = ("7", "30", "365", "a")  # days, or all
ALL = "*"  # the person chose "all" for this filter
UNSET = "-"  # not asked yet
STATES = tuple(state.value for state in CaseState if state != CaseState.DRAFT)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DIALOGUE_TTL = timedelta(days=1)  # a dialogue's buttons are refused after this
RUN_KIND = "chat_export"  # scheduled_runs: a dialogue's file made (handlers/run_keys.py)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DIALOGUE = re.compile(r"[0-9a-z]{1,6}")


@dataclass(frozen=True)
class Choice:
    """The dialogue and the filters chosen so far (UNSET: not asked yet; ALL: no filter)."""

    dialogue: str  # its start (`dialogue_of`)
    period: str
    kecamatan: str = UNSET  # the last segment of the kecamatan code, e.g. "01"
    category: str = UNSET
    state: str = UNSET

    def data(self, act: str = "n") -> str:
        fields = (self.dialogue, act, self.period, self.kecamatan, self.category, self.state)
        return ":".join((EXPORT_PREFIX, *fields))

    @property
    def complete(self) -> bool:
        return UNSET not in (self.kecamatan, self.category, self.state)


def dialogue_of(moment: datetime) -> str:
    """A dialogue started at `moment`: its seconds since EPOCH in base 36 (6 characters
    until November 2068)."""
    seconds, digits = int((moment - EPOCH).total_seconds()), ""
    while True:
        seconds, digit = divmod(seconds, 36)
        digits = _BASE36[digit] + digits
        if not seconds:
            return digits


def _started(dialogue: str) -> datetime | None:
    if not _DIALOGUE.fullmatch(dialogue):
        return None
    return EPOCH + timedelta(seconds=int(dialogue, 36))


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
    choice, act = await _parse(turn, data)
    if choice is None:
        turn.reply(turn.t("errors.old_button"))
        return
    building = act == "b" or choice.complete
    if await _already_made(turn, choice, claim=building):
        return
    if building:
        _build(turn, choice)
    elif choice.kecamatan == UNSET:
        await _ask_kecamatan(turn, choice)
    elif choice.category == UNSET:
        _ask_category(turn, choice)
    else:
        await _ask_state(turn, choice)


async def _parse(turn: Turn, data: str) -> tuple[Choice | None, str]:
    """The choice a tap carries; None for foreign data or a dialogue past DIALOGUE_TTL."""
    prefix, dialogue, act, period, kecamatan, category, state, *rest = button_fields(data, 8)
    started = _started(dialogue)
    valid = (
        prefix == EXPORT_PREFIX
        and not any(rest)
        and started is not None
        and turn.now - started <= DIALOGUE_TTL
        and act in ("n", "b")
        and period in PERIODS
        and (kecamatan in (UNSET, ALL) or await _kecamatan_code(turn, kecamatan) is not None)
        and (category in (UNSET, ALL) or category in category_names(turn.app.forms, "id"))
        and (state in (UNSET, ALL) or state in STATES)
    )
    return (Choice(dialogue, period, kecamatan, category, state) if valid else None), act


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
    return turn.app.local_time(moment).strftime("%d-%m-%Y %H.%M %Z")


async def _kecamatan_code(turn: Turn, segment: str, repos: Repos | None = None) -> str | None:
    """The full code of a kecamatan of the person's kabupaten, from its last segment."""
    kabupaten = scope_of(turn.user).kabupaten_code
    if not (segment.isdigit() and len(segment) == 2 and kabupaten):
        return None
    region = await (repos or turn.repos).regions.get(f"{kabupaten}.{segment}")
    return region.code if region and region.parent_code == kabupaten else None


def _since(turn: Turn, choice: Choice) -> datetime | None:
    if choice.period == "a":
        return None
    return period_start(turn.app, turn.now, int(choice.period))[0]


async def _filters_text(turn: Turn, choice: Choice, repos: Repos | None = None) -> str:
    parts = [
        turn.t("export.filter_all_time")
        if choice.period == "a"
        else turn.t("export.filter_days", days=choice.period)
    ]
    if choice.kecamatan not in (UNSET, ALL):
        repos = repos or turn.repos
        code = await _kecamatan_code(turn, choice.kecamatan, repos)
        name = await repos.regions.name_of(code) if code else "-"
        parts.append(turn.t("export.filter_kecamatan", name=name))
    if choice.category not in (UNSET, ALL):
        names = category_names(turn.app.forms, turn.language)
        parts.append(shown(names, choice.category))
    if choice.state not in (UNSET, ALL):
        parts.append(turn.t(f"case_states.{choice.state}"))
    return " · ".join(parts)


def _rows_of(buttons: list[Button], first: list[Button]) -> list[list[Button]]:
    rows = [first]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return rows


async def _ask_kecamatan(turn: Turn, choice: Choice) -> None:
    """Only the kecamatan that have cases in the period are offered, with their counts
    (counted in the background: all time is every case of the kabupaten); any kecamatan of
    the kabupaten may be typed instead (handlers/region_pickers.py)."""
    turn.later(
        BackgroundJob(lambda repos: _kecamatan_question(turn, choice, repos)), announce=False
    )
    kabupaten = scope_of(turn.user).kabupaten_code
    assert kabupaten is not None  # `_may_export`
    tap = replace(choice, kecamatan="{segment}").data()
    await expect_name(turn, RegionPicker("kecamatan", kabupaten, tap, choice.data()))


async def _kecamatan_question(turn: Turn, choice: Choice, repos: Repos) -> list[Outbound]:
    counts = await _counts(turn, choice, repos, scope_of(turn.user))
    if counts.total == 0:
        return [
            Outbound.say(turn.t("export.none", filters=await _filters_text(turn, choice, repos)))
        ]
    buttons = [
        Button(
            label=f"{k.name} ({k.count})",
            data=replace(choice, kecamatan=k.code.rsplit(".", 1)[-1]).data(),
        )
        for k in sorted(counts.by_kecamatan, key=lambda k: k.name)
    ]
    first = [
        Button(label=turn.t("export.all_kecamatan"), data=replace(choice, kecamatan=ALL).data()),
        Button(label=turn.t("export.build_now"), data=choice.data("b")),
    ]
    text = turn.t("export.choose_kecamatan", filters=await _filters_text(turn, choice, repos))
    text += "\n" + hint(turn, "kecamatan")
    return [Outbound.say(text, _rows_of(buttons, first))]


async def _counts(turn: Turn, choice: Choice, repos: Repos, scope: Scope) -> CaseCounts:
    """The period's counts; all time from the rollup when it covers the scope."""
    since = _since(turn, choice)
    counts = await repos.stats.all_time(scope) if since is None else None
    return counts or await repos.stats.counts(scope, since=since or EPOCH, until=turn.now)


def _ask_category(turn: Turn, choice: Choice) -> None:
    turn.later(BackgroundJob(lambda repos: _category_question(turn, choice, repos)), announce=False)


async def _category_question(turn: Turn, choice: Choice, repos: Repos) -> list[Outbound]:
    scope = scope_of(turn.user)
    code = await _kecamatan_code(turn, choice.kecamatan, repos)
    if code is not None:
        scope = replace(scope, kabupaten_code=None, kecamatan_code=code)  # inside theirs
    counts = await _counts(turn, choice, repos, scope)
    labels = category_labels(turn.app.forms, turn.language)  # buttons: the short ones
    buttons = [
        Button(
            label=f"{labels[category]} ({count})",
            data=replace(choice, category=category).data(),
        )
        for category, count in counts.by_category.items()
        if category in labels  # a code the form no longer has cannot be asked for
    ]
    first = [
        Button(label=turn.t("export.all_categories"), data=replace(choice, category=ALL).data()),
        Button(label=turn.t("export.build_now"), data=choice.data("b")),
    ]
    text = turn.t("export.choose_category", filters=await _filters_text(turn, choice, repos))
    return [Outbound.say(text, _rows_of(buttons, first))]


async def _ask_state(turn: Turn, choice: Choice) -> None:
    buttons = [
        Button(label=turn.t(f"case_states.{state}"), data=replace(choice, state=state).data())
        for state in STATES
    ]
    first = [Button(label=turn.t("export.all_states"), data=replace(choice, state=ALL).data())]
    first.append(Button(label=turn.t("export.build_now"), data=choice.data("b")))
    text = turn.t("export.choose_state", filters=await _filters_text(turn, choice))
    turn.reply(Outbound.say(text, _rows_of(buttons, first)))


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
    filters = await _filters_text(turn, choice, repos)
    kecamatan = await _kecamatan_code(turn, choice.kecamatan, repos)
    category = choice.category if choice.category not in (UNSET, ALL) else None
    state = choice.state if choice.state not in (UNSET, ALL) else None
    since = _since(turn, choice)
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
    made = turn.now.astimezone(turn.app.timezone)
    info = [
        (turn.t("export.info_made"), made.strftime("%d-%m-%Y %H:%M %Z")),
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
