"""The day before a training day: a person who accepted hears of it once, in their daily
reminder when it goes out that day (as a line), else by a message of its own once every
reminder hour has passed: a candidate (`calon`, who has no daily reminder), someone with
reminders off, someone whose district sends WhatsApp reminders weekly on another day, someone
whose reminder went out before they accepted. Those who have not answered are not chased, nor
those a coordinator excused by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from bot.channels.whatsapp.outbound import render
from handlers.events import Outbound
from handlers.reminders import daily_reminders
from handlers.trainings.common import schedule_stamp
from handlers.trainings.schedule import eve_reminders
from storage.district_reminders import ReminderSchedule
from storage.models import Role, UserStatus
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import said, send
from tests.handlers.training_turns import CREATED, at, invited_psm, new_training, person, plain
from tests.storage.seed_cases import open_database


async def _texts(db, user_id: int) -> list[str]:
    async with db.reading() as repos:
        return [plain(item.message["text"]) for item in await repos.outbox.for_user(user_id)]


async def _tick(db, app, moment, *, accept) -> None:
    training_id, user_id, when = accept
    async with db.transaction() as repos:
        if moment == when:
            await repos.trainings.invite(training_id, [user_id], moment)
            await repos.trainings.set_rsvp(training_id, user_id, "akan_hadir", moment)
        await daily_reminders(repos, app, moment)
        await eve_reminders(repos, app, moment)


async def test_the_eve_of_a_training_reaches_everyone_who_accepted_once(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            off = await person(repos, "Pak Mati", Role.PSM, kecamatan="32.08.01")
            await repos.users.update(off.id, now=CREATED, reminders_enabled=False)
            calon = await person(repos, "Calon Dewi", Role.CALON, kecamatan="32.08.01")
            silent = await person(repos, "Pak Diam", Role.CALON, kecamatan="32.08.01")
            early = await person(repos, "Bu Pagi", Role.PSM, kecamatan="32.08.01")
            await repos.users.update(early.id, now=CREATED, reminder_time="06:00")
            excused = await person(repos, "Pak Izin", Role.PSM, kecamatan="32.08.01")
            wulan = await repos.users.create(  # on WhatsApp only, weekly there on Thursdays
                now=CREATED,
                status=UserStatus.ACTIVE,
                full_name="Bu Wulan",
                role=Role.PSM,
                kabupaten_code="32.08",
            )
            await repos.users.add_identity(
                user_id=wulan.id,
                channel="whatsapp",
                external_id="ID.1",
                chat_id="6281",
                now=CREATED,
            )
            weekly = ReminderSchedule("weekly", 3)
            await repos.district_reminders.set_schedule(
                "32.08", "whatsapp", weekly, by=coordinator.id, now=CREATED
            )
            people = [ani.id, off.id, calon.id, silent.id, wulan.id, early.id, excused.id]
            await repos.trainings.invite(training_id, people[1:5] + people[6:], at(1, 9))
            for user_id in (ani.id, off.id, calon.id, wulan.id, excused.id):  # not Pak Diam
                await repos.trainings.set_rsvp(training_id, user_id, "akan_hadir", at(2, 9))
            (day,) = await repos.trainings.days(training_id)
            await repos.trainings.set_status_by_hand(
                day.id, excused.id, status="izin", recorded_by=coordinator.id, now=at(3, 9)
            )
        # Monday, 7 Dec, tick by tick as the scheduler: the daily reminders, then the eve.
        # Bu Pagi is invited and accepts at 10.00, after her 06.00 reminder went out.
        accept = (training_id, early.id, at(7, 10))
        for moment in (at(7, 6), at(7, 10), at(7, 15, 59)):
            await _tick(db, app, moment, accept=accept)
        before_the_hour = {user_id: await _texts(db, user_id) for user_id in people}
        for moment in (at(7, 16), at(7, 16, 1), at(7, 19), at(7, 20)):
            await _tick(db, app, moment, accept=accept)
        told = {user_id: await _texts(db, user_id) for user_id in people}
    finally:
        await db.close()
    daily = told[ani.id]
    assert len(daily) == 1 and "Besok: Bimtek Uji, pukul 08.00 di Aula" in daily[0]
    # Their hour (16.00 unless chosen) has to come: Bu Pagi's (06.00) had, when she accepted.
    assert [len(before_the_hour[i]) for i in (off.id, calon.id, wulan.id, early.id)] == [0, 0, 0, 1]
    for user_id in (off.id, calon.id, wulan.id, early.id):
        assert len(told[user_id]) == 1, told[user_id]
        assert "Besok: Bimtek Uji" in told[user_id][0]
        assert "Hari 1: Selasa, 8 Desember 2026" in told[user_id][0]
        assert "tercatat akan hadir" in told[user_id][0]
    assert told[excused.id] == []  # excused by hand for the day
    assert told[silent.id] == []  # not answered, no daily reminder: not chased


async def test_the_eve_comes_before_quiet_hours_that_begin_before_the_persons_hour(tmp_path):
    """Quiet from 18.00: a candidate whose hour is 19.00 is told at 17.30, not never."""
    app = replace(app_context(tmp_path / "media"), quiet_start=time(18, 0))
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, _, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            calon = await person(repos, "Calon Dewi", Role.CALON, kecamatan="32.08.01")
            await repos.users.update(calon.id, now=CREATED, reminder_time="19:00")
            await repos.trainings.invite(training_id, [calon.id], at(1, 9))
            await repos.trainings.set_rsvp(training_id, calon.id, "akan_hadir", at(2, 9))
        accept = (training_id, calon.id, at(1, 0))  # accepted long before
        await _tick(db, app, at(7, 17, 29), accept=accept)
        early = await _texts(db, calon.id)
        for moment in (at(7, 17, 30), at(7, 17, 45)):
            await _tick(db, app, moment, accept=accept)
        told = await _texts(db, calon.id)
    finally:
        await db.close()
    assert early == []
    assert len(told) == 1 and "Besok: Bimtek Uji" in told[0]
    assert "📍 Aula, Jl. Siliwangi 88" in told[0], told[0]  # QA walk 15: the street too


async def test_left_to_the_daily_reminder_by_the_release_before_counts_as_told(tmp_path):
    """The release before claimed `training_eve_daily` for those whose daily reminder carried
    the line (and the line claimed nothing): no second telling on the day of deployment."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.trainings.set_rsvp(training_id, ani.id, "akan_hadir", at(2, 9))
            (day,) = await repos.trainings.days(training_id)
            key = f"{day.id}:{day.starts_at.timestamp():.0f}:{ani.id}"
            await repos.schedule.claim("training_eve_daily", key, now=at(7, 16))
            # ... and her daily reminder went out with the line at 16.00.
            await repos.schedule.claim("daily_reminder", f"{ani.id}:2026-12-07", now=at(7, 16))
        await _tick(db, app, at(7, 19), accept=(training_id, ani.id, at(1, 0)))
        told = await _texts(db, ani.id)
    finally:
        await db.close()
    assert told == []


