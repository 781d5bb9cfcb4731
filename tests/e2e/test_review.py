"""The review round-trip on Telegram: TKSK verification, coordinator validation, the
reporter told at every step, revision with every version kept, search within scope."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import CHILD_NIK, Report, walk_report
from tests.e2e.review_steps import ASKED, QUICK_CHECK, verify

PSM, TKSK, COORDINATOR, OTHER_TKSK = 700, 600, 500, 601
DIFFERENCE = "Anaknya sekarang tinggal dengan neneknya"  # what the TKSK's visit found


@pytest.fixture
async def people(fake, settings, start_bot):
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        settings,
        role="tksk",
        telegram_id=TKSK,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    await add_user(
        settings,
        role="tksk",
        telegram_id=OTHER_TKSK,
        name="Pak Budi",
        kabupaten="32.08",
        kecamatan="32.08.02",
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_bot()
    found = {}
    for user_id in (COORDINATOR, TKSK, OTHER_TKSK, PSM):
        found[user_id] = TelegramPerson(fake, user_id)
        await found[user_id].say("/start")
    return found


async def _report(fake, psm: TelegramPerson) -> str:
    await walk_report(psm, Report(photos=0), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    # The TKSK's notice comes on its own; wait for it so later replies are not mixed up.
    await fake.wait_for(
        lambda: any(number in m["text"] for m in fake.sent_to(TKSK)), what="TKSK notice"
    )
    return number


async def _told(fake, person: TelegramPerson, before: int, text: str) -> str:
    """Wait until the person got a message containing `text` (other notices may come too)."""
    await fake.wait_for(
        lambda: any(text in m["text"] for m in person.messages()[before:]),
        what=f"{text!r} to {person.user_id}",
    )
    return next(m["text"] for m in person.messages()[before:] if text in m["text"])


def _state(settings, number: str) -> str:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT state FROM cases WHERE number = ?", (number,)).fetchone()[0]


async def test_the_whole_round_trip(fake, settings, people) -> None:
    psm, tksk, coordinator = people[PSM], people[TKSK], people[COORDINATOR]
    number = await _report(fake, psm)

    queue = await tksk.say("/antrian", until="Antrian")
    assert number in str(queue[0]["reply_markup"])
    page = await tksk.tap(number, until="Riwayat")
    assert "320801******0001" in page[0]["text"] and CHILD_NIK not in page[0]["text"]
    assert "maps.google.com" in page[0]["text"]
    before_psm, before_coordinator = len(psm.messages()), len(coordinator.messages())
    # Verifying asks what the check in the field found; Batal under each question.
    asked = await tksk.tap("Verifikasi", until="Bagaimana laporan ini diperiksa?")
    assert "Batal" in str(asked[0]["reply_markup"])
    await tksk.tap("Dikunjungi langsung")
    await tksk.tap("Ada perbedaan")
    await tksk.say(DIFFERENCE)
    before = len(tksk.messages())
    fake.user_location(TKSK, -6.98765, 108.48321)
    await fake.wait_for(
        lambda: any("Periksa kembali" in m["text"] for m in tksk.messages()[before:]),
        what="the check's summary",
    )
    assert _state(settings, number) == "submitted"  # not before it is sent
    await tksk.tap("Kirim", until="sekarang")
    await _told(fake, psm, before_psm, "Diverifikasi")
    notice = await _told(fake, coordinator, before_coordinator, "menunggu validasi")
    check = "Dikunjungi langsung · Ada perbedaan · Catatan pemeriksaan: " + DIFFERENCE
    assert f"🔎 Hasil pemeriksaan: {check} · 📍 lokasi dicatat" in notice
    assert _state(settings, number) == "verified"

    await coordinator.say("/antrian", until="Antrian")
    page = await coordinator.tap(number, until="Riwayat")
    assert f"Diverifikasi (Pak Tono) — {check}" in page[0]["text"]
    assert "maps.google.com/?q=-6.98765,108.48321" in page[0]["text"]
    before_psm = len(psm.messages())
    ask = await coordinator.tap("Minta perbaikan")
    # Said what sending back does, asked what to correct, with a Batal.
    assert "dikembalikan ke pelapor <b>untuk diperbaiki</b>" in ask[0]["text"]
    assert "Apa yang perlu diperbaiki pelapor?" in ask[0]["text"]
    assert "Batal" in str(ask[0]["reply_markup"])
    await coordinator.say("Mohon lengkapi alamat dengan nomor rumah")
    note = await _told(fake, psm, before_psm, "Perlu perbaikan")
    assert "nomor rumah" in note
    assert _state(settings, number) == "needs_revision"
    queue = await tksk.say("/antrian", until="Antrian")  # only what waits for the reporter
    assert "Tidak ada laporan yang menunggu tindakan Bapak/Ibu" in queue[0]["text"]
    assert _queue_order(queue[0]) == [f"✏️ {number} · Slamet Riyadi · Babatan · Perlu perbaikan"]

    summary = await psm.tap("Perbaiki laporan")
    assert "Perbaikan laporan" in summary[0]["text"]
    await psm.tap("Ubah jawaban")
    await psm.tap("Alamat")
    await psm.say("Dusun Manis RT 02 RW 05 No. 17")
    before_tksk, before_coordinator = len(tksk.messages()), len(coordinator.messages())
    resubmitted = await psm.tap("Kirim")
    assert "Perbaikan laporan" in resubmitted[0]["text"]
    await _told(fake, tksk, before_tksk, "diajukan ulang")
    # Notices go behind replies (and may wait for the pace): each one the coordinator gets
    # is waited for before they tap, else it lands in a step that expects one reply.
    await _told(fake, coordinator, before_coordinator, "kembalikan sudah diperbaiki")
    assert _state(settings, number) == "resubmitted"
    with sqlite3.connect(settings.database_path) as db:
        versions = db.execute("SELECT COUNT(*) FROM case_versions").fetchone()[0]
        address = db.execute("SELECT answers FROM cases WHERE number = ?", (number,)).fetchone()
    assert versions == 1 and "No. 17" in address[0]

    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before_coordinator = len(coordinator.messages())
    await verify(tksk)
    await _told(fake, coordinator, before_coordinator, "menunggu validasi")
    await coordinator.say("/antrian", until="Antrian")
    await coordinator.tap(number, until="Riwayat")
    before_psm = len(psm.messages())
    await coordinator.tap("Validasi", until="sekarang")
    await _told(fake, psm, before_psm, "Disetujui")
    await coordinator.say(f"/cari {number}", until="Ditemukan")
    await coordinator.tap(number, until="Riwayat")
    await coordinator.tap("Catat kunjungan")
    await coordinator.tap("Hari ini")
    await coordinator.say("Rujukan ke puskesmas")
    await coordinator.tap("Lewati")  # no next visit planned
    before_psm = len(psm.messages())
    await coordinator.tap("Kirim", until="sudah dicatat")
    told = await _told(fake, psm, before_psm, "Dalam tindak lanjut")
    assert "Kunjungan tindak lanjut dilakukan" in told and "puskesmas" not in told
    await coordinator.say(f"/cari {number}", until="Ditemukan")
    await coordinator.tap(number, until="Riwayat")
    await coordinator.tap("Selesai")
    before_psm = len(psm.messages())
    await coordinator.say("Sudah menerima bantuan gizi")
    await _told(fake, psm, before_psm, "Selesai")
    assert _state(settings, number) == "resolved"
    with sqlite3.connect(settings.database_path) as db:
        events = [
            r[0]
            for r in db.execute(
                "SELECT to_state FROM case_events e JOIN cases c ON c.id = e.case_id"
                " WHERE c.number = ? ORDER BY e.id",
                (number,),
            )
        ]
    assert events == [
        "submitted",
        "verified",
        "needs_revision",
        "resubmitted",
        "verified",
        "approved",
        "in_follow_up",
        "resolved",
    ]
    assert fake.rejections == []


async def test_out_of_scope_cases_are_not_found_and_not_acted_on(fake, settings, people) -> None:
    number = await _report(fake, people[PSM])
    other = people[OTHER_TKSK]
    found = await other.say(f"/cari {number}")
    assert "Tidak ada laporan" in found[0]["text"]
    by_nik = await other.say(f"/cari {CHILD_NIK}")
    assert "Tidak ada laporan" in by_nik[0]["text"]
    with sqlite3.connect(settings.database_path) as db:
        (case_id, version) = db.execute("SELECT id, version FROM cases").fetchone()
        audit = " ".join(
            db.execute(
                "SELECT subject, detail FROM audit_log WHERE action = 'case.search'"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()
        )
    assert CHILD_NIK not in audit and "nik-hmac:" in audit  # searched NIKs only as a keyed hash
    forged = await other.tap_data(f"ca:v:{case_id}:{version}", 1)
    assert "tidak ditemukan" in forged[0]["text"]  # says nothing of a case out of scope
    shown = await other.tap_data(f"cs:{case_id}", 1)
    assert "tidak ditemukan" in shown[0]["text"]
    assert _state(settings, number) == "submitted"
    # The PSM cannot act as a reviewer on their own report either.
    psm_try = await people[PSM].tap_data(f"ca:a:{case_id}:{version}", 1)
    assert "tidak" in psm_try[0]["text"]


async def test_two_reviewers_at_once_cannot_both_win(fake, settings, people) -> None:
    number = await _report(fake, people[PSM])
    tksk, coordinator = people[TKSK], people[COORDINATOR]
    with sqlite3.connect(settings.database_path) as db:
        (case_id, version) = db.execute("SELECT id, version FROM cases").fetchone()
    await tksk.tap_data(f"ca:v:{case_id}:{version}", 1, until=ASKED)
    for label in QUICK_CHECK:
        await tksk.tap(label)
    await tksk.tap("Kirim", until="sekarang")
    # A second press with the same (now old) version: nothing happens twice, and no check
    # is asked again; the TKSK hears it was their own doing.
    again = await tksk.tap_data(f"ca:v:{case_id}:{version}", 1)
    assert "Tombol itu dari pesan lama" in again[0]["text"]
    assert ASKED not in again[0]["text"]
    assert f"Laporan {number} sudah Bapak/Ibu verifikasi" in again[0]["text"]
    assert _state(settings, number) == "verified"
    del coordinator


async def test_out_of_scope_views_are_refused_and_audited(fake, settings, people) -> None:
    number = await _report(fake, people[PSM])
    other = people[OTHER_TKSK]
    with sqlite3.connect(settings.database_path) as db:
        (case_id,) = db.execute("SELECT id FROM cases WHERE number = ?", (number,)).fetchone()
        (other_id,) = db.execute("SELECT id FROM users WHERE full_name = 'Pak Budi'").fetchone()
    # Forged presses of another kecamatan's case: the page, its photos, its revision.
    shown = await other.tap_data(f"cs:{case_id}", 1)
    assert "tidak ditemukan" in shown[0]["text"] and number not in shown[0]["text"]
    photos = await other.tap_data(f"cp:{case_id}", 1)
    assert "tidak ditemukan" in photos[0]["text"]
    revise = await other.tap_data(f"rv:{case_id}", 1)
    assert "tidak sedang menunggu perbaikan" in revise[0]["text"]
    with sqlite3.connect(settings.database_path) as db:
        refused = db.execute(
            "SELECT actor_id, subject, detail FROM audit_log WHERE action = 'review.refused'"
            " ORDER BY id"
        ).fetchall()
    assert [(actor, subject) for actor, subject, _ in refused] == [
        (other_id, f"case:{case_id}")
    ] * 3
    assert [json.loads(detail)["view"] for *_, detail in refused] == ["case", "photos", "revise"]


async def test_an_action_no_longer_possible_when_applied_is_audited(fake, settings, people) -> None:
    number = await _report(fake, people[PSM])
    tksk, coordinator = people[TKSK], people[COORDINATOR]
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    await tksk.tap("Minta perbaikan")  # the reason is asked; meanwhile the coordinator rejects
    await coordinator.say("/antrian", until="Antrian")
    await coordinator.tap(number, until="Riwayat")
    await coordinator.tap("Tolak")
    await coordinator.say("Bukan warga Kuningan", until="sekarang")
    # Said as it happened (not "not allowed"), the typed reason given back to copy.
    refused = await tksk.say("Alamat kurang lengkap", until="baru saja diubah oleh")
    assert "<b>Ditolak</b>" in refused[0]["text"]
    assert "<i>Alamat kurang lengkap</i>" in refused[0]["text"]
    assert _state(settings, number) == "rejected"
    with sqlite3.connect(settings.database_path) as db:
        rows = db.execute("SELECT detail FROM audit_log WHERE action = 'review.refused'").fetchall()
    assert [json.loads(detail) for (detail,) in rows] == [{"action": "send_back", "stale": 1}]


def _queue_order(message: dict) -> list[str]:
    return [row[0]["text"] for row in message["reply_markup"]["inline_keyboard"]]


async def test_the_queue_shows_what_waits_for_this_person_first(fake, settings, people) -> None:
    psm, tksk, coordinator = people[PSM], people[TKSK], people[COORDINATOR]
    older = await _report(fake, psm)
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(older, until="Riwayat")
    await verify(tksk)
    await coordinator.say("/antrian", until="Antrian")
    await coordinator.tap(older, until="Riwayat")
    await coordinator.tap("Validasi", until="sekarang")  # approved: follow-up from now on
    await _told(fake, psm, 0, "Disetujui")  # before the next report, not in its middle
    await walk_report(
        psm,
        Report(
            kk=None,
            head="Ujang Suryana",
            member="Dede Kurnia",
            nik=None,
            age="2 th 3 bln",
            photos=0,
        ),
        fake=fake,
    )
    done = await psm.tap("Kirim", expect=2)
    newer = done[0]["text"].split("<b>")[1].split("</b>")[0]

    # The TKSK: the new case to verify (marked as theirs) before the older one in follow-up,
    # each with its state.
    queue = await tksk.say("/antrian", until="Antrian")
    labels = _queue_order(queue[0])
    assert [label.split(" · ")[0] for label in labels] == [f"👉 {newer}", older]
    assert labels[0].endswith(" · Diajukan") and labels[1].endswith(" · Disetujui")
    assert "👉 = menunggu tindakan Bapak/Ibu" in queue[0]["text"]
    # The coordinator: once verified, it waits for their validation: first too.
    await tksk.tap(newer, until="Riwayat")
    await verify(tksk)
    queue = await coordinator.say("/antrian", until="Antrian")
    labels = _queue_order(queue[0])
    assert [label.split(" · ")[0] for label in labels] == [f"👉 {newer}", older]
    assert labels[0].endswith(" · Diverifikasi")

    # Sent back, it waits for the reporter: last for both, marked, still findable here.
    await coordinator.tap(newer, until="Riwayat")
    await coordinator.tap("Minta perbaikan")
    await coordinator.say("Mohon lengkapi alamat", until="sekarang")
    for reviewer in (coordinator, tksk):
        queue = await reviewer.say("/antrian", until="Antrian")
        labels = _queue_order(queue[0])
        assert [label.split(" · ")[0] for label in labels] == [older, f"✏️ {newer}"]
