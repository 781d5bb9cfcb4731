"""/statistik [7|30|365]: how many cases of the caller's area were reported in the last days,
by state, category, kecamatan and reporter; as text and as a chart image. The text carries a
button for each other period (`st:<days>`), so nobody needs to type the number.

The counts come from `storage.stats` (scope enforced in SQL; covering indexes, no table
scan). The turn answers "being prepared"; the counting and drawing run afterwards as a
background job on the read-only connection (never inside the writer's transaction). The
chart is drawn with matplotlib's object API on the Agg canvas (no pyplot state) by
`AppContext.render` (in the running bot, a worker process: matplotlib holds the GIL while it
draws), into MEDIA_PATH/tmp, and sent as an image. A chart that fails leaves the text answer.
"""

from __future__ import annotations

import html
import logging
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from babel.numbers import format_decimal

from handlers.context import AppContext, BackgroundJob, Turn
from handlers.date_formats import long_date
from handlers.events import Button, Outbound, button_fields, small_number
from handlers.forms.option_labels import category_names, shown
from handlers.permissions import allowed
from handlers.regions import district_said
from handlers.scope import scope_of
from handlers.temp_files import temp_path
from storage.models import CaseState
from storage.repos import Repos
from storage.stats import CaseCounts

log = logging.getLogger(__name__)

PERIODS = (7, 30, 365)
PERIOD_PREFIX = "st"
DEFAULT_DAYS = 30
SHOWN = 10  # lines per section in the text and bars per chart panel
LABEL_WIDTH = 28  # characters of a bar's label per line on the chart
LABEL_LINES = 2  # a long category name wraps onto a second line, not cut after 28


def period_start(app: AppContext, now: datetime, days: int) -> tuple[datetime, date, date]:
    """The first moment of the period (local midnight `days - 1` days ago) and its dates."""
    end = app.local_date(now)
    start = end - timedelta(days=days - 1)
    return datetime.combine(start, time(0), tzinfo=app.timezone).astimezone(UTC), start, end


def _days(args: str) -> int | None:
    words = args.split()
    if not words:
        return DEFAULT_DAYS
    days = small_number(words[0].removesuffix("hari"))  # ASCII digits only: "²" is no 2
    return days if days in PERIODS else None


async def show_statistics(turn: Turn) -> None:
    """/statistik [7|30|365]."""
    days = _days(turn.event.command_args)
    if days is None and allowed(turn.user, "case.stats"):
        turn.reply(turn.t("statistics.usage"))
        return
    await _show(turn, days or DEFAULT_DAYS)


async def period_button(turn: Turn, data: str) -> None:
    """A tap on one of the other periods under the statistics (`st:<days>`)."""
    _, raw = button_fields(data, 2)
    days = small_number(raw)
    await _show(turn, days if days in PERIODS else DEFAULT_DAYS)


def _period_buttons(turn: Turn, days: int) -> list[list[Button]]:
    return [
        [
            Button(
                label=turn.t("statistics.period_button", days=other),
                data=f"{PERIOD_PREFIX}:{other}",
            )
            for other in PERIODS
            if other != days
        ]
    ]


async def _show(turn: Turn, days: int) -> None:
    if not allowed(turn.user, "case.stats"):
        turn.reply(turn.t("errors.not_allowed"))
        return
    scope = scope_of(turn.user)
    _, start, end = period_start(turn.app, turn.now, days)

    async def produce(repos: Repos) -> list[Outbound]:
        now = turn.app.local_time(turn.now)
        counts = await repos.stats.recent_days(scope, days=days, now=now, top=SHOWN)
        area = await _area(turn, repos)
        text = statistics_text(turn, counts, days=days, start=start, end=end, area=area)
        answer = Outbound.say(text, _period_buttons(turn, days))
        if counts.total == 0:
            return [answer]
        chart = Chart(
            title=_plain(turn.t("statistics.title", days=days)) + f"\n{area}",
            axis=turn.t("statistics.chart_axis"),
            sections=_chart_sections(turn, counts, by_kecamatan=scope.kecamatan_code is None),
        )
        path = temp_path(turn.app.media_dir, "statistik", ".png", turn.now)
        if await draw(turn.app, chart, path) is None:
            return [answer]
        caption = turn.t("statistics.chart_caption", days=days, area=area)
        return [answer, Outbound(type="image", file_path=str(path), text=caption)]

    # Counting a year of a district and drawing take a while: off the turn, on the reader.
    turn.later(BackgroundJob(produce))


async def _area(turn: Turn, repos: Repos) -> str:
    scope = scope_of(turn.user)
    for code, key in (
        (scope.kecamatan_code, "statistics.area_kecamatan"),
        (scope.kabupaten_code, "statistics.area_kabupaten"),
    ):
        if code:
            name = await repos.regions.name_of(code)
            return turn.t(key, name=district_said(turn.app.catalog, turn.language, name))
    return turn.t("statistics.area_all")


def _number(turn: Turn, value: int) -> str:
    return format_decimal(value, locale=turn.language)


