"""`python -m bench [all|NAME] [--channel ...]`: run the benchmarks (NAMES below), print a
summary.

Results go to bench/results/<name>.json. Run from the project folder with the venv's Python
(`make bench` does both).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import ROOT, machine, read_result, table

NAMES = ("steps", "scale", "stalls", "export", "footprint", "fanout")


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value >= 10 else f"{value:.2f}{unit}"
    return f"{value}{unit}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "NOT met"


def summary_rows() -> list[list[str]]:
    """One row per target, from whatever results exist."""
    try:
        return _summary_rows()
    except (KeyError, TypeError) as exc:  # a result written by an older version of the bench
        return [["?", f"stale result ({exc!r}): run the benchmark again", "", "", ""]]


def _summary_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for name in ("steps", "steps_whatsapp"):
        steps = read_result(name)
        if not steps:
            continue
        floor = steps["bare_commit_floor"]["aiosqlite_commits_per_s_mean"]
        overall = steps["saturated"]["all"]
        ratio = overall["ratio_to_bare_commits"]
        rows.append([name, "bare aiosqlite INSERT+COMMIT/s", _fmt(floor), "", ""])
        rows.append([name, "saturated steps/s", _fmt(overall["steps_per_s"]), "", ""])
        rows.append(
            [name, "steps/s / bare commits/s", f"{ratio:.3f}", ">= 0.5", _verdict(ratio >= 0.5)]
        )
        for lat in steps["latency_by_offered_load"]:
            p99 = lat["latency_inbox_insert_to_reply_handed_to_send"]["p99_ms"]
            rate = lat["offered_steps_per_s"]
            target = rate == 100
            rows.append(
                [
                    name,
                    f"p99 inbox->send at {rate:g} steps/s",
                    _fmt(p99, " ms"),
                    "<= 20 ms" if target else "",
                    _verdict(p99 <= 20) if target else "",
                ]
            )
    scale = read_result("scale")
    if scale:
        for name, query in scale["queries"].items():
            target = query["target_p95_le_50ms"]
            rows.append(
                [
                    "scale",
                    f"p95 {name}",
                    _fmt(query["p95_ms"], " ms"),
                    "<= 50 ms" if target else "",
                    _verdict(query["p95_ms"] <= 50) if target else "",
                ]
            )
    for name in ("fanout", "fanout_whatsapp"):
        fanout = read_result(name)
        if not fanout:
            continue
        floor = 0.93 * fanout["ceiling_messages_per_s"]
        rows.append(
            [
                name,
                "msg/s sustained at the limits",
                _fmt(fanout["sustained_messages_per_s"]),
                f">= {floor:.1f}",
                _verdict(fanout["targets"]["sustained_ge_93_percent_of_ceiling"]),
            ]
        )
        rows.append(
            [
                name,
                "ignored retry_after",
                str(fanout["ignored_retry_after"]),
                "0",
                _verdict(fanout["targets"]["no_ignored_retry_after"]),
            ]
        )
        rows.append(
            [
                name,
                "walkers' p99 beyond the limits",
                _fmt(fanout["walker_p99_beyond_limits_ms"], " ms"),
                "< 50 ms",
                _verdict(fanout["targets"]["walker_p99_beyond_limits_lt_50ms"]),
            ]
        )
    stalls = read_result("stalls")
    if stalls:
        key = "latency_update_queued_at_telegram_to_reply_handed_to_send"
        alone, busy = stalls["alone"][key], stalls["with_statistik"][key]
        rows.append(
            ["stalls", "p99 PSM step (from Telegram) alone", _fmt(alone["p99_ms"], " ms"), "", ""]
        )
        rows.append(
            [
                "stalls",
                "p99 PSM step during /statistik 365 + export",
                _fmt(busy["p99_ms"], " ms"),
                "<= 50 ms",
                _verdict(stalls["targets"]["p99_le_50ms_while_busy"]),
            ]
        )
        if "with_backup" in stalls:  # measured since 5 Dec 2026
            rows.append(
                [
                    "stalls",
                    "p99 PSM step during psm-bot backup",
                    _fmt(stalls["with_backup"][key]["p99_ms"], " ms"),
                    "<= 50 ms",
                    _verdict(stalls["targets"]["p99_le_50ms_during_backup"]),
                ]
            )
    export = read_result("export")
    if export:
        rows.append(
            [
                "export",
                f"{export['cases']:,} cases to .xlsx",
                _fmt(export["seconds"], " s"),
                "<= 20 s",
                _verdict(export["targets"]["seconds_le_20"]),
            ]
        )
        rows.append(
            [
                "export",
                "peak RSS (both processes)",
                _fmt(export.get("peak_rss_both_mb", export["peak_rss_mb"]), " MB"),
                "<= 300 MB",
                _verdict(export["targets"]["peak_rss_le_300mb"]),
            ]
        )
        if "peak_memory_mb" in export:  # measured since 5 Dec 2026
            rows.append(
                [
                    "export",
                    "peak memory with the temporary files in /dev/shm",
                    _fmt(export["peak_memory_mb"], " MB"),
                    "<= 300 MB",
                    _verdict(export["targets"]["peak_memory_with_files_le_300mb"]),
                ]
            )
    footprint = read_result("footprint")
    if footprint:
        s = footprint["summary"]
        rows.append(
            [
                "footprint",
                "idle RSS",
                _fmt(s["idle_rss_mib_max"], " MiB"),
                "<= 100 MB",
                _verdict(footprint["targets"]["idle_rss_le_100mib"]),
            ]
        )
        worst = s.get("to_first_getupdates_s_max", 0.0)
        rows.append(
            [
                "footprint",
                "start -> first getUpdates (max)",
                _fmt(worst, " s"),
                "<= 2 s",
                _verdict(worst <= 2),
            ]
        )
        rows.append(
            ["footprint", "RSS after traffic", _fmt(s["rss_after_traffic_mib"], " MiB"), "", ""]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("which", nargs="?", default="all", choices=("all", *NAMES))
    parser.add_argument(
        "--rebuild", action="store_true", help="scale: regenerate the cached database"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="steps, fanout: fewer people and shorter runs (a smoke test)",
    )
    parser.add_argument(
        "--channel",
        choices=("all", "telegram", "whatsapp"),
        default="all",
        help="steps, fanout: the channel people write on (default both, one after the other)",
    )
    parser.add_argument(
        "--registrations", type=int, default=500, help="steps: people registering at once"
    )
    parser.add_argument(
        "--reports", type=int, default=200, help="steps: PSMs each submitting a case report"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="steps: length of each latency run"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    info = machine()
    print(
        f"psm-bot benchmarks on {info['nproc']} x {info['cpu_model']}, Python {info['python']}, "
        f"SQLite {info['sqlite']} (load average {info['load_average']})\n"
    )
    jobs: dict[str, Callable[[], Any]] = {}
    channels = ("telegram", "whatsapp") if args.channel == "all" else (args.channel,)
    if args.which in ("all", "steps"):
        from bench import steps

        for channel in channels:
            if args.quick:
                jobs[steps.result_name(channel)] = lambda channel=channel: steps.run(
                    channel=channel,
                    registrations=50,
                    reports=20,
                    latency_rates=(25.0, 100.0),
                    latency_seconds=5.0,
                )
            else:
                jobs[steps.result_name(channel)] = lambda channel=channel: steps.run(
                    channel=channel,
                    registrations=args.registrations,
                    reports=args.reports,
                    latency_seconds=args.seconds,
                )
    if args.which in ("all", "scale"):
        from bench import scale

        jobs["scale"] = lambda: scale.run(rebuild=args.rebuild)
    if args.which in ("all", "stalls"):
        from bench import stalls

        jobs["stalls"] = stalls.run
    if args.which in ("all", "export"):
        from bench import export

        jobs["export"] = export.run
    if args.which in ("all", "footprint"):
        from bench import footprint

        jobs["footprint"] = footprint.run
    if args.which in ("all", "fanout"):
        from bench import fanout

        for channel in channels:
            name = fanout.result_name(channel)
            if args.quick:
                # WhatsApp's pair rate (a message per 6 s per person, bursts of 40) would
                # in the end pace a walker stepping every 5 s: it steps every 8 s there.
                whatsapp = channel == "whatsapp"
                jobs[name] = lambda channel=channel, whatsapp=whatsapp: fanout.run(
                    reminders=2000 if whatsapp else 600,
                    walkers=20,
                    pace=8.0 if whatsapp else 5.0,
                    channel=channel,
                )
            else:
                jobs[name] = lambda channel=channel: fanout.run(channel=channel)
    for name, job in jobs.items():
        started = time.perf_counter()
        job()
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)\n")
    print("summary (from bench/results/*.json):")
    print(table(summary_rows(), ["benchmark", "figure", "value", "target", "verdict"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