async def test_an_hour_just_before_the_quiet_hours_keeps_the_eve_in_the_daily_reminder(tmp_path):
    """Quiet from 19.15: a PSM whose reminder goes at 19.00 hears of the eve in it (one
    message), not by a message of its own at 18.45 and the reminder after."""
    app = replace(app_context(tmp_path / "media"), quiet_start=time(19, 15))
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.users.update(ani.id, now=CREATED, reminder_time="19:00")
            await repos.trainings.set_rsvp(training_id, ani.id, "akan_hadir", at(2, 9))
        accept = (training_id, ani.id, at(1, 0))  # accepted long before
        for moment in (at(7, 18, 45), at(7, 19), at(7, 19, 1)):
            await _tick(db, app, moment, accept=accept)
        told = await _texts(db, ani.id)
    finally:
        await db.close()
    assert len(told) == 1 and "Pengingat harian" in told[0]
    assert "Besok: Bimtek Uji" in told[0]


async def test_tomorrows_training_comes_first_and_announces_the_reminder(tmp_path):
    """Outside WhatsApp's window the template shows only the reminder's summary: it names
    tomorrow's Bimtek (not "pesan"), whose line comes first, before "no new report"."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.trainings.set_rsvp(training_id, ani.id, "akan_hadir", at(2, 9))
            # approved five weeks ago, never reported since
            await repos.users.update(ani.id, now=CREATED, decided_at=CREATED - timedelta(days=30))
        await _tick(db, app, at(7, 16), accept=(training_id, ani.id, at(1, 0)))
        async with db.reading() as repos:
            (item,) = await repos.outbox.for_user(ani.id)
    finally:
        await db.close()
    lines = plain(item.message["text"]).splitlines()
    assert lines[1].startswith("• 📅 Besok: Bimtek Uji"), lines
    assert "Bapak/Ibu belum pernah mengirim laporan" in lines[3]
    assert item.message["summary"].startswith("📅 Besok: Bimtek Uji")


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_an_unanswered_invitation_is_said_with_its_own_buttons(tmp_path, channel):
    """Tomorrow's line to someone who has not answered the invitation says so and offers its
    Akan hadir / Berhalangan buttons (as the invitation's, schedule stamp and all); on
    WhatsApp they are reply buttons. To someone who answered, the line is plain."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            training_id = await new_training(
                repos, coordinator, [(at(8, 8), at(8, 12))], deadline=at(8, 0)
            )
            ani = await repos.users.create(
                now=CREATED,
                status=UserStatus.ACTIVE,
                full_name="Bu Ani",
                role=Role.PSM,
                kabupaten_code="32.08",
            )
            await repos.users.update(ani.id, now=CREATED, kecamatan_code="32.08.01")
            await repos.users.add_identity(
                user_id=ani.id, channel=channel, external_id="A.1", chat_id="6281", now=CREATED
            )
            rina = await person(repos, "Bu Rina", Role.PSM, kecamatan="32.08.01")
            await repos.trainings.invite(training_id, [ani.id, rina.id], at(1, 9))
            await repos.trainings.set_rsvp(training_id, rina.id, "akan_hadir", at(2, 9))
            days = await repos.trainings.days(training_id)
            await daily_reminders(repos, app, at(7, 16))
            (item,) = await repos.outbox.for_user(ani.id)
            (answered,) = await repos.outbox.for_user(rina.id)
    finally:
        await db.close()
    lines = plain(item.message["text"]).splitlines()
    assert lines[1].startswith("• 📅 Besok: Bimtek Uji"), lines
    assert "Bapak/Ibu belum menjawab undangan ini." in lines[2], lines
    assert item.message["summary"].startswith("📅 Besok: Bimtek Uji")
    assert "belum menjawab" not in item.message["summary"]
    stamp = schedule_stamp(days)
    data = [b["data"] for row in item.message["buttons"] for b in row]
    assert data == [f"tr:{training_id}:a:{stamp}", f"tr:{training_id}:b:{stamp}"], data
    if channel == "whatsapp":
        message = Outbound.model_validate(item.message)
        (body,) = render(message, app.catalog, "id").bodies
        titles = [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]]
        assert titles == ["✅ Akan hadir", "🙏 Berhalangan"]
    assert "Besok: Bimtek Uji" in plain(answered.message["text"])
    assert "belum menjawab" not in answered.message["text"]
    # QA walk 15: its only button was "Buat laporan baru"; now the schedule and the check-in
    data = [b["data"] for row in answered.message["buttons"] for b in row]
    assert data[:2] == ["menu:jadwal", "menu:hadir"], data


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_tomorrows_line_names_the_address_and_how_to_check_in(tmp_path, channel):
    """QA walk 15: "📅 Besok: Bimtek PSM, pukul 08.00 di Aula." dropped the street and said
    nothing of the check-in. Its buttons open the schedule and the check-in as /jadwal and
    /hadir do, on both channels."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.trainings.set_rsvp(training_id, ani.id, "akan_hadir", at(2, 9))
            if channel == "whatsapp":  # known there too: its buttons tapped there
                await repos.users.add_identity(
                    user_id=ani.id, channel=channel, external_id=str(ani.id),
                    chat_id=str(ani.id), now=CREATED,
                )  # fmt: skip
            await daily_reminders(repos, app, at(7, 16))
            (item,) = await repos.outbox.for_user(ani.id)
        lines = plain(item.message["text"]).splitlines()
        assert lines[1] == "• 📅 Besok: Bimtek Uji, pukul 08.00 di Aula, Jl. Siliwangi 88.", lines
        assert lines[2].strip().startswith("Absen dibuka pukul 07.00: di lokasi ketik"), lines
        labels = [b["label"] for row in item.message["buttons"] for b in row]
        assert labels[:2] == ["📅 Jadwal bimtek", "📍 Absen hadir"], labels
        schedule = await send(db, app, ani, channel, data="menu:jadwal", now=at(7, 17))
        assert "Bimtek Uji" in said(schedule) and "Akan hadir" in said(schedule), said(schedule)
        checked = await send(db, app, ani, channel, data="menu:hadir", now=at(8, 8))
        assert "Ketik kode 6 angka" in said(checked), said(checked)
    finally:
        await db.close()
