"""Follow-up visits on Telegram: the TKSK of the kecamatan or a coordinator records a visit
(date, what was done, next visit) on an approved case; the first moves it to in_follow_up;
the visits are listed on the case page and the reporter is told briefly. Bad dates are asked
again; a PSM and a TKSK of another kecamatan are refused and nothing is recorded."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import TodayClock
from tests.e2e.followup_world import (
    case_row,
    day,
    events,
    local_today,
    seed_approved_case,
    visits,
)

PSM, TKSK, COORDINATOR, OTHER_TKSK = 710, 610, 510, 611
NUMBER = "KNG-2026-000101"


@pytest.fixture
async def world(fake, settings, start_bot):
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    for telegram_id, name, kecamatan in (
        (TKSK, "Pak Tono", "32.08.01"),
        (OTHER_TKSK, "Pak Budi", "32.08.02"),
    ):
        await add_user(
            settings,
            role="tksk",
            telegram_id=telegram_id,
            name=name,
            kabupaten="32.08",
            kecamatan=kecamatan,
        )
    psm_id = await add_user(
        settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    case_id = await seed_approved_case(settings, psm_id, NUMBER)
    clock = TodayClock()  # dates typed relative to today: the bot's today must not turn
    await start_bot(clock=clock)
    people = {}
    for user_id in (COORDINATOR, TKSK, OTHER_TKSK, PSM):
        people[user_id] = TelegramPerson(fake, user_id)
        await people[user_id].say("/start")
    return people, case_id, clock


async def _told(fake, person: TelegramPerson, before: int, text: str) -> str:
    await fake.wait_for(
        lambda: any(text in m["text"] for m in person.messages()[before:]),
        what=f"{text!r} to {person.user_id}",
    )
    return next(m["text"] for m in person.messages()[before:] if text in m["text"])


async def test_tksk_records_visits_with_bad_dates_asked_again(fake, settings, world) -> None:
    people, case_id, clock = world
    tksk, psm, coordinator = people[TKSK], people[PSM], people[COORDINATOR]
    queue = await tksk.say("/antrian", until="Antrian")
    assert NUMBER in str(queue[0]["reply_markup"])
    await tksk.tap(NUMBER, until="Riwayat")
    asked = await tksk.tap("Catat kunjungan")
    assert NUMBER in asked[0]["text"] and "Kapan kunjungannya" in asked[0]["text"]
    await tksk.tap("Tanggal lain")
    # Bad dates: in the future, not in the calendar, not a date at all. Each is asked again.
    future = await tksk.say(day(clock, 1))
    assert "belum terjadi" in future[0]["text"] and "Tanggal kunjungan" in future[0]["text"]
    impossible = await tksk.say("31-02-2026")
    assert "tidak ada di kalender" in impossible[0]["text"]
    words = await tksk.say("minggu lalu")
    assert "Mohon ketik tanggal" in words[0]["text"]
    visited = local_today(clock) - timedelta(days=3)
    asked = await tksk.say(day(clock, -3))
    assert "Apa yang dilakukan" in asked[0]["text"]
    short = await tksk.say("ok")
    assert "minimal 3 huruf" in short[0]["text"]
    await tksk.say("Rujukan ke puskesmas, bantuan PMT untuk Ayu")
    past = await tksk.say(day(clock, -1))
    assert "sudah lewat" in past[0]["text"]
    summary = await tksk.say(day(clock, 7))
    assert "Periksa kembali" in summary[0]["text"] and day(clock, 7) in summary[0]["text"]
    assert case_row(settings, case_id)[0] == "approved"  # nothing recorded before "Kirim"

    before_psm = len(psm.messages())
    done = await tksk.tap("Kirim", until="sudah dicatat")
    assert NUMBER in done[0]["text"] and "Dalam tindak lanjut" in done[0]["text"]
    assert day(clock, 7) in done[0]["text"]
    told = await _told(fake, psm, before_psm, NUMBER)
    assert "Dalam tindak lanjut" in told
    assert f"dilakukan tanggal {day(clock, -3)}" in told and f"berikutnya {day(clock, 7)}" in told
    assert "puskesmas" not in told and "Ayu" not in told  # briefly: no visit notes
    assert case_row(settings, case_id)[0] == "in_follow_up"
    assert visits(settings, case_id) == [
        (
            visited.isoformat(),
            "Rujukan ke puskesmas, bantuan PMT untuk Ayu",
            (local_today(clock) + timedelta(days=7)).isoformat(),
            _user_id(settings, TKSK),
        )
    ]

    # A second visit, by the coordinator, today and without a next date: still followed up.
    await coordinator.say(f"/cari {NUMBER}", until="Ditemukan")
    await coordinator.tap(NUMBER, until="Riwayat")
    await coordinator.tap("Catat kunjungan")
    await coordinator.tap("Hari ini")
    await coordinator.say("Pemeriksaan berat badan, naik 0,5 kg")
    summary = await coordinator.tap("Lewati")
    assert "Periksa kembali" in summary[0]["text"]
    await coordinator.tap("Kirim", until="sudah dicatat")
    assert case_row(settings, case_id)[0] == "in_follow_up"
    assert [v[0] for v in visits(settings, case_id)] == [
        visited.isoformat(),
        local_today(clock).isoformat(),
    ]
    assert events(settings, case_id) == ["submitted", "in_follow_up", "in_follow_up"]

    # The case page lists the visits (history), oldest first.
    page = await tksk.say(f"/cari {NUMBER}", until="Ditemukan")
    page = await tksk.tap(NUMBER, until="Riwayat")
    text = page[0]["text"]
    assert "Kunjungan tindak lanjut (2)" in text
    assert text.index("Rujukan ke puskesmas") < text.index("Pemeriksaan berat badan")
    assert f"Berikutnya: {day(clock, 7)}" in text and "(Ibu Sari)" in text
    assert fake.rejections == []


def _user_id(settings, telegram_id: int) -> int:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT user_id FROM channel_identities WHERE channel = 'telegram' AND external_id = ?",
            (str(telegram_id),),
        ).fetchone()[0]


async def test_psm_and_another_kecamatan_are_refused(fake, settings, world) -> None:
    people, case_id, _ = world
    psm, other = people[PSM], people[OTHER_TKSK]
    state, version = case_row(settings, case_id)
    forged = f"ca:f:{case_id}:{version}"
    refused = await psm.tap_data(forged, 1)
    assert "tidak berwenang" in refused[0]["text"]
    refused = await other.tap_data(forged, 1)
    assert "tidak ditemukan" in refused[0]["text"]  # another kecamatan's case: not found
    assert NUMBER not in refused[0]["text"]  # reveals nothing about the case
    shown = await other.tap_data(f"cs:{case_id}", 1)
    assert "tidak ditemukan" in shown[0]["text"]
    # No visit form was opened for them: what they type next is no visit.
    reply = await other.say("Kunjungan palsu")
    assert "sudah dicatat" not in reply[0]["text"]
    assert case_row(settings, case_id) == (state, version)
    assert visits(settings, case_id) == []
    with sqlite3.connect(settings.database_path) as db:
        (refusals,) = db.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.refused'"
        ).fetchone()
    assert refusals >= 2
    assert fake.rejections == []


async def test_the_visit_form_is_stopped_when_the_case_closed_meanwhile(
    fake, settings, world
) -> None:
    people, case_id, _ = world
    tksk, coordinator = people[TKSK], people[COORDINATOR]
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(NUMBER, until="Riwayat")
    await tksk.tap("Catat kunjungan")
    await tksk.tap("Kemarin")
    await tksk.say("Konseling keluarga")
    await tksk.tap("Lewati")
    # Meanwhile the coordinator resolves the case.
    await coordinator.say(f"/cari {NUMBER}", until="Ditemukan")
    await coordinator.tap(NUMBER, until="Riwayat")
    await coordinator.tap("Selesai")
    await coordinator.say("Sudah menerima bantuan", until="Selesai")
    refused = await tksk.tap("Kirim")
    assert "tidak berwenang" in refused[0]["text"] or "diubah" in refused[0]["text"]
    assert case_row(settings, case_id)[0] == "resolved"
    assert visits(settings, case_id) == []
