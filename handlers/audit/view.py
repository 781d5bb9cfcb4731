"""/audit for admins: choose a period, a kind of action and an actor with buttons, or type
`/audit KNG-2026-000123` for everything about one case; pages of entries, newest first.

Every tap carries the whole filter (`au:<period>:<kind>:<actor>:<case>:<page>`, well under
64 bytes) and is re-checked against the presser's role.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from handlers.audit.entries import line, record, who
from handlers.audit.kinds import KINDS
from handlers.context import Turn
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.paging import page_buttons, page_count
from handlers.permissions import allowed
from handlers.statistics import period_start

AUDIT_PREFIX = "au"
PERIODS = ("1", "7", "30")
ALL_TIME = "a"  # one case's whole history
UNSET, ALL = "-", "*"
PAGE = 10
ACTORS_OFFERED = 8


@dataclass(frozen=True)
class Filter:
    """What the admin chose so far (UNSET: not asked yet; ALL: no filter)."""

    period: str = UNSET
    kind: str = UNSET
    actor: str = UNSET  # a user id, "0" for the system, ALL
    case: str = UNSET  # a case id
    page: int = 0

    def data(self, **changes: object) -> str:
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        fields = (chosen.period, chosen.kind, chosen.actor, chosen.case, str(chosen.page))
        return ":".join((AUDIT_PREFIX, *fields))


def _parse(data: str) -> Filter | None:
    prefix, period, kind, actor, case, page, *rest = button_fields(data, 7)
    number = small_number(page)
    valid = (
        prefix == AUDIT_PREFIX
        and not any(rest)
        and period in (UNSET, ALL_TIME, *PERIODS)
        and kind in (UNSET, ALL, *KINDS)
        and (actor in (UNSET, ALL) or small_number(actor) is not None)
        and (case == UNSET or small_number(case) is not None)
        and number is not None
    )
    return Filter(period, kind, actor, case, number) if valid and number is not None else None


async def show_audit(turn: Turn) -> None:
    """/audit, or /audit <case number>."""
    if not allowed(turn.user, "audit.view"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    query = turn.event.command_args.strip().upper()
    if not query:
        _ask_period(turn)
        return
    case_id = await turn.repos.exports.case_id(query)
    if case_id is None:  # deleted since (retention, erasure): its entries stay
        case_id = await turn.repos.audit.case_of_number(query)
    if case_id is None:
        turn.reply(turn.t("audit.case_not_found", number=query[:30]) + "\n" + turn.t("audit.usage"))
        return
    await _show_entries(turn, Filter(ALL_TIME, ALL, ALL, str(case_id)))


async def audit_button(turn: Turn, data: str) -> None:
    """A tap in the /audit dialogue: the next question, or a page of entries."""
    if not allowed(turn.user, "audit.view"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    chosen = _parse(data)
    if chosen is None:
        turn.reply(turn.t("errors.old_button"))
    elif chosen.period == UNSET:
        _ask_period(turn)
    elif chosen.kind == UNSET:
        await _ask_kind(turn, chosen)
    elif chosen.actor == UNSET:
        await _ask_actor(turn, chosen)
    else:
        await _show_entries(turn, chosen)


def _since(turn: Turn, chosen: Filter) -> datetime | None:
    if chosen.period not in PERIODS:
        return None
    return period_start(turn.app, turn.now, int(chosen.period))[0]


def _actions(chosen: Filter) -> tuple[str, ...]:
    return KINDS.get(chosen.kind, ())


def _actor_id(chosen: Filter) -> int | None:
    return small_number(chosen.actor) if chosen.actor not in (UNSET, ALL) else None


async def _filters_text(turn: Turn, chosen: Filter) -> str:
    parts = []
    if chosen.period != UNSET:
        parts.append(turn.t(f"audit.period.{chosen.period}"))
    if chosen.kind not in (UNSET, ALL):
        parts.append(turn.t(f"audit.kind.{chosen.kind}"))
    actor = _actor_id(chosen)
    if actor is not None:
        parts.append(await who(turn, actor or None, role=False))
    if chosen.case != UNSET:
        parts.append(await record(turn, f"case:{chosen.case}"))
    return " · ".join(parts)


def _ask_period(turn: Turn) -> None:
    start = Filter()
    buttons = [
        Button(label=turn.t(f"audit.period.{period}"), data=start.data(period=period))
        for period in PERIODS
    ]
    turn.reply(Outbound.say(turn.t("audit.choose_period"), [buttons]))


def _pairs(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _ask_kind(turn: Turn, chosen: Filter) -> None:
    buttons = [Button(label=turn.t("audit.kind.all"), data=chosen.data(kind=ALL))]
    buttons += [Button(label=turn.t(f"audit.kind.{k}"), data=chosen.data(kind=k)) for k in KINDS]
    text = turn.t("audit.choose_kind", filters=await _filters_text(turn, chosen))
    turn.reply(Outbound.say(text, _pairs(buttons)))


async def _ask_actor(turn: Turn, chosen: Filter) -> None:
    """Everyone, or one of the people with the most entries under this filter."""
    busiest = await turn.repos.audit.actors(
        since=_since(turn, chosen), actions=_actions(chosen), limit=ACTORS_OFFERED
    )
    buttons = [Button(label=turn.t("audit.actor_all"), data=chosen.data(actor=ALL))]
    for actor_id, count in busiest:
        name = await who(turn, actor_id, role=False)
        buttons.append(
            Button(label=f"{name} ({count})", data=chosen.data(actor=str(actor_id or 0)))
        )
    text = turn.t("audit.choose_actor", filters=await _filters_text(turn, chosen))
    turn.reply(Outbound.say(text, [[button] for button in buttons]))


async def _show_entries(turn: Turn, chosen: Filter) -> None:
    entries, total = await turn.repos.audit.page(
        since=_since(turn, chosen),
        actions=_actions(chosen),
        actor_id=_actor_id(chosen),
        subject=f"case:{chosen.case}" if chosen.case != UNSET else None,
        limit=PAGE,
        offset=chosen.page * PAGE,
    )
    filters = await _filters_text(turn, chosen)
    again = [Button(label=turn.t("audit.new_filter"), data=Filter().data())]
    if total == 0:
        turn.reply(Outbound.say(turn.t("audit.none", filters=filters), [again]))
        return
    pages = page_count(total, PAGE)
    lines = [turn.t("audit.title", filters=filters, total=total, page=chosen.page + 1, pages=pages)]
    lines += [await line(turn, entry) for entry in entries]
    navigation = page_buttons(
        turn.t, chosen.page, size=PAGE, total=total, data=lambda n: chosen.data(page=n)
    )
    rows = [navigation, again] if navigation else [again]
    turn.reply(Outbound.say("\n\n".join(lines), rows))
