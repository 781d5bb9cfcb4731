"""A report sent back for revision, corrected and resubmitted on Telegram: every correction
reaches the case (household, members, region, consent, urgency, photos), what was replaced is
forgotten, and nothing else of the case changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl

from bot.export_file import export_cases
from tests.e2e import test_review
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import CHILD_NIK, FAMILY_KK, Report, photo_with_exif, walk_report
from tests.e2e.test_review import COORDINATOR, OTHER_TKSK, PSM, TKSK, _state, _told

people = test_review.people  # the fixture: a coordinator, two TKSK and the PSM

NEW_NIK = "3208014506230009"  # the same girl's NIK, typed wrong the first time
NEW_KK = "3208011210190007"
# Who (Telegram id) was written to in the outbox after a given row.
TOLD = (
    "SELECT DISTINCT i.external_id FROM outbox o JOIN channel_identities i"
    " ON i.user_id = o.user_id WHERE o.id > ? ORDER BY 1"
)


async def _report_and_send_back(fake, people, report: Report | None = None) -> str:
    psm = people[PSM]
    await walk_report(psm, report or Report(photos=0), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await fake.wait_for(
        lambda: any(number in m["text"] for m in fake.sent_to(TKSK)), what="TKSK notice"
    )
    await _send_back(fake, people, number, "Mohon periksa lagi datanya")
    await psm.tap("Perbaiki laporan")
    return number


async def _send_back(fake, people, number: str, reason: str) -> None:
    tksk, psm = people[TKSK], people[PSM]
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before = len(psm.messages())
    await tksk.tap("Minta perbaikan")
    await tksk.say(reason)
    await _told(fake, psm, before, reason)


async def _edit(psm: TelegramPerson, label: str) -> list[dict]:
    """From the summary: "Ubah jawaban", then the page holding `label`, then that answer."""
    await psm.tap("Ubah jawaban")
    while True:
        menu = psm.all_with_buttons()[-1]
        labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
        if label in labels:
            return await psm.tap(label)
        await psm.tap("Berikutnya")


def _row(settings, sql: str, *args) -> tuple:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, args).fetchone()


def _rows(settings, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, args).fetchall()


async def _export_text(settings, tmp_path: Path, layout: str) -> str:
    out = tmp_path / f"export-{layout}.xlsx"
    await export_cases(settings, out, unmasked=True, layout=layout)
    book = openpyxl.load_workbook(out, read_only=True)
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    book.close()
    return "\n".join(cells)


async def test_every_correction_reaches_the_case(fake, settings, people, tmp_path) -> None:
    psm, tksk, coordinator = people[PSM], people[TKSK], people[COORDINATOR]
    number = await _report_and_send_back(fake, people)
    before_case = _row(
        settings, "SELECT id, number, reporter_id, submitted_at, household_id FROM cases"
    )
    await _edit(psm, "Kepala keluarga")
    await psm.say("Slamet Riyanto")
    await _edit(psm, "Nomor KK")
    await psm.say(NEW_KK)
    await _edit(psm, "Nama (1)")
    await psm.say("Ayu Lestariningsih")
    await _edit(psm, "NIK (1)")
    await psm.say(NEW_NIK)
    await _edit(psm, "Alamat")
    await psm.say("Dusun Baru RT 09 RW 09 No. 17")
    await _edit(psm, "Desa/Kelurahan")
    await psm.say("Nangka")
    await _edit(psm, "Persetujuan")
    await psm.tap("Menolak")
    await _edit(psm, "Urgensi")
    await psm.tap("Darurat")
    before = {who: len(p.messages()) for who, p in people.items()}
    done = await psm.tap("Kirim")
    assert "Perbaikan laporan" in done[0]["text"] and number in done[0]["text"]
    await _told(fake, tksk, before[TKSK], "diajukan ulang")
    assert number in await _told(fake, tksk, before[TKSK], "LAPORAN DARURAT")
    assert number in await _told(fake, coordinator, before[COORDINATOR], "LAPORAN DARURAT")
    assert number in await _told(fake, coordinator, before[COORDINATOR], "dilindungi")

    # The case itself: same number, reporter, submission; new facts; history kept.
    case = _row(
        settings,
        "SELECT c.id, c.number, c.reporter_id, c.submitted_at, c.state, c.urgency, c.protected,"
        " c.desa_code, c.consent, h.head_name, h.no_kk, h.address, h.desa_code"
        " FROM cases c JOIN households h ON h.id = c.household_id",
    )
    assert case[:4] == before_case[:4]
    assert case[4:8] == ("resubmitted", "darurat", 1, "32.08.01.2003")
    assert '"menolak"' in case[8]
    assert case[9:] == ("Slamet Riyanto", NEW_KK, "Dusun Baru RT 09 RW 09 No. 17", "32.08.01.2003")
    members = _rows(settings, "SELECT name, nik FROM household_members")
    assert members == [("Ayu Lestariningsih", NEW_NIK)]  # the mistyped NIK is forgotten
    assert _rows(settings, "SELECT no_kk FROM households") == [(NEW_KK,)]
    events = [r[0] for r in _rows(settings, "SELECT to_state FROM case_events ORDER BY id")]
    assert events == ["submitted", "needs_revision", "resubmitted"]
    assert _row(settings, "SELECT COUNT(*) FROM case_versions") == (1,)

    # The TKSK's case page and search show the corrections; the old NIK finds nothing.
    await tksk.say("/antrian", until="Antrian")
    page = (await tksk.tap(number, until="Riwayat"))[0]["text"]
    assert "Slamet Riyanto" in page and "Dusun Baru" in page and "Nangka" in page
    assert "320801******0009" in page and NEW_NIK not in page
    found = await tksk.say(f"/cari {NEW_NIK}", until="Ditemukan")
    assert number in str(found[0]["reply_markup"])
    by_kk = await tksk.say(f"/cari {NEW_KK}", until="Ditemukan")
    assert number in str(by_kk[0]["reply_markup"])
    for old in (CHILD_NIK, FAMILY_KK):
        gone = await tksk.say(f"/cari {old}")
        assert "Tidak ada laporan" in gone[0]["text"]

    # Both export layouts carry the corrected household and member.
    for layout in ("standard", "siksng"):
        text = await _export_text(settings, tmp_path, layout)
        assert NEW_NIK in text and NEW_KK in text and "Dusun Baru" in text, layout
        assert "Ayu Lestariningsih" in text and "Nangka" in text, layout
        assert CHILD_NIK not in text and FAMILY_KK not in text and "Dusun Manis" not in text
    assert fake.rejections == []


async def test_a_correction_changes_only_what_was_corrected(fake, settings, people) -> None:
    psm, tksk = people[PSM], people[TKSK]
    number = await _report_and_send_back(fake, people, Report(photos=3))
    columns = (
        "c.number, c.reporter_id, c.submitted_at, c.household_id, c.kecamatan_code,"
        " c.desa_code, c.urgency, c.protected, c.consent, c.description, c.details,"
        " h.head_name, h.no_kk, h.latitude, h.longitude, h.member_count, h.desa_code"
    )
    query = f"SELECT {columns} FROM cases c JOIN households h ON h.id = c.household_id"
    before = _row(settings, query)
    members = _rows(settings, "SELECT * FROM household_members")
    subjects = _rows(settings, "SELECT * FROM case_subjects")
    photos = _rows(settings, "SELECT path, created_at FROM case_photos ORDER BY id")
    assert len(photos) == 3
    await _edit(psm, "Alamat")
    await psm.say("Dusun Manis RT 02 RW 05 No. 3")
    (last,) = _row(settings, "SELECT max(id) FROM outbox")
    await psm.tap("Kirim")
    told = await _told(fake, tksk, 0, "diajukan ulang")
    # The TKSK reads what changed since it was sent back, and only that.
    assert "Yang diubah sejak dikembalikan" in told
    assert "• Alamat: Dusun Manis RT 02 RW 05 → Dusun Manis RT 02 RW 05 No. 3" in told
    assert told.count("•") == 1
    assert _state(settings, number) == "resubmitted"
    assert _row(settings, query) == before
    assert _row(settings, "SELECT address FROM households") == ("Dusun Manis RT 02 RW 05 No. 3",)
    assert _rows(settings, "SELECT * FROM household_members") == members
    assert _rows(settings, "SELECT * FROM case_subjects") == subjects
    assert _rows(settings, "SELECT path, created_at FROM case_photos ORDER BY id") == photos
    assert _rows(settings, "SELECT COUNT(*) FROM duplicate_flags") == [(0,)]
    # Nothing new to alert or flag: only the reporter and the TKSK were written to.
    assert _rows(settings, TOLD, last) == [(str(TKSK),), (str(PSM),)]


async def test_replaced_photos_leave_the_case_and_the_disk(fake, settings, people) -> None:
    psm = people[PSM]
    await _report_and_send_back(fake, people, Report(photos=3))
    old = [r[0] for r in _rows(settings, "SELECT path FROM case_photos ORDER BY id")]
    asked = await _edit(psm, "Foto")
    assert "Sudah ada 3 foto" in str(asked)  # kept (QA walk 13): replacing them is asked
    await psm.tap("Hapus semua foto")
    await psm.tap("Ya, hapus semua")
    before = len(psm.messages())
    fake.user_photo(psm.user_id, "photo9", data=photo_with_exif(9))
    await fake.wait_sent(psm.user_id, before + 1, timeout=20)
    await psm.tap("Selesai")
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    new = [r[0] for r in _rows(settings, "SELECT path FROM case_photos ORDER BY id")]
    assert len(new) == 1 and new[0] not in old
    media = Path(settings.media_path)
    assert (media / new[0]).is_file()
    assert not any((media / path).exists() for path in old)


async def test_a_corrected_kk_joins_that_household_and_leaves_the_other_its_own(
    fake, settings, people
) -> None:
    psm, coordinator = people[PSM], people[COORDINATOR]
    first = await _report_and_send_back(fake, people)
    await psm.tap("Kirim", until="Belum ada jawaban")  # resubmitted unchanged, explained
    await psm.tap("Tetap kirim")
    await psm.say("Sudah dicek, datanya benar", expect=2)  # sent unchanged, then the menu
    report = Report(kk=None, head="Slamet R.", member="Rudi Hartono", nik=None, age="40", photos=0)
    second = await _report_and_send_back(fake, people, report)
    assert len(_rows(settings, "SELECT id FROM households")) == 2
    await _edit(psm, "Nomor KK")
    await psm.say(FAMILY_KK)
    before = len(coordinator.messages())
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    flag = await _told(fake, coordinator, before, "mungkin sama")
    assert second in flag and first in flag
    query = "SELECT household_id FROM cases WHERE number = ?"
    assert _row(settings, query, second) == _row(settings, query, first)
    assert _rows(settings, "SELECT no_kk, head_name FROM households") == [(FAMILY_KK, "Slamet R.")]
    flags = "SELECT c.number, o.number, f.matched_on FROM duplicate_flags f"
    flags += " JOIN cases c ON c.id = f.case_id JOIN cases o ON o.id = f.other_id"
    assert _rows(settings, flags) == [(second, first, "kk")]

    # Sent back again and corrected elsewhere: that match is known, nobody is told again.
    await _send_back(fake, people, second, "Alamat kurang")
    await psm.tap("Perbaiki laporan")
    await _edit(psm, "Alamat")
    await psm.say("Dusun Manis RT 02 RW 05 No. 9")
    (last,) = _row(settings, "SELECT max(id) FROM outbox")
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    assert _rows(settings, TOLD, last) == [(str(TKSK),), (str(PSM),)]
    assert len(_rows(settings, flags)) == 1

    # The first case's KK was wrong: it leaves the shared household, which the second keeps.
    await _send_back(fake, people, first, "KK salah")
    await psm.tap("Perbaiki laporan")
    await _edit(psm, "Nomor KK")
    await psm.say(NEW_KK)
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    households = "SELECT h.no_kk, m.name FROM cases c JOIN households h ON h.id = c.household_id"
    households += " JOIN case_subjects s ON s.case_id = c.id"
    households += " JOIN household_members m ON m.id = s.member_id WHERE c.number = ?"
    assert _rows(settings, households, first) == [(NEW_KK, "Ayu Lestari")]
    assert _rows(settings, households, second) == [(FAMILY_KK, "Rudi Hartono")]
    assert len(_rows(settings, "SELECT id FROM households")) == 2
    assert len(_rows(settings, "SELECT id FROM household_members")) == 2


async def test_a_darurat_case_moved_to_another_kecamatan_alerts_its_tksk(
    fake, settings, people
) -> None:
    psm, coordinator, other_tksk = people[PSM], people[COORDINATOR], people[OTHER_TKSK]
    await walk_report(psm, Report(photos=0, urgency="Darurat"), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await _told(fake, people[TKSK], 0, "LAPORAN DARURAT")
    await _send_back(fake, people, number, "Desanya salah")
    # Bu Ani now serves Ciniru; the family turns out to live there too.
    await coordinator.say("/pengguna Ani")
    await coordinator.tap("Bu Ani")
    await coordinator.tap("Ubah wilayah")
    await coordinator.tap("Berikutnya")
    await coordinator.tap("Ciniru")
    await coordinator.tap("Cijemit", until="Perubahan disimpan")
    await _told(fake, psm, 0, "diubah oleh Ibu Sari")
    await psm.tap("Perbaiki laporan")
    await _edit(psm, "Desa/Kelurahan")
    await psm.say("Cijemit")
    before = len(other_tksk.messages())
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    assert _row(settings, "SELECT kecamatan_code, urgency FROM cases") == ("32.08.02", "darurat")
    # Ciniru's TKSK hears of it as the emergency it is, not as an ordinary correction.
    assert number in await _told(fake, other_tksk, before, "LAPORAN DARURAT")
    # The coordinators of the kabupaten were alerted when it came in: not a second time.
    alerts = [m for m in coordinator.messages() if "LAPORAN DARURAT" in (m.get("text") or "")]
    assert len(alerts) == 1


async def _move_psm_to_ciniru(fake, people) -> None:
    """Bu Ani now serves Ciniru (changed by the coordinator): its desa are her correction's."""
    coordinator = people[COORDINATOR]
    await coordinator.say("/pengguna Ani")
    await coordinator.tap("Bu Ani")
    await coordinator.tap("Ubah wilayah")
    await coordinator.tap("Berikutnya")
    await coordinator.tap("Ciniru")
    await coordinator.tap("Cijemit", until="Perubahan disimpan")
    await _told(fake, people[PSM], 0, "diubah oleh Ibu Sari")


