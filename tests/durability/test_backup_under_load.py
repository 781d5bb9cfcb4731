"""`psm-bot backup` beside a bot that keeps writing, and `psm-bot restore` of what it made.

While a writer keeps registering people through the whole stack (inbox -> router -> outbox)
and adding users the way `psm-bot user add` does, the real CLI (`python -m bot.cli backup`,
a separate process, as from cron) copies the database. Each copy passes its integrity check,
holds everything committed before the backup began, is transactionally consistent, and
restores into a database a new bot starts on and serves.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.media import store_photo
from bot.runtime import Runtime
from storage.backup import integrity_problems
from storage.models import Role, UserStatus
from tests.durability.durable_harness import (
    CHANNEL,
    KABUPATEN,
    SOAK_FACTOR,
    RecordingChannel,
    in_process_settings,
    integrity,
    settle,
    start_in_process,
    store_events,
    text_event,
)
from tests.e2e.bot_process import REPO
from tests.fakes.telegram_api import TINY_JPEG

BACKUPS = 3
HISTORY_ROWS = 2500  # ~5 MB of audit history: the copy takes several backup steps
FIRST_REGISTRANT = 60000


def cli_environment(folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "MEDIA_", "ADMIN_", "DISTRICTS"))
    }
    env.update(
        {
            "DATABASE_PATH": str(folder / "psm.db"),
            "MEDIA_PATH": str(folder / "media"),
            "DISTRICTS": "32.08:KNG",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


async def psm_bot(folder: Path, *args: str, timeout: float = 120) -> str:  # noqa: ASYNC109
    """Run `psm-bot ARGS` for the database in `folder`; returns its output, fails loudly."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=folder.parent,  # no stray .env
        env=cli_environment(folder),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"psm-bot {' '.join(args)} did not finish in {timeout} s") from None
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"psm-bot {' '.join(args)} exited {process.returncode}: {text}"
    return text


class Writer:
    """Keeps the database busy the way a bot does: registrations and users added."""

    def __init__(self, runtime: Runtime, channel: RecordingChannel) -> None:
        self.runtime, self.channel = runtime, channel
        self.registrants: list[str] = []  # external ids whose /start was committed
        self.added: dict[int, str] = {}  # user id -> external id, added like the CLI does
        self.stop = asyncio.Event()

    async def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            if number % 2:
                external = str(FIRST_REGISTRANT + number)
                await store_events(self.runtime, [text_event(external, "/start")])
                await settle(self.runtime)
                self.registrants.append(external)
            else:
                user_id = await self._add_user(number)
                self.added[user_id] = str(90000 + number)
            await asyncio.sleep(0.005)

    async def _add_user(self, number: int) -> int:
        assert self.runtime.db is not None
        now = datetime.now(UTC)
        async with self.runtime.db.transaction() as repos:
            user = await repos.users.create(
                now=now,
                status=UserStatus.ACTIVE,
                full_name=f"Relawan Nomor {number}",
                role=Role.PSM,
                kabupaten_code=KABUPATEN,
            )
            await repos.users.add_identity(
                user_id=user.id,
                channel=CHANNEL,
                external_id=str(90000 + number),
                chat_id=str(90000 + number),
                now=now,
            )
            await repos.audit.record(
                now=now, actor_id=None, action="user.added_by_cli", subject=f"user:{user.id}"
            )
        return user.id


async def add_history(runtime: Runtime) -> None:
    """Months of audit entries, so the database is larger than one backup step."""
    assert runtime.db is not None
    now = datetime.now(UTC)
    async with runtime.db.transaction() as repos:
        for number in range(HISTORY_ROWS):
            await repos.audit.record(
                now=now,
                actor_id=None,
                action="history.filler",
                subject=f"case:{number}",
                detail={"note": "riwayat " * 250},
            )


