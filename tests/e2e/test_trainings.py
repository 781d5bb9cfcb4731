"""Trainings (Bimtek) end to end over the fake Bot API with an injected clock: creation and
invitations, RSVPs, reminders, check-in by code and location, hand-set status, export, no
cancel once under way; and an RSVP and a check-in by code and location over WhatsApp. A
forwarded location is refused on both channels (asked again)."""

from __future__ import annotations

import html
import io
import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from handlers.trainings.codes import code_for, slot_of
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import open_db
from tests.e2e.training_helpers import tap_exactly
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.fakes.telegram_api import FakeTelegram

WIB = ZoneInfo("Asia/Jakarta")
CREATED = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
VENUE = (-6.9755, 108.4836)  # Aula Dinas Sosial, Kuningan
NEAR = (-6.9756, 108.4837)  # about 15 m away
FAR = (-6.9655, 108.4836)  # about 1.1 km away
COORDINATOR = 500
TITLE = "Bimtek Pendataan PPKS"


def plain(text: str) -> str:
    """What a person sees of a Telegram HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


async def _people(settings: Settings) -> None:
    """Registered a month before the training is created: by its eve, every PSM has been
    quiet for over 7 days, so each gets a daily reminder (with or without a training line)."""
    registered = CREATED - timedelta(days=30)
    await add_user(
        settings,
        role="coordinator",
        telegram_id=COORDINATOR,
        name="Ibu Sari",
        kabupaten="32.08",
        now=registered,
    )
    await add_user(
        settings,
        role="tksk",
        telegram_id=601,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
        now=registered,
    )
    for telegram_id, name, kecamatan, desa in (
        (701, "Bu Ani", "32.08.01", "32.08.01.2006"),
        (702, "Pak Joko", "32.08.02", "32.08.02.2001"),
        (703, "Bu Rina", "32.08.01", "32.08.01.2001"),  # never starts the bot
        (704, "Pak Dedi", "32.08.02", "32.08.02.2001"),
    ):
        await add_user(
            settings,
            role="psm",
            telegram_id=telegram_id,
            name=name,
            kabupaten="32.08",
            kecamatan=kecamatan,
            desa=desa,
            now=registered,
        )


async def _share_location(
    fake: FakeTelegram,
    person: TelegramPerson,
    point: tuple[float, float],
    *,
    forwarded_from: str | None = None,
) -> list[dict[str, Any]]:
    before = len(person.messages())
    fake.user_location(person.user_id, *point, forwarded_from=forwarded_from)
    return (await fake.wait_sent(person.user_id, before + 1))[before:]


async def _create(coordinator: TelegramPerson, fake: FakeTelegram) -> list[dict[str, Any]]:
    """Walk /bimtek_baru: two days, all PSM, code and location; returns the final report."""
    first = await coordinator.say("/bimtek_baru")
    assert "Bimtek baru" in plain(first[0]["text"]) and "judul" in plain(first[0]["text"])
    await coordinator.say(TITLE)
    await coordinator.say("Aula Dinas Sosial")
    asked = await coordinator.say("Jl. Siliwangi No. 88, Kuningan")
    assert asked[0]["reply_markup"]["keyboard"][0][0]["request_location"] is True
    before = len(coordinator.messages())
    fake.user_location(COORDINATOR, *VENUE)
    radius = (await fake.wait_sent(COORDINATOR, before + 2))[-1]
    assert "meter" in radius["text"]
    future = await coordinator.say("150")
    assert "Tanggal pelaksanaan" in plain(future[0]["text"])
    refused = await coordinator.say("30-11-2026")  # training dates are in the future
    assert "sudah lewat" in plain(refused[0]["text"])
    await coordinator.say("8-12-2026")
    wrong_time = await coordinator.say("jam 25")
    assert "08.00" in plain(wrong_time[0]["text"])
    await coordinator.say("jam 8 pagi")  # times as people write them
    more = await coordinator.say("12.00")
    assert "Tambah hari lain" in plain(more[0]["text"])
    await coordinator.tap("Ya")
    await coordinator.say("9-12-2026")
    await coordinator.say("08:00")
    await coordinator.say("12.00")
    audience = await coordinator.tap("Tidak")
    assert "Siapa yang diundang" in plain(audience[0]["text"])
    await tap_exactly(coordinator, "Semua PSM")
    await coordinator.say("7-12-2026")
    await coordinator.tap("Kode dan lokasi")
    await coordinator.say("60")
    summary = await coordinator.say("15")
    assert "Periksa" in plain(summary[0]["text"]) or "Ringkasan" in plain(summary[0]["text"])
    assert "Tanggal (2): Rabu, 09-12-2026" in plain(summary[0]["text"])
    preview = await coordinator.tap("✅ Kirim")
    assert "akan dikirim ke 4 orang" in plain(preview[0]["text"])
    return await coordinator.tap("📨 Kirim undangan")


def _code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


async def _page(coordinator: TelegramPerson, title: str = TITLE) -> str:
    listing = await coordinator.say("/bimtek")
    assert title in listing[0]["reply_markup"]["inline_keyboard"][0][0]["text"]
    page = await coordinator.tap(title)
    return plain(page[0]["text"])


def _secret(settings: Settings) -> str:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT secret FROM trainings").fetchone()[0]


def _wrong_code(secret: str, now: datetime) -> str:
    slot = slot_of(now)
    taken = {code_for(secret, slot - back) for back in range(13)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in taken)


async def test_training_from_invitation_to_daftar_hadir(fake, settings, start_bot) -> None:
    await _people(settings)
    clock = ManualClock(CREATED)
    runtime = await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    ani, joko, dedi = (TelegramPerson(fake, n) for n in (701, 702, 704))
    tono = TelegramPerson(fake, 601)
    for person in (ani, joko, dedi, tono):
        await person.say("/start")

    # -- creation: exactly the invited people; the one the bot cannot reach is listed -----------
    report = await _create(coordinator, fake)
    assert "Undangan dikirim ke 4 orang" in plain(report[0]["text"])
    assert "1 orang belum bisa dihubungi" in plain(report[0]["text"])
    assert "Bu Rina" in plain(report[0]["text"]) and "Bu Ani" not in plain(report[0]["text"])
    for person in (ani, joko, dedi):
        await fake.wait_for(
            lambda p=person: any("Undangan bimtek" in m["text"] for m in p.messages()),
            what=f"invitation to {person.user_id}",
        )
    invitation = next(m for m in ani.messages() if "Undangan bimtek" in m["text"])
    assert "Hari 1: Selasa, 8 Desember 2026, pukul 08.00–12.00 WIB" in plain(invitation["text"])
    assert "Hari 2: Rabu, 9 Desember 2026" in plain(invitation["text"])
    labels = [b["text"] for b in invitation["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["✅ Akan hadir", "🙏 Berhalangan"]  # never "Hadir"
    assert not any("Undangan bimtek" in m["text"] for m in tono.messages())  # TKSK: not invited
    with sqlite3.connect(settings.database_path) as db:
        invited = db.execute(
            "SELECT group_concat(u.full_name, ',') FROM training_invitations i"
            " JOIN users u ON u.id = i.user_id"
        ).fetchone()[0]
        waiting = db.execute(
            "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id"
            " WHERE u.full_name = 'Bu Rina' AND o.status = 'waiting'"
        ).fetchone()[0]
    assert sorted(invited.split(",")) == ["Bu Ani", "Bu Rina", "Pak Dedi", "Pak Joko"]
    assert waiting == 1  # delivered when she starts the bot

    # -- RSVPs: a change of mind, a Berhalangan with its reason ---------------------------------
    yes = await ani.tap("Akan hadir")
    assert "akan hadir" in plain(yes[0]["text"])
    asked = await ani.tap("Berhalangan")
    assert "Berhalangan karena apa" in plain(asked[0]["text"])
    await ani.tap("Izin")
    noted = await ani.say("Ada acara keluarga")
    assert "berhalangan (Izin)" in plain(noted[0]["text"])
    again = await ani.tap("Akan hadir")  # changed her mind back
    assert "akan hadir" in plain(again[0]["text"])
    await joko.tap("Berhalangan")
    await joko.tap("Sakit")
    await joko.say("Demam tinggi")

    page = await _page(coordinator)
    assert "Diundang: 4 · Akan hadir: 1 · Berhalangan: 1 · Belum menjawab: 2" in page
    assert "Belum menjawab: 2 (1 di antaranya belum terjangkau bot)" in page  # Bu Rina
    reminded = await coordinator.tap("Ingatkan")
    assert "dikirim ke 1 orang" in plain(reminded[0]["text"])  # Pak Dedi
    # Bu Rina never started the bot: her invitation waits for her, no reminder on top of it.
    assert "1 orang tidak diingatkan" in plain(reminded[0]["text"])
    await fake.wait_for(
        lambda: any("belum menjawab undangan" in m["text"] for m in dedi.messages()),
        what="the reminder to answer",
    )
    await dedi.tap("Akan hadir")

    schedule = await ani.say("/jadwal")
    assert "Selasa, 8 Desember 2026, pukul 08.00–12.00 WIB" in plain(schedule[0]["text"])
    assert "Jawaban Bapak/Ibu: Akan hadir" in plain(schedule[0]["text"])
    assert "Akan hadir" in schedule[0]["reply_markup"]["inline_keyboard"][0][0]["text"]

    # -- the day before: a line of the daily reminder ------------------------------------------
    assert runtime.scheduler is not None
    clock.set(at(7, 16, 30))
    before = {p.user_id: len(p.messages()) for p in (ani, joko)}
    await runtime.scheduler.tick()
    daily = (await fake.wait_sent(701, before[701] + 1))[-1]["text"]
    assert "Besok: Bimtek Pendataan PPKS, pukul 08.00 di Aula Dinas Sosial" in daily
    await fake.wait_sent(702, before[702] + 1)  # Pak Joko's daily reminder: no training line
    assert "Besok: bimtek" not in plain(joko.messages()[-1]["text"])

    # -- after the deadline answers no longer change ---------------------------------------------
    clock.set(at(8, 0, 30))
    late_answer = await ani.tap("Berhalangan")
    assert "sudah lewat" in plain(late_answer[0]["text"]) and "Akan hadir" in plain(
        late_answer[0]["text"]
    )

    # -- the morning of day 1: those coming or silent, not those who declined --------------------
    clock.set(at(8, 6, 30))
    counts = {p.user_id: len(p.messages()) for p in (ani, joko, dedi)}
    await runtime.scheduler.tick()
    for person in (ani, dedi):
        morning = (await fake.wait_sent(person.user_id, counts[person.user_id] + 1))[-1]
        assert "Hari ini: Bimtek Pendataan PPKS" in morning["text"] and "07.00" in morning["text"]
    assert len(joko.messages()) == counts[702]
    await runtime.scheduler.tick()  # claimed: nothing twice
    assert len(ani.messages()) == counts[701] + 1

    # -- check-in: before the window, wrong, rotated-out, outside, inside, twice, late -----------
    clock.set(at(8, 6, 50))
    early = await ani.say("/hadir 123456")
    assert "belum dibuka" in plain(early[0]["text"]) and "07.00" in plain(early[0]["text"])
    clock.set(at(8, 7, 30))
    await _page(coordinator)
    shown = await coordinator.tap("Kode absen")
    code = _code_in(plain(shown[0]["text"]))
    secret = _secret(settings)
    assert code == code_for(secret, slot_of(clock.now()))
    wrong = await ani.say(f"/hadir {_wrong_code(secret, clock.now())}")
    assert "Kode itu salah" in plain(wrong[0]["text"])
    stale = code_for(secret, slot_of(clock.now()) - 2)
    expired = await ani.say(f"/hadir {stale}")
    assert "kedaluwarsa" in plain(expired[0]["text"])
    ask_location = await ani.say(f"/hadir {code[:3]} {code[3:]}")
    assert ask_location[0]["reply_markup"]["keyboard"][0][0]["request_location"] is True
    too_far = await _share_location(fake, ani, FAR)
    assert "meter dari tempat bimtek" in plain(too_far[0]["text"]) and "150 meter" in plain(
        too_far[0]["text"]
    )
    await ani.say(f"/hadir {code}")
    present = await _share_location(fake, ani, NEAR)
    assert "Tercatat hadir" in plain(present[0]["text"]) and "07.30" in plain(present[0]["text"])
    assert "terlambat" not in plain(present[0]["text"])
    twice = await ani.say(f"/hadir {code}")
    assert "sudah tercatat Hadir" in plain(twice[0]["text"])

    clock.set(at(8, 8, 17))
    shown = await coordinator.tap("Kode terbaru")
    previous_code = _code_in(plain(shown[0]["text"]))
    clock.set(at(8, 8, 21))  # the code shown 4 minutes ago is the previous slot's: accepted
    await dedi.say(f"/hadir {previous_code}")
    late = await _share_location(fake, dedi, NEAR)
    assert "Tercatat hadir" in plain(late[0]["text"]) and "terlambat" in plain(late[0]["text"])

    # -- status by hand: a walk-in without a phone ---------------------------------------------
    await _page(coordinator)
    days = await coordinator.tap("Ubah status")
    assert "hari ke berapa" in plain(days[0]["text"])
    people = await coordinator.tap("Hari 1")
    names = [row[0]["text"] for row in people[0]["reply_markup"]["inline_keyboard"][:4]]
    assert names == [
        "Bu Ani · Hadir",
        "Bu Rina · belum ada",
        "Pak Dedi · Hadir",
        "Pak Joko · Sakit",
    ]
    await coordinator.tap("Bu Rina")
    done = await coordinator.tap("Hadir")
    assert "Status Bu Rina hari 1: Hadir" in plain(done[0]["text"])

    clock.set(at(8, 8, 30))
    await _page(coordinator)
    closed = await coordinator.tap("Tutup absen", expect=2)
    assert "Absen hari 1 ditutup" in plain(closed[0]["text"])
    assert "Hari 1: hadir 3 (terlambat 1) · izin 0 · sakit 1 · tidak hadir 0" in plain(
        closed[1]["text"]
    )
    after_close = await ani.say("/hadir 123456")
    assert "sudah tercatat Hadir" in plain(after_close[0]["text"])
    outsider = await joko.say("/hadir 123456")
    assert "sudah ditutup" in plain(outsider[0]["text"])

    # -- export: the daftar hadir, row by row --------------------------------------------------
    preparing, *exported = await coordinator.tap("Ekspor", expect=3)  # off the writer
    assert "Sedang disiapkan" in preparing["text"]
    assert "Daftar hadir Bimtek Pendataan PPKS (4 peserta)" in exported[0]["caption"]
    assert exported[1]["document"].data.startswith(b"%PDF")
    workbook = openpyxl.load_workbook(io.BytesIO(exported[0]["document"].data))
    assert workbook.sheetnames == ["Hari 1", "Hari 2"]
    sheet = [[c or "" for c in row] for row in workbook["Hari 1"].iter_rows(values_only=True)]
    assert sheet[0][0] == "DAFTAR HADIR" and sheet[1][0] == TITLE
    assert sheet[2][0].startswith("Hari 1: Selasa, 8 Desember 2026")
    header = sheet[5]
    assert header == [
        "No", "Nama", "Peran", "Kecamatan", "Desa/Kelurahan", "No. HP", "Konfirmasi",
        "Keterangan", "Kehadiran", "Terlambat", "Jam absen", "Cara absen", "Tanda tangan",
    ]  # fmt: skip
    rows = [dict(zip(header, row, strict=True)) for row in sheet[6:]]
    assert [r["Nama"] for r in rows] == ["Bu Ani", "Bu Rina", "Pak Dedi", "Pak Joko"]
    expected = [
        ("Akan hadir", "", "Hadir", "", "07.30", "Kode dan lokasi"),
        ("Belum menjawab", "", "Hadir", "", "", "Dicatat petugas"),
        ("Akan hadir", "", "Hadir", "Ya", "08.21", "Kode dan lokasi"),
        ("Berhalangan (Sakit)", "Demam tinggi", "Sakit", "", "", ""),
    ]
    for row, (answer, reason, status, late_flag, time, method) in zip(rows, expected, strict=True):
        assert row["Konfirmasi"] == answer and row["Keterangan"] == reason
        assert row["Kehadiran"] == status and row["Terlambat"] == late_flag
        assert row["Jam absen"] == time and row["Cara absen"] == method
        assert row["Tanda tangan"] == "" and row["Peran"] == "PSM"
    assert rows[0]["Kecamatan"] == "Kadugede" and rows[0]["Desa/Kelurahan"] == "Babatan"
    day_two = [[c or "" for c in r] for r in workbook["Hari 2"].iter_rows(values_only=True)]
    assert [r[8] for r in day_two[6:]] == ["", "", "", "Sakit"]  # day 2 has not happened yet

    # -- under way (day 1 closed, day 2 to come): no Batalkan; one from before is refused -------
    await _page(coordinator)
    keyboard = coordinator.all_with_buttons()[-1]["reply_markup"]["inline_keyboard"]
    shown = [button["text"] for row in keyboard for button in row]
    assert not any(word in label for label in shown for word in ("Batalkan", "Kode", "Tutup"))
    refused = await coordinator.tap("Batalkan")  # on a page of 7 Dec
    assert "tidak bisa dibatalkan" in plain(refused[0]["text"])
    with sqlite3.connect(settings.database_path) as db:
        actions = [
            r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'training.%'")
        ]
    assert actions == [
        "training.created",
        "training.code_wrong",  # the one wrong code (the expired one is not counted)
        "training.status_set",
        "training.checkin_closed",
        "training.export",
    ]
    assert fake.rejections == []


async def test_cancelled_before_it_begins_every_invitee_is_told(fake, settings, start_bot) -> None:
    """The eve of day 1: "❌ Batalkan" cancels and tells the invitees; the creation report
    said where to ask for the number of the one the bot cannot reach (none on record)."""
    await _people(settings)
    clock = ManualClock(CREATED)
    await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    ani = TelegramPerson(fake, 701)
    await ani.say("/start")
    report = plain((await _create(coordinator, fake))[0]["text"])
    assert "• Bu Rina (Sindangjawa): nomor HP belum ada, tanyakan ke TKSK Kec. Kadugede" in report
    clock.set(at(7, 10))
    await _page(coordinator)
    await coordinator.tap("Batalkan")
    cancelled = await coordinator.tap("Ya, batalkan")
    assert "dibatalkan; 4 peserta diberi tahu" in plain(cancelled[0]["text"])
    await fake.wait_for(
        lambda: "dibatalkan" in plain(ani.messages()[-1]["text"]), what="the cancellation notice"
    )


# -- WhatsApp ---------------------------------------------------------------------------------


async def test_rsvp_and_check_in_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    psm_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7101,
        name="Bu Wulan",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    with open_db(wa_settings.database_path) as db:  # known on WhatsApp by her phone
        db.execute(
            "INSERT INTO channel_identities (user_id, channel, external_id, phone, phone_verified)"
            " VALUES (?, 'whatsapp', 'ID.2001', '+6281234500021', 1)",
            (psm_id,),
        )
    clock = ManualClock(CREATED)
    await start_wa_clock_bot(clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    wulan = WhatsAppPerson(graph, webhook_url, "ID.2001", "6281234500021", clock=clock)
    await wulan.say("halo")

    await coordinator.say("/bimtek_baru")
    await coordinator.say(TITLE)
    await coordinator.say("Aula Dinas Sosial")
    await coordinator.say("Jl. Siliwangi No. 88, Kuningan")
    before = len(coordinator.messages())
    fake.user_location(COORDINATOR, *VENUE)
    await fake.wait_sent(COORDINATOR, before + 2)
    await coordinator.say("150")
    await coordinator.say("8-12-2026")
    await coordinator.say("08.00")
    await coordinator.say("12.00")
    await coordinator.tap("Tidak")
    await coordinator.tap("PSM satu kecamatan")
    await coordinator.say("kadugede")
    await coordinator.say("7-12-2026")
    await coordinator.tap("Kode dan lokasi")
    await coordinator.say("60")
    await coordinator.say("15")
    preview = await coordinator.tap("✅ Kirim")
    assert "akan dikirim ke 1 orang" in plain(preview[0]["text"])
    await coordinator.tap("📨 Kirim undangan")

    invitation = (await graph.wait_messages(wulan.recipient, 2))[-1]
    assert "Undangan bimtek" in body_of(invitation)
    titles = [b["reply"]["title"] for b in invitation["interactive"]["action"]["buttons"]]
    assert titles == ["✅ Akan hadir", "🙏 Berhalangan"]
    yes = await wulan.tap("Akan hadir")
    assert "*akan hadir*" in body_of(yes[0])

    clock.set(at(8, 7, 40))
    await _page(coordinator)
    code = _code_in((await coordinator.tap("Kode absen"))[0]["text"])
    asked = await wulan.say(f"hadir {code}")
    assert asked[0]["interactive"]["type"] == "location_request_message"
    for forwarded in ("forwarded", "frequently_forwarded"):  # not where she is: asked again
        refused = await wulan.share_location(*NEAR, forwarded=forwarded)
        assert "diteruskan dari obrolan lain" in body_of(refused[0])
        assert refused[0]["interactive"]["type"] == "location_request_message"
    present = await wulan.share_location(*NEAR)
    assert "Tercatat *hadir*" in body_of(present[0]) and "07.40" in body_of(present[0])
    again = await wulan.say(f"hadir {code}")
    assert "sudah tercatat *Hadir*" in body_of(again[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT status, late, method FROM training_attendance").fetchall() == [
            ("hadir", 0, "both")
        ]
    assert graph.rejections == [] and fake.rejections == []


async def test_a_tksk_training_for_their_kecamatan_with_check_in_by_location(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    for telegram_id, role, name, kecamatan, desa in (
        (601, "tksk", "Pak Tono", "32.08.01", None),
        (602, "tksk", "Pak Budi", "32.08.02", None),
        (701, "psm", "Bu Ani", "32.08.01", "32.08.01.2006"),
        (702, "psm", "Pak Joko", "32.08.02", "32.08.02.2001"),
    ):
        await add_user(
            settings,
            role=role,
            telegram_id=telegram_id,
            name=name,
            kabupaten="32.08",
            kecamatan=kecamatan,
            desa=desa,
        )
    clock = ManualClock(CREATED)
    await start_bot(clock=clock)
    tono, budi, ani, joko = (TelegramPerson(fake, n) for n in (601, 602, 701, 702))
    coordinator = TelegramPerson(fake, COORDINATOR)
    for person in (coordinator, tono, budi, ani, joko):
        await person.say("/start")

    await tono.say("/bimtek_baru")
    await tono.say("Bimtek PSM Kadugede")
    await tono.say("Balai Desa Babatan")
    await tono.say("Jl. Raya Babatan 1")
    before = len(tono.messages())
    fake.user_location(601, *VENUE)
    await fake.wait_sent(601, before + 2)
    await tono.say("100")
    await tono.say("8-12-2026")
    await tono.say("08.00")
    await tono.say("12.00")
    deadline = await tono.tap("Tidak")  # a TKSK is not asked whom: the PSM of their kecamatan
    assert "konfirmasi kehadiran" in plain(deadline[0]["text"])
    problem = await tono.say("9-12-2026")  # after the first day: asked again at once
    assert "paling lambat Senin, 07-12-2026, sehari sebelum" in plain(problem[0]["text"])
    await tono.tap("✓ Senin, 07-12-2026")  # the day before the first day, suggested
    await tono.tap("Lokasi peserta")
    await tono.say("60")
    await tono.say("15")
    preview = await tono.tap("✅ Kirim")
    assert "akan dikirim ke 1 orang" in plain(preview[0]["text"])
    await tono.tap("📨 Kirim undangan")
    await fake.wait_for(
        lambda: any("Undangan bimtek" in m["text"] for m in ani.messages()), what="invitation"
    )
    assert not any("Undangan bimtek" in m["text"] for m in joko.messages())
    await ani.tap("Akan hadir")

    assert "Belum ada bimtek" in plain((await budi.say("/bimtek"))[0]["text"])  # other kecamatan
    page = await _page(coordinator, "Bimtek PSM Kadugede")  # the kabupaten's coordinator
    assert "Diundang: 1 · Akan hadir: 1" in page
    assert "tidak berwenang" in plain((await ani.say("/bimtek"))[0]["text"])
    assert "tidak berwenang" in plain((await ani.say("/bimtek_baru"))[0]["text"])

    clock.set(at(8, 7, 10))
    none_today = await joko.say("/hadir")
    assert "Tidak ada bimtek hari ini" in plain(none_today[0]["text"])
    asked = await ani.say("/hadir")  # location only: no code needed
    assert asked[0]["reply_markup"]["keyboard"][0][0]["request_location"] is True
    typed = await ani.say("-6.9755, 108.4836")  # typed coordinates are not a presence
    assert "bukan diketik" in plain(typed[0]["text"])
    await ani.say("/hadir")
    forwarded = await _share_location(fake, ani, NEAR, forwarded_from="Bu Rina")
    assert "diteruskan dari obrolan lain" in plain(forwarded[0]["text"])  # asked again
    assert forwarded[0]["reply_markup"]["keyboard"][0][0]["request_location"] is True
    present = await _share_location(fake, ani, NEAR)
    assert "Tercatat hadir" in plain(present[0]["text"])
    assert present[0]["reply_markup"] == {"remove_keyboard": True}
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute(
            "SELECT t.kecamatan_code, a.method, a.distance_m < 100 FROM training_attendance a"
            " JOIN training_days d ON d.id = a.day_id JOIN trainings t ON t.id = d.training_id"
        ).fetchall() == [("32.08.01", "location", 1)]
    assert fake.rejections == []