async def test_a_case_moved_to_another_kecamatan_leaves_its_tksk_and_reaches_the_new_one(
    fake, settings, people
) -> None:
    psm, tksk, other_tksk = people[PSM], people[TKSK], people[OTHER_TKSK]
    number = await _report_and_send_back(fake, people)  # Pak Tono sent it back
    await _move_psm_to_ciniru(fake, people)
    await _edit(psm, "Desa/Kelurahan")
    await psm.say("Cijemit")
    before, before_other = len(tksk.messages()), len(other_tksk.messages())
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    assert _row(settings, "SELECT kecamatan_code FROM cases") == ("32.08.02",)

    # Pak Tono hears it left Kadugede, where to, with no button to a case he cannot open.
    left = await _told(fake, tksk, before, "dipindahkan pelapor ke Desa Cijemit, Kec. Ciniru")
    assert number in left and "tidak lagi di Kec. Kadugede" in left
    (message,) = [m for m in tksk.messages()[before:] if "dipindahkan" in m["text"]]
    assert "reply_markup" not in message
    assert not any("diajukan ulang" in m["text"] for m in tksk.messages()[before:])
    found = await tksk.say(f"/cari {number}")
    assert "Tidak ada laporan" in found[0]["text"]

    # Pak Budi hears of a new report in his kecamatan, waiting for him, and opens it.
    arrived = await _told(fake, other_tksk, before_other, "Laporan baru di kecamatan")
    assert number in arrived and "Dipindahkan pelapor dari Kec. Kadugede" in arrived
    assert not any("diajukan ulang" in m["text"] for m in other_tksk.messages()[before_other:])
    page = (await other_tksk.tap("Buka laporan", until="Riwayat"))[0]["text"]
    assert "↪️ pindah dari Desa Babatan, Kec. Kadugede" in page.split("Riwayat")[1]
    assert "Verifikasi" in str(other_tksk.all_with_buttons()[-1]["reply_markup"])
    moved = _rows(settings, "SELECT detail FROM audit_log WHERE action = 'case.moved'")
    assert moved == [('{"from": "32.08.01.2006", "to": "32.08.02.2002"}',)]
    assert fake.rejections == []