def check_backup(path: Path, registrants: list[str], added: dict[int, str]) -> None:
    assert integrity_problems(path) == []
    assert integrity(path) == ["ok"]
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        users = {row[0] for row in db.execute("SELECT id FROM users")}
        identities = {row[0] for row in db.execute("SELECT external_id FROM channel_identities")}
        missing_users = set(added) - users
        assert not missing_users, f"committed before the backup, missing: {sorted(missing_users)}"
        missing = set(registrants) - identities
        assert not missing, f"registrations committed before the backup, missing: {missing}"
        # Transactionally consistent: no half of any transaction.
        orphans = db.execute(
            "SELECT u.id FROM users u LEFT JOIN channel_identities i ON i.user_id = u.id"
            " WHERE i.id IS NULL"
        ).fetchall()
        assert orphans == []
        unanswered = db.execute(
            "SELECT u.id FROM users u WHERE u.status = 'registering' AND NOT EXISTS"
            " (SELECT 1 FROM outbox o WHERE o.user_id = u.id)"
            " OR u.status = 'registering' AND NOT EXISTS"
            " (SELECT 1 FROM form_sessions s WHERE s.user_id = u.id AND s.status = 'active')"
        ).fetchall()
        assert unanswered == []
        # An update stored but not yet handled when the copy was taken is handled after a
        # restore: its payload must be there.
        unusable = db.execute(
            "SELECT id FROM inbox WHERE status = 'pending' AND payload IS NULL"
        ).fetchall()
        assert unusable == []
    finally:
        db.close()


@pytest.mark.parametrize(
    "backup_count",
    [BACKUPS, pytest.param(BACKUPS * SOAK_FACTOR, marks=pytest.mark.soak, id="soak")],
)
async def test_backup_while_writing_then_restore_and_serve(
    tmp_path: Path, backup_count: int
) -> None:
    live = tmp_path / "live"
    settings = in_process_settings(live)
    channel = RecordingChannel()
    runtime = await start_in_process(settings, channel)
    try:
        await add_history(runtime)
        # A photo in the media folder, which the backup copies too: stored as a report's
        # photo is (a stranger's photo sent over the channel is not kept, bot/inbox_fetches.py).
        await store_photo(TINY_JPEG, live / "media")
        assert list((live / "media").rglob("*.jpg"))
        writer = Writer(runtime, channel)
        writing = asyncio.create_task(writer.run())
        backups: list[tuple[Path, list[str], dict[int, str]]] = []
        try:
            for number in range(backup_count):
                await asyncio.sleep(0.2)
                registrants, added = list(writer.registrants), dict(writer.added)
                target = tmp_path / f"backups-{number}"
                output = await psm_bot(live, "backup", str(target))
                (folder,) = target.glob("psm-backup-*")
                assert str(folder) in output
                backups.append((folder, registrants, added))
                assert not writing.done()
        finally:
            writer.stop.set()
            await writing
        for folder, registrants, added in backups:
            check_backup(folder / "psm.db", registrants, added)
            assert list((folder / "media").rglob("*.jpg"))
        assert len(writer.registrants) > 5 and len(writer.added) > 5
        # The writes went on during the backups.
        last_folder, last_registrants, last_added = backups[-1]
        assert len(writer.registrants) > len(last_registrants)
    finally:
        await runtime.stop()

    # Restore the last backup elsewhere (the bot stopped), migrate, and serve from it.
    restored = tmp_path / "restored"
    await psm_bot(restored, "restore", str(last_folder))
    # A backup holds no audit key: it is put back beside the database before `migrate`, as
    # the README says for a new server.
    shutil.copy2(live / "psm.db.audit-key", restored / "psm.db.audit-key")
    await psm_bot(restored, "migrate")
    assert integrity(restored / "psm.db") == ["ok"]
    assert list((restored / "media").rglob("*.jpg"))
    channel = RecordingChannel()
    runtime = await start_in_process(in_process_settings(restored), channel)
    try:
        registrant, volunteer = last_registrants[-1], list(last_added.values())[-1]
        newcomer = "77777"
        await store_events(
            runtime,
            [
                text_event(registrant, "Siti Aminah"),
                text_event(newcomer, "/start"),
                text_event(volunteer, "/saya"),
            ],
        )
        await settle(runtime)
        assert "✓ Nama: Siti Aminah" in channel.to(registrant)[-1].text
        assert "nama lengkap" in channel.to(newcomer)[-1].text
        assert f"Relawan Nomor {int(volunteer) - 90000}" in channel.to(volunteer)[-1].text
        assert channel.bot.problems == []
    finally:
        await runtime.stop()
    assert integrity(restored / "psm.db") == ["ok"]
