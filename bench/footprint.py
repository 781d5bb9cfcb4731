"""Footprint: `python -m bot.cli run` as a real process against the fake Bot API over HTTP.

Measured: the time from starting the process to its first getUpdates at the fake (imports,
settings, migrations, region and form loading, getMe, setMyCommands), and the resident set
size (VmRSS in /proc/<pid>/status) once it idles, then again after some people have
registered over HTTP. The first start creates the database; the others restart on it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from asyncio.subprocess import Process
from pathlib import Path
from typing import Any

from bench.common import RESULTS, ROOT, write_result
from bench.people import places, registration
from tests.e2e.chat import TelegramPerson
from tests.fakes.telegram_api import FakeTelegram

STARTS = 5
IDLE_SECONDS = 5.0
TRAFFIC_PEOPLE = 50


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM ... of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
            name, value = line.split(":", 1)
            found[name] = int(value.split()[0])
    return found


def environment(fake: FakeTelegram, folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WHATSAPP_")}
    env.update(
        {
            # Run from a scratch folder (no project .env) with the project importable.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": f"{fake.url}/bot",
            "TELEGRAM_FILE_BASE_URL": f"{fake.url}/file/bot",
            "TELEGRAM_POLL_TIMEOUT": "30",
            "TELEGRAM_WEBHOOK_URL": "",
            "DATABASE_PATH": str(folder / "psm.db"),
            "MEDIA_PATH": str(folder / "media"),
            "ADMIN_TELEGRAM_IDS": "",
            "DISTRICTS": "32.08:KNG",
            "LOG_LEVEL": "INFO",
            "SEND_RATE_PER_CHAT": "100",
            "SEND_RATE_OVERALL": "1000",
        }
    )
    return env


async def wait_first_poll(fake: FakeTelegram, process: Process, since: int) -> float:
    """monotonic() of the first getUpdates after call number `since`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for call in fake.calls[since:]:
            if call.method == "getUpdates":
                return call.at
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with {process.returncode} before polling")
        await asyncio.sleep(0.002)
    raise TimeoutError("no getUpdates within 60 s")


class _Registrant:
    """Walks bench.people.registration through the fake over HTTP (tests' TelegramPerson)."""

    def __init__(self, fake: FakeTelegram, user_id: int) -> None:
        self.person = TelegramPerson(fake, user_id)

    def send_text(self, text: str) -> int:
        return self.person.fake.user_text(self.person.user_id, text)

    def share_contact(self, phone: str) -> int:
        user = self.person.user_id
        return self.person.fake.user_contact(user, phone, contact_user_id=user)

    def tap(self, label: str) -> int:
        for message in reversed(self.person.all_with_buttons()):
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    if label in button["text"]:
                        return self.person.fake.user_callback(
                            self.person.user_id,
                            button["callback_data"],
                            message_id=message["message_id"],
                        )
        raise AssertionError(f"no button {label!r}")

    async def walk(self, index: int) -> int:
        steps = registration(index, places()[index % 300])
        for step in steps:
            before = len(self.person.messages())
            for attempt in range(100):
                try:
                    step.act(self)  # type: ignore[arg-type]
                    break
                except AssertionError:  # the message with the button is still on its way
                    if attempt == 99:
                        raise
                    await asyncio.sleep(0.02)
            await self.person.fake.wait_sent(self.person.user_id, before + step.replies, 60)
        return len(steps)


async def one_start(fake: FakeTelegram, folder: Path, *, traffic: bool) -> dict[str, Any]:
    since = len(fake.calls)
    log = (folder / "bot.log").open("ab")
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=folder,  # no .env from the project folder
        env=environment(fake, folder),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first_poll = await wait_first_poll(fake, process, since)
        result: dict[str, Any] = {"to_first_getupdates_s": round(first_poll - started, 3)}
        first_call = fake.calls[since].at if len(fake.calls) > since else first_poll
        result["to_first_bot_api_call_s"] = round(first_call - started, 3)
        await asyncio.sleep(IDLE_SECONDS)
        result[f"idle_{IDLE_SECONDS:g}s_after_first_poll_kb"] = status_kb(process.pid)
        if traffic:
            walkers = [_Registrant(fake, 7_000_000 + i) for i in range(TRAFFIC_PEOPLE)]
            begun = time.monotonic()
            counts = await asyncio.gather(*(w.walk(i) for i, w in enumerate(walkers)))
            result["traffic"] = {
                "people_registered": TRAFFIC_PEOPLE,
                "steps": sum(counts),
                "wall_s": round(time.monotonic() - begun, 2),
                "rejections_by_fake": len(fake.rejections),
            }
            await asyncio.sleep(2)
            result["after_traffic_kb"] = status_kb(process.pid)
    finally:
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            code = await process.wait()
        log.close()
    result["sigterm_to_exit_s"] = round(time.monotonic() - stopped, 3)
    result["exit_code"] = code
    return result


async def run_async() -> dict[str, Any]:
    fake = FakeTelegram()
    await fake.start()
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="footprint-", dir=RESULTS) as scratch:
            folder = Path(scratch)
            starts = []
            for number in range(STARTS):
                last = number == STARTS - 1
                print(f"  start {number + 1}/{STARTS}{' (then traffic)' if last else ''} ...")
                starts.append(await one_start(fake, folder, traffic=last))
                idle = starts[-1][f"idle_{IDLE_SECONDS:g}s_after_first_poll_kb"]["VmRSS"] / 1024
                print(
                    f"    first getUpdates after {starts[-1]['to_first_getupdates_s']:.2f} s, "
                    f"idle RSS {idle:.1f} MiB"
                )
    finally:
        await fake.stop()
    idle_key = f"idle_{IDLE_SECONDS:g}s_after_first_poll_kb"
    idle_rss = [s[idle_key]["VmRSS"] / 1024 for s in starts]
    to_poll = [s["to_first_getupdates_s"] for s in starts]
    after = starts[-1].get("after_traffic_kb", {})
    return {
        "starts": starts,
        "summary": {
            "first_start_new_database_to_first_getupdates_s": to_poll[0],
            "restart_to_first_getupdates_s_median": round(statistics.median(to_poll[1:]), 3),
            "to_first_getupdates_s_max": max(to_poll),
            "idle_rss_mib_median": round(statistics.median(idle_rss), 1),
            "idle_rss_mib_max": round(max(idle_rss), 1),
            "rss_after_traffic_mib": round(after.get("VmRSS", 0) / 1024, 1),
            "peak_rss_mib": round(after.get("VmHWM", 0) / 1024, 1),
        },
        "targets": {
            "idle_rss_le_100mib": max(idle_rss) <= 100,
            "first_getupdates_le_2s": max(to_poll) <= 2.0,
        },
    }


def run() -> dict[str, Any]:
    print("footprint: `python -m bot.cli run` against the fake Bot API over HTTP")
    result = asyncio.run(run_async())
    summary = result["summary"]
    print(
        f"\n  to first getUpdates: {summary['first_start_new_database_to_first_getupdates_s']:.2f}"
        f" s (new database), {summary['restart_to_first_getupdates_s_median']:.2f} s (restart)"
    )
    print(
        f"  idle RSS: {summary['idle_rss_mib_median']:.1f} MiB (median), "
        f"{summary['rss_after_traffic_mib']:.1f} MiB after {TRAFFIC_PEOPLE} registrations, "
        f"peak {summary['peak_rss_mib']:.1f} MiB"
    )
    write_result("footprint", result)
    return result