def _state_items(turn: Turn, counts: CaseCounts) -> list[tuple[str, int]]:
    order = [state.value for state in CaseState]
    ordered = sorted(counts.by_state.items(), key=lambda item: order.index(item[0]))
    return [(turn.t(f"case_states.{state}"), count) for state, count in ordered]


def _category_items(turn: Turn, counts: CaseCounts) -> list[tuple[str, int]]:
    names = category_names(turn.app.forms, turn.language)
    return [(shown(names, code), count) for code, count in counts.by_category.items()]


def statistics_text(
    turn: Turn, counts: CaseCounts, *, days: int, start: date, end: date, area: str
) -> str:
    """The phone-readable summary."""
    lines = [
        turn.t("statistics.title", days=days),
        turn.t(
            "statistics.period",
            start=long_date(start, turn.language),
            end=long_date(end, turn.language),
            area=area,
        ),
        turn.t("statistics.total", count=_number(turn, counts.total)),
    ]
    if counts.total == 0:
        return "\n".join([*lines, "", turn.t("statistics.none")])

    def section(key: str, items: list[tuple[str, int]], *, ranked: bool = False) -> None:
        lines.extend(["", turn.t(key)])
        for rank, (label, count) in enumerate(items[:SHOWN], start=1):
            if ranked:
                text = turn.t(
                    "statistics.ranked", rank=rank, label=label, count=_number(turn, count)
                )
            else:
                text = turn.t("statistics.line", label=label, count=_number(turn, count))
            lines.append(text)
        if len(items) > SHOWN:
            lines.append(turn.t("statistics.more", count=len(items) - SHOWN))

    section("statistics.by_state", _state_items(turn, counts))
    section("statistics.by_category", _category_items(turn, counts))
    if scope_of(turn.user).kecamatan_code is None:
        section("statistics.by_kecamatan", [(k.name, k.count) for k in counts.by_kecamatan])
    section("statistics.by_reporter", [(r.name, r.count) for r in counts.by_reporter], ranked=True)
    return "\n".join(lines)


# -- the chart --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """What to draw: panels of labelled counts (plain text, already translated)."""

    title: str
    axis: str
    sections: list[tuple[str, list[tuple[str, int]]]]


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def bar_label(label: str) -> str:
    """A bar's label as the chart prints it: wrapped between words at `LABEL_WIDTH`, on at
    most `LABEL_LINES` lines ("Anak korban tindak" / "kekerasan/diperlakukan salah"), only
    then cut with "…"."""
    lines = textwrap.wrap(label, LABEL_WIDTH, break_on_hyphens=False) or [""]
    if len(lines) > LABEL_LINES:
        last = " ".join(lines[LABEL_LINES - 1 :])
        lines = [*lines[: LABEL_LINES - 1], last[: LABEL_WIDTH - 1] + "…"]
    return "\n".join(lines)


def _chart_sections(
    turn: Turn, counts: CaseCounts, *, by_kecamatan: bool
) -> list[tuple[str, list[tuple[str, int]]]]:
    sections = [
        (turn.t("statistics.chart_by_state"), _state_items(turn, counts)),
        (turn.t("statistics.chart_by_category"), _category_items(turn, counts)[:SHOWN]),
    ]
    if by_kecamatan:
        kecamatan = [(k.name, k.count) for k in counts.by_kecamatan[:SHOWN]]
        sections.append((turn.t("statistics.chart_by_kecamatan"), kecamatan))
    return [(_plain(name), items) for name, items in sections if items]


async def draw(app: AppContext, chart: Chart, path: Path) -> Path | None:
    """The chart drawn off the event loop (`AppContext.render`) into `path`; None when drawing
    failed (logged): the caller answers with its text alone."""
    try:
        return await app.render(render_chart, chart, path)
    except Exception:
        log.exception("could not draw the chart %s", path.name)  # a partial file: tmp retention
        return None


def render_chart(chart: Chart, path: Path) -> Path:
    """Draw horizontal bar panels into a PNG (blocking: run it through `draw`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labelled = [
        [(bar_label(label), count) for label, count in items] for _, items in chart.sections
    ]
    # A bar whose label takes two lines gets a little more height than a one-line one.
    bars = [max(1.0, sum(1 + 0.4 * label.count("\n") for label, _ in items)) for items in labelled]
    figure = Figure(figsize=(7.2, 1.4 + 0.34 * sum(bars) + 0.9 * len(bars)), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(bars), 1, squeeze=False, gridspec_kw={"height_ratios": bars})
    for axis, (name, _), items in zip(axes[:, 0], chart.sections, labelled, strict=True):
        labels = [label for label, _ in items][::-1]
        values = [count for _, count in items][::-1]
        drawn = axis.barh(range(len(values)), values, color="#1f77b4")
        axis.set_yticks(range(len(values)), labels)
        axis.bar_label(drawn, padding=3, fontsize=9)
        axis.set_title(name, loc="left", fontsize=11, fontweight="bold")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlim(0, max(values) * 1.15 + 1)
        axis.tick_params(axis="y", labelsize=9)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    axes[-1, 0].set_xlabel(chart.axis)
    figure.suptitle(chart.title, fontsize=12)
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path
