"""From a training's page, end to end: invite someone by name, reschedule (invitees told,
answers reset), add walk-ins (someone of the area, someone without a phone), and the
daftar hadir export (xlsx row by row, print setup, and the PDF)."""

from __future__ import annotations

import io
import re
import sqlite3

import openpyxl

from bot.admin_tools import add_user
from bot.clock import ManualClock
from handlers.trainings.codes import code_for, slot_of
from tests.e2e.chat import TelegramPerson
from tests.e2e.training_helpers import (
    TITLE,
    at,
    create_training,
    invitation_of,
    open_page,
    plain,
)

COORDINATOR = 500


async def test_reschedule_walk_ins_and_the_printable_daftar_hadir(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    for telegram_id, role, name, kecamatan, desa in (
        (701, "psm", "Bu Ani", "32.08.01", "32.08.01.2006"),
        (702, "psm", "Pak Joko", "32.08.02", "32.08.02.2001"),
        (601, "tksk", "Pak Dedi", "32.08.01", None),
        (602, "tksk", "Pak Budi", "32.08.02", None),
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
    clock = ManualClock(at(1, 9))
    await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    ani, joko, budi = (TelegramPerson(fake, n) for n in (701, 702, 602))
    for person in (coordinator, ani, joko, budi):
        await person.say("/start")
    await create_training(coordinator)  # all PSM: Bu Ani and Pak Joko
    for person in (ani, joko):
        await invitation_of(fake, person)
    await ani.tap("Akan hadir")
    await joko.tap("Berhalangan")
    await joko.tap("Izin")
    await joko.say("Rapat desa")

    # -- invite a TKSK by name ------------------------------------------------------------------
    await open_page(coordinator)
    await coordinator.tap("Undang")
    await coordinator.tap("Cari nama")
    none = await coordinator.say("Siapa Saja")
    assert 'Tidak ada orang bernama "Siapa Saja"' in plain(none[0]["text"])
    await coordinator.tap("Cari lagi")
    found = await coordinator.say("budi")
    assert [r[0]["text"] for r in found[0]["reply_markup"]["inline_keyboard"][:-1]] == [
        "Pak Budi · TKSK"
    ]
    invited = await coordinator.tap("Pak Budi")
    assert "Pak Budi diundang; undangan dikirim" in plain(invited[0]["text"])
    await invitation_of(fake, budi)
    twice = await coordinator.tap("Pak Budi")
    assert "sudah diundang sebelumnya" in plain(twice[0]["text"])

    # -- reschedule: everyone told, answers reset -----------------------------------------------
    await open_page(coordinator)
    asked = await coordinator.tap("Ubah jadwal")
    assert f"Ubah jadwal {TITLE}" in plain(asked[0]["text"])
    await coordinator.say("10-12-2026")
    await coordinator.say("09.00")
    await coordinator.say("13.00")
    await coordinator.tap("Tidak")
    summary = await coordinator.say("9-12-2026")
    assert "10-12-2026" in plain(summary[0]["text"])
    done = await coordinator.tap("✅ Kirim")
    assert f"Jadwal {TITLE} diubah; 3 peserta diberi tahu" in plain(done[0]["text"])
    for person in (ani, joko, budi):
        await fake.wait_for(
            lambda p=person: "Jadwal bimtek berubah" in p.messages()[-1]["text"],
            what=f"the new schedule to {person.user_id}",
        )
    notice = ani.messages()[-1]
    assert "Hari 1: Kamis, 10 Desember 2026, pukul 09.00–13.00 WIB" in plain(notice["text"])
    assert [b["text"] for b in notice["reply_markup"]["inline_keyboard"][0]] == [
        "✅ Akan hadir",
        "🙏 Berhalangan",
    ]
    page = await open_page(coordinator)
    assert "Diundang: 3 · Akan hadir: 0 · Berhalangan: 0 · Belum menjawab: 3" in page
    assert "Kamis, 10 Desember 2026" in page and "8 Desember" not in page
    await ani.tap("Akan hadir")

    # -- on the day: no more moving it; walk-ins -----------------------------------------------
    clock.set(at(10, 8, 30))
    await open_page(coordinator)
    refused = await coordinator.tap("Ubah jadwal")
    assert "sudah dimulai tidak bisa diubah" in plain(refused[0]["text"])
    with sqlite3.connect(settings.database_path) as db:
        secret = db.execute("SELECT secret FROM trainings").fetchone()[0]
    await ani.say(f"/hadir {code_for(secret, slot_of(clock.now()))}")

    await open_page(coordinator)
    await coordinator.tap("Peserta tambahan")  # one day: straight to the name
    found = await coordinator.say("dedi")
    rows = [r[0]["text"] for r in found[0]["reply_markup"]["inline_keyboard"]]
    assert rows[:2] == ["Pak Dedi · TKSK", "➕ dedi (tanpa HP)"]
    added = await coordinator.tap("Pak Dedi")
    assert "Pak Dedi ditambahkan ke daftar hadir hari 1: Hadir" in plain(added[0]["text"])
    await open_page(coordinator)
    await coordinator.tap("Peserta tambahan")
    await coordinator.say("Mbah Karsih")
    added = await coordinator.tap("Mbah Karsih (tanpa HP)")
    assert "Mbah Karsih ditambahkan" in plain(added[0]["text"])
    await coordinator.tap("Mbah Karsih (tanpa HP)")  # a double tap registers nobody new

    # -- the daftar hadir -----------------------------------------------------------------------
    await open_page(coordinator)
    preparing, *exported = await coordinator.tap("Ekspor", expect=3)
    assert "Sedang disiapkan" in preparing["text"]
    assert "(5 peserta)" in exported[0]["caption"]
    workbook = openpyxl.load_workbook(io.BytesIO(exported[0]["document"].data))
    sheet = workbook["Hari 1"]
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$6:$6"  # the header row on every page
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert "Halaman &P" in sheet.oddFooter.center.text
    values = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[2][0].startswith("Hari 1: Kamis, 10 Desember 2026, pukul 09.00")
    assert values[3][0] == "Aula Dinas Sosial, Jl. Siliwangi No. 88, Kuningan"
    header = values[5]
    rows = [dict(zip(header, row, strict=True)) for row in values[6:]]
    expected = [
        ("Bu Ani", "PSM", "Akan hadir", "Hadir", "08.30", "Kode"),
        ("Mbah Karsih", "Calon peserta", "Belum menjawab", "Hadir", "", "Dicatat petugas"),
        ("Pak Budi", "TKSK", "Belum menjawab", "", "", ""),
        ("Pak Dedi", "TKSK", "Belum menjawab", "Hadir", "", "Dicatat petugas"),
        ("Pak Joko", "PSM", "Belum menjawab", "", "", ""),
    ]
    assert [
        (r["Nama"], r["Peran"], r["Konfirmasi"], r["Kehadiran"], r["Jam absen"], r["Cara absen"])
        for r in rows
    ] == expected
    assert all(r["Tanda tangan"] == "" for r in rows)
    pdf = exported[1]["document"].data
    assert pdf.startswith(b"%PDF") and re.search(rb"/Count 1\b", pdf)
    assert "siap cetak" in exported[1]["caption"]

    with sqlite3.connect(settings.database_path) as db:
        karsih = db.execute(
            "SELECT role, status, phone FROM users WHERE full_name = 'Mbah Karsih'"
        ).fetchall()
        actions = [
            r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'training.%'")
        ]
    assert karsih == [("calon", "active", None)]
    assert actions == [
        "training.created",
        "training.invited",
        "training.rescheduled",
        "training.walk_in",
        "training.walk_in",
        "training.walk_in",
        "training.export",
    ]
    assert fake.rejections == []
