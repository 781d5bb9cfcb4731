"""/pengingat: the hour of one's own reminder, or off, for PSM, TKSK and coordinators (who get
visit reminders and also choose their district's WhatsApp frequency); in a district whose
WhatsApp reminders are weekly, a person reached there is told the day, not "daily"."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from handlers import reminder_settings
from handlers.district_reminders import paid_channels
from storage.district_reminders import ReminderSchedule
from storage.models import Role
from tests.handlers.chat_turns import command, tap
from tests.handlers.routed_turns import CHANNELS
from tests.storage.seed_cases import NOW, make_user

THURSDAY = 3


def _buttons(turn) -> list[str]:
    return [b.data for reply in turn.replies for row in reply.buttons or [] for b in row]


async def test_a_coordinator_sets_her_own_reminder_beside_the_district_frequency(world) -> None:
    db, app = world
    async with db.transaction() as repos:
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        asked = command(app, repos, coordinator, "pengingat")
        await reminder_settings.ask(asked)
        off = tap(app, repos, coordinator, "rm:off")
        await reminder_settings.choose(off, "rm:off")
        stopped = await repos.users.get(coordinator.id)
        hour = tap(app, repos, coordinator, "rm:19:00")
        await reminder_settings.choose(hour, "rm:19:00")
        moved = await repos.users.get(coordinator.id)
    assert asked.replies[0].text.startswith("Pengingat harian saat ini: <b>16.00</b>")
    assert {"rm:08:00", "rm:off", "pd:w"} <= set(_buttons(asked))  # her hour, the district's
    shown = [b.label for reply in asked.replies for row in reply.buttons or [] for b in row]
    assert {"06.00", "08.00", "19.00"} <= set(shown) and not any(":" in label for label in shown)
    assert [r.text for r in off.replies] == [off.t("reminder.now_off")]
    assert stopped is not None and not stopped.reminders_enabled
    assert "sekitar pukul 19.00" in hour.replies[0].text
    assert moved is not None and moved.reminders_enabled and moved.reminder_time == "19:00"


async def test_a_weekly_whatsapp_district_is_told_the_day(world) -> None:
    db, app = world
    async with db.transaction() as repos:
        on_whatsapp = await make_user(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
        on_telegram = await make_user(repos, "Bu Rina", Role.PSM, kecamatan="32.08.01")
        for person, channel in ((on_whatsapp, "whatsapp"), (on_telegram, "telegram")):
            await repos.users.add_identity(
                user_id=person.id, channel=channel, external_id=str(person.id), now=NOW
            )
        for channel in paid_channels(app):
            await repos.district_reminders.set_schedule(
                "32.08", channel, ReminderSchedule("weekly", THURSDAY), by=on_whatsapp.id, now=NOW
            )
        asked = command(app, repos, on_whatsapp, "pengingat", channel="whatsapp")
        await reminder_settings.ask(asked)
        hour = tap(app, repos, on_whatsapp, "rm:08:00", channel="whatsapp")
        await reminder_settings.choose(hour, "rm:08:00")
        daily = tap(app, repos, on_telegram, "rm:08:00")
        await reminder_settings.choose(daily, "rm:08:00")
    assert asked.replies[0].text.startswith(
        "Pengingat mingguan (setiap hari Kamis) saat ini: <b>16.00</b>"
    )
    assert [r.text for r in hour.replies] == [
        "Pengingat mingguan akan dikirim setiap hari Kamis sekitar pukul 08.00."
    ]
    assert [r.text for r in daily.replies] == ["Pengingat harian akan dikirim sekitar pukul 08.00."]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_hour_inside_the_quiet_hours_is_shown_with_when_it_goes_out(
    world, channel: str
) -> None:
    """Chosen at 20.30 before QUIET_HOURS moved to 20:00-06:00 (or 05.30, in the morning's):
    /pengingat says when it really comes (handlers/quiet_hours.py sending_time), not only
    the hour kept; an hour outside them, or a reminder off, is shown alone."""
    db, default = world
    app = replace(default, quiet_start=time(20, 0))
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
        await repos.users.add_identity(
            user_id=psm.id, channel=channel, external_id=str(psm.id), now=NOW
        )

        async def shown(app, reminder_time: str, enabled: bool = True) -> str:
            person = await repos.users.update(
                psm.id, now=NOW, reminder_time=reminder_time, reminders_enabled=enabled
            )
            asked = command(app, repos, person, "pengingat", channel=channel)
            await reminder_settings.ask(asked)
            return asked.replies[0].text

        evening = await shown(app, "20:30")
        morning = await shown(default, "05:30")
        outside = await shown(app, "19:00")
        off = await shown(app, "20:30", enabled=False)
    assert evening.startswith(
        "Pengingat harian saat ini: <b>20.30</b>"
        " (dikirim pukul 19.30 karena jam tenang mulai pukul 20.00). Pilih jam"
    )
    assert morning.startswith(
        "Pengingat harian saat ini: <b>05.30</b>"
        " (dikirim pukul 06.00 karena jam tenang berlangsung sampai pukul 06.00). Pilih jam"
    )
    assert outside.startswith("Pengingat harian saat ini: <b>19.00</b>. Pilih jam")
    assert off.startswith("Pengingat harian saat ini: <b>mati</b>. Pilih jam")