async def test_an_unchanged_correction_is_asked_about_before_it_is_sent(
    fake, settings, people
) -> None:
    psm, tksk = people[PSM], people[TKSK]
    number = await _report_and_send_back(fake, people)
    (last,) = _row(settings, "SELECT max(id) FROM outbox")

    # Kirim with nothing changed: not resubmitted; the PSM hears why, with the TKSK's note.
    asked = await psm.tap("Kirim", until="Belum ada jawaban")
    text = "\n".join(m["text"] for m in asked)
    assert number in text and "Catatan dari TKSK" in text  # as on the correction screen
    assert "): Mohon periksa lagi datanya" in text
    assert "Apa yang ingin Bapak/Ibu lakukan?" in text
    assert _state(settings, number) == "needs_revision"
    assert _rows(settings, TOLD, last) == [(str(PSM),)]

    # Back to the summary to change it after all: corrected, the TKSK reads what changed.
    back = await psm.tap("Ubah jawaban", until="Periksa kembali")
    assert "Periksa kembali" in back[0]["text"]
    assert any("ubah jawaban yang diminta pemeriksa" in m["text"] for m in psm.messages()[-3:])
    await _edit(psm, "Nama (1)")
    await psm.say("Ayu Lestariningsih")
    before = len(tksk.messages())
    await psm.tap("Kirim", expect=2)  # the correction sent, then the menu
    told = await _told(fake, tksk, before, "diajukan ulang")
    assert "• Nama (Ayu Lestariningsih): Ayu Lestari → Ayu Lestariningsih" in told

    # Sent back again and sent unchanged with an explanation: it reaches the TKSK.
    await _send_back(fake, people, number, "Cek lagi NIK anaknya")
    await psm.tap("Perbaiki laporan")
    await psm.tap("Kirim", until="Cek lagi NIK anaknya")
    asked = await psm.tap("Tetap kirim", until="penjelasan singkat")
    before = len(tksk.messages())
    sent = await psm.say(
        "Sudah dicocokkan dengan KK, NIK benar", expect=2
    )  # sent unchanged, then the menu
    assert number in sent[0]["text"]
    told = await _told(fake, tksk, before, "tanpa perubahan")
    assert (
        number in told
        and "Penjelasan pelapor: <i>Sudah dicocokkan dengan KK, NIK benar</i>" in told
    )
    assert "Yang diubah" not in told
    assert _state(settings, number) == "resubmitted"
    reasons = _rows(settings, "SELECT to_state, reason FROM case_events ORDER BY id")
    assert reasons[-1] == ("resubmitted", "Sudah dicocokkan dengan KK, NIK benar")
    # The TKSK's page says it came back unchanged, and why.
    await tksk.say("/antrian", until="Antrian")
    page = (await tksk.tap(number, until="Riwayat"))[0]["text"]
    assert "Diajukan ulang <b>tanpa perubahan</b>" in page
    assert "Penjelasan pelapor: <i>Sudah dicocokkan dengan KK, NIK benar</i>" in page
    assert fake.rejections == []
