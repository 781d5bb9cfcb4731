"""A message of the day whose hour falls inside the quiet hours still goes out that day: a
person's reminder hour chosen before QUIET_HOURS moved over it, a REMINDER_TIME or DIGEST_TIME
set inside them. An hour in their evening goes at the last call, half an hour before they
begin (as a training's eve, `eve_time`); one in their early morning when they end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from handlers.context import AppContext
from handlers.forms.state import new_state
from handlers.quiet_hours import sending_time
from handlers.reminders import coordinator_digest, daily_reminders
from handlers.weekly_digest import digest_week
from storage.db import Database
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, plain
from tests.storage.seed_cases import CASE_REPORT_VERSION, NOW, make_user, open_database

CHANNELS = ["telegram", "whatsapp"]


async def _person(db: Database, role: Role, channel: str, *, hour: str | None = None) -> int:
    """An active person of Kadugede reached on `channel`, with a report left unfinished (their
    daily reminder has something to say) and their own reminder `hour`, if any."""
    async with db.transaction() as repos:
        user = await make_user(repos, "Bu Ani", role, kecamatan="32.08.01")
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id=f"x{user.id}", chat_id="62812", now=NOW
        )
        if hour:
            await repos.users.update(user.id, now=NOW, reminder_time=hour)
        state = {**new_state(), "answers": {"head_name": "Keluarga Darto"}}
        await repos.forms.start(
            user_id=user.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=NOW,
        )
        return user.id


async def _tick(db: Database, app: AppContext, *moments) -> None:
    for moment in moments:
        async with db.transaction() as repos:
            await daily_reminders(repos, app, moment)
            await coordinator_digest(repos, app, moment)


async def _sent(db: Database, user_id: int) -> list[tuple[str, str]]:
    """(channel, text) of each message queued for the person."""
    async with db.reading() as repos:
        items = await repos.outbox.for_user(user_id)
    return [(item.channel, plain(item.message.get("text"))) for item in items]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_own_hour_the_quiet_hours_moved_over_comes_at_their_last_call(
    tmp_path, channel
) -> None:
    """Chosen at 20.30 while quiet began at 21.00; QUIET_HOURS now 20:00-06:00: the reminder
    comes at 19.30 every day (it never came). An hour between the last call and the quiet
    hours keeps its own minute."""
    app = replace(app_context(tmp_path / "media"), quiet_start=time(20, 0))
    db = await open_database(tmp_path / "psm.db")
    try:
        moved = await _person(db, Role.PSM, channel, hour="20:30")
        close = await _person(db, Role.TKSK, channel, hour="19:45")
        await _tick(db, app, at(2, 19, 29))
        before = await _sent(db, moved), await _sent(db, close)
        await _tick(db, app, at(2, 19, 30), at(2, 19, 44))
        at_last_call = await _sent(db, moved), await _sent(db, close)
        await _tick(db, app, at(2, 19, 45), at(2, 20, 30), at(3, 6, 0), at(3, 19, 30))
        moved_sent, close_sent = await _sent(db, moved), await _sent(db, close)
    finally:
        await db.close()
    assert before == ([], [])
    assert len(at_last_call[0]) == 1 and at_last_call[1] == []
    assert at_last_call[0][0][0] == channel
    assert "1 laporan belum selesai" in at_last_call[0][0][1]
    assert len(moved_sent) == 2  # once a day: the 2nd and the 3rd
    assert len(close_sent) == 1  # at 19.45 on the 2nd; the 3rd's hour has not come


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_default_reminder_time_inside_the_quiet_hours_still_reminds(
    tmp_path, channel
) -> None:
    """REMINDER_TIME=21:30 with the quiet hours 21:00-06:00: at 20.30 (nobody was ever
    reminded); REMINDER_TIME=05:00: when they end, at 06.00."""
    app = replace(app_context(tmp_path / "media"), reminder_time=time(21, 30))
    dawn = replace(app, reminder_time=time(5, 0))
    db = await open_database(tmp_path / "psm.db")
    try:
        evening = await _person(db, Role.PSM, channel)
        await _tick(db, app, at(2, 20, 29))
        early = await _sent(db, evening)
        await _tick(db, app, at(2, 20, 30), at(2, 21, 30))
        evening_sent = await _sent(db, evening)
        morning = await _person(db, Role.PSM, channel)
        await _tick(db, dawn, at(3, 5, 0), at(3, 6, 0), at(3, 7, 0))
        morning_sent = await _sent(db, morning)
    finally:
        await db.close()
    assert early == []
    assert [where for where, _ in evening_sent] == [channel]
    assert "Pengingat harian" in evening_sent[0][1]
    assert [where for where, _ in morning_sent] == [channel]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_digest_time_inside_the_quiet_hours_still_brings_the_digest(
    tmp_path, channel
) -> None:
    """DIGEST_TIME=22:00 with the quiet hours 21:00-06:00: the coordinators' digest comes at
    20.30, once a day (it never came)."""
    app = replace(app_context(tmp_path / "media"), digest_time=time(22, 0))
    db = await open_database(tmp_path / "psm.db")
    try:
        coordinator = await _person(db, Role.COORDINATOR, channel)
        async with db.transaction() as repos:  # no visit due: no daily reminder of hers
            await repos.users.update(coordinator, now=NOW, reminders_enabled=False)
        await _tick(db, app, at(2, 7, 0), at(2, 20, 29))
        early = await _sent(db, coordinator)
        await _tick(db, app, at(2, 20, 30), at(2, 22, 0), at(3, 6, 0), at(3, 20, 30))
        sent = await _sent(db, coordinator)
    finally:
        await db.close()
    assert early == []
    assert [where for where, _ in sent] == [channel, channel]
    assert all("Ringkasan harian" in text for _, text in sent)


def test_the_weekly_digest_comes_on_its_day_at_the_last_call(tmp_path) -> None:
    """DIGEST_TIME=22:00: the TKSK's weekly digest on Monday at 20.30, not Tuesday morning."""
    app = replace(app_context(tmp_path / "media"), digest_time=time(22, 0))
    assert digest_week(app, at(7, 20, 29)) is None  # Monday 7 December
    assert digest_week(app, at(7, 20, 30)) == ("2026-W50", date(2026, 12, 7))


@pytest.mark.parametrize(
    ("quiet", "hour", "sent"),
    [
        ((time(21, 0), time(6, 0)), time(16, 0), time(16, 0)),  # outside: its own hour
        ((time(21, 0), time(6, 0)), time(20, 45), time(20, 45)),  # after the last call
        ((time(21, 0), time(6, 0)), time(21, 0), time(20, 30)),
        ((time(21, 0), time(6, 0)), time(23, 59), time(20, 30)),
        ((time(21, 0), time(6, 0)), time(5, 0), time(6, 0)),  # dawn: when they end
        ((time(12, 0), time(14, 0)), time(13, 0), time(14, 0)),  # within a day: their end
        ((time(0, 0), time(6, 0)), time(0, 30), time(6, 0)),
    ],
)
def test_when_a_message_of_the_day_goes_out(tmp_path, quiet, hour, sent) -> None:
    app = replace(app_context(tmp_path / "media"), quiet_start=quiet[0], quiet_end=quiet[1])
    assert sending_time(app, hour) == sent
