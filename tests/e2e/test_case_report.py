"""The household case report on Telegram, end to end."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import stop_all
from tests.e2e.reports import (
    CHILD_NIK,
    FAMILY_KK,
    Report,
    photo_with_exif,
    toggle,
    walk_report,
)

PSM, TKSK, COORDINATOR, OTHER_PSM = 700, 600, 500, 701


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
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await add_user(
        settings,
        role="psm",
        telegram_id=OTHER_PSM,
        name="Pak Joko",
        kabupaten="32.08",
        kecamatan="32.08.02",
        desa="32.08.02.2001",
    )
    await start_bot()
    found = {}
    for user_id in (COORDINATOR, TKSK, PSM, OTHER_PSM):
        person = TelegramPerson(fake, user_id)
        await person.say("/start")
        found[user_id] = person
    return found


def _db(settings) -> sqlite3.Connection:
    return sqlite3.connect(settings.database_path)


async def test_full_report_with_edits_from_the_summary(fake, settings, people) -> None:
    psm, tksk = people[PSM], people[TKSK]
    report = Report()
    summary = await walk_report(psm, report, fake=fake)
    assert report.actions <= 24, report.actions  # the common case fits in 25 answers
    text = summary[-1]["text"]
    assert "Periksa kembali" in text
    assert CHILD_NIK not in text and "320801******0001" in text
    # The messages that held the full KK and NIK were deleted from the chat.
    deleted = {
        call.params["message_id"]
        for call in fake.calls_of("deleteMessage")
        if call.params["chat_id"] == PSM
    }
    assert len(deleted) == 2

    # Edit: the category turns "anak tidak sekolah" on and stunting off.
    await psm.tap("Ubah jawaban")
    menu = psm.all_with_buttons()[-1]
    while not any(
        "Kategori" in b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row
    ):
        await psm.tap("Berikutnya")
        menu = psm.all_with_buttons()[-1]
    asked = await psm.tap("Kategori")
    # How to pick several is Telegram's way (buttons that stay), from the channel, not the form.
    assert "tekan lagi untuk membatalkan), lalu tekan <b>✔️ Selesai memilih" in asked[-1]["text"]
    await toggle(psm, "Stunting", fake)
    await toggle(psm, "Anak tidak sekolah", fake)
    reply = await psm.tap("Selesai memilih")
    assert "Anak tidak sekolah" in reply[-1]["text"]
    await psm.tap("Putus sekolah")
    await psm.say("kelas 4 SD")
    summary = await psm.say("tidak ada biaya")
    text = "\n".join(m["text"] for m in summary)
    assert "Periksa kembali" in text
    assert "Status stunting" not in text and "Berat/tinggi" not in text

    tksk_before = len(tksk.messages())
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("Nomor kasus: <b>")[1].split("</b>")[0]
    assert number.startswith("KNG-20") and number.endswith("-000001")
    notice = await fake.wait_sent(TKSK, tksk_before + 1)
    assert number in notice[-1]["text"] and "Anak tidak sekolah" in notice[-1]["text"]
    assert "Ayu" not in notice[-1]["text"]  # no personal data in notices

    with _db(settings) as db:
        case = db.execute(
            "SELECT id, state, urgency, desa_code, details, consent, protected"
            " FROM cases WHERE number = ?",
            (number,),
        ).fetchone()
        categories = [
            r[0]
            for r in db.execute("SELECT code FROM case_categories WHERE case_id = ?", (case[0],))
        ]
        member = db.execute(
            "SELECT m.nik, m.sex, m.birth_date, m.relation, h.no_kk, h.latitude FROM"
            " household_members m JOIN households h ON h.id = m.household_id"
        ).fetchone()
        photos = [
            r[0] for r in db.execute("SELECT path FROM case_photos WHERE case_id = ?", (case[0],))
        ]
    assert case[1:4] == ("submitted", "biasa", "32.08.01.2006")
    details = json.loads(case[4])
    assert details["ats_type"] == "putus_sekolah" and "stunting_status" not in details
    assert details["bansos"] == ["pkh"]
    assert json.loads(case[5])["by"] == "orang_tua_wali" and case[6] == 0
    assert categories == ["anak_tidak_sekolah"]
    assert member == (CHILD_NIK, "P", "2023-06-05", "anak", FAMILY_KK, -6.9712)
    assert len(photos) == 3
    for path in photos:
        with Image.open(Path(settings.media_path) / path) as image:
            assert not image.getexif()  # no EXIF left
            assert image.size == (600, 800)  # turned upright by the EXIF orientation
    assert fake.rejections == []


async def test_an_album_past_the_photo_limit_says_only_three_were_kept(
    fake, settings, people
) -> None:
    """Five photos as one album at a question that keeps three: photos 4 and 5 were dropped
    unsaid (QA walk 3); now one message says only the first three were kept."""
    psm = people[PSM]
    summary = await walk_report(psm, Report(photos=5), fake=fake)
    assert "Periksa kembali" in summary[-1]["text"] and "3 foto" in summary[-1]["text"]
    told = [m for m in psm.messages() if "Hanya 3 foto pertama yang disimpan" in m["text"]]
    assert "2 foto lainnya tidak disimpan" in told[0]["text"]  # how many (QA walk 8)
    assert len(told) == 1, [m["text"] for m in psm.messages()[-6:]]
    # "Not kept" is true on disk too: the draft's three, not the two past the limit.
    stored = [p for p in (Path(settings.media_path) / "photos").rglob("*") if p.is_file()]
    assert len(stored) == 3
    assert fake.rejections == []


async def test_an_album_at_the_summary_is_answered_once(fake, settings, people) -> None:
    """Four photos as one album after the photo question took its three: one message says
    the four were not kept, with the summary once (QA walk 6: four warnings, four summaries;
    review 9: a video in the album was answered on its own); a picture sent as a file is
    told the same as a photo."""
    psm = people[PSM]
    await walk_report(psm, Report(photos=3), fake=fake)
    start = len(psm.messages())
    for index in range(4):
        data = photo_with_exif(9 + index)
        fake.user_photo(PSM, f"late{index}", media_group_id="album-2", data=data)
        if index == 1:
            fake.user_video(PSM, media_group_id="album-2")
    await fake.wait_sent(PSM, start + 1)
    text = psm.messages()[start]["text"]
    assert text.startswith("⚠️ 4 foto ini tidak disimpan: hanya 3 foto yang bisa"), text
    assert text.count("Periksa kembali") == 1
    fake.user_document(PSM, file_name="IMG_2026.jpg", mime_type="image/jpeg")
    await fake.wait_sent(PSM, start + 2)
    assert psm.messages()[start + 1]["text"].startswith("⚠️ Foto ini tidak disimpan: hanya 3")
    done = await psm.tap("Kirim", expect=2)
    assert "Nomor kasus" in done[0]["text"]
    assert len(psm.messages()) == start + 4  # nothing more came for the album's photos


async def test_pictures_sent_as_files_are_the_photos(fake, settings, people) -> None:
    """QA walk 8: an album sent "without compression" (documents) was refused, "kirim lagi
    sebagai foto"; on patchy data, sending again costs the volunteer. Now the pictures are
    the photos, cleaned and stored as photos are; a file that is no picture is still asked
    for as a photo (the album at the summary, above)."""
    psm = people[PSM]
    summary = await walk_report(psm, Report(photos=3, photos_as_files=True), fake=fake)
    assert "Periksa kembali" in summary[-1]["text"] and "3 foto" in summary[-1]["text"]
    assert not any("sebagai berkas" in m["text"] for m in psm.messages())
    await psm.tap("Kirim", expect=2)
    with _db(settings) as db:
        photos = [r[0] for r in db.execute("SELECT path FROM case_photos")]
    assert len(photos) == 3
    for path in photos:
        with Image.open(Path(settings.media_path) / path) as image:
            assert not image.getexif()  # no EXIF (nor GPS) left
            assert image.size == (600, 800)  # turned upright by the EXIF orientation
    assert fake.rejections == []


async def test_a_picture_file_too_large_is_never_downloaded(fake, settings, people) -> None:
    """Review 11a: a picture sent as a file was read whole (up to 20 MB) before its 10 MB
    limit refused it. getFile tells its size: one too large is never fetched, and is told
    it was not kept like any photo at the summary."""
    psm = people[PSM]
    await walk_report(psm, Report(photos=3), fake=fake)
    start, served = len(psm.messages()), len(fake.files_served)
    too_large = b"\xff\xd8" + b"0" * (11 * 1024 * 1024)
    fake.user_document(PSM, data=too_large, file_name="IMG_big.jpg", mime_type="image/jpeg")
    await fake.wait_sent(PSM, start + 1)
    assert psm.messages()[start]["text"].startswith("⚠️ Foto ini tidak disimpan: hanya 3")
    assert fake.files_served[served:] == []  # never downloaded
    assert fake.rejections == []


async def test_report_without_documents(fake, settings, people) -> None:
    psm = people[PSM]
    report = Report(kk=None, nik=None, age="2 th 3 bln", photos=0)
    summary = await walk_report(psm, report, fake=fake)
    assert "Tidak tahu" in summary[-1]["text"] and "2 th 3 bln" in summary[-1]["text"]
    await psm.tap("Kirim", expect=2)
    with _db(settings) as db:
        member = db.execute(
            "SELECT nik, nik_missing, nik_reason, sex, age_months FROM household_members"
        ).fetchone()
        household = db.execute("SELECT no_kk, no_kk_missing FROM households").fetchone()
    assert member == (None, "tidak_tahu", "Anak jalanan, dokumen hilang", "P", 27)
    assert household == (None, "tidak_punya")


async def test_duplicate_in_scope_is_offered_as_an_update(fake, settings, people) -> None:
    psm = people[PSM]
    await walk_report(psm, Report(photos=0), fake=fake)
    first = await psm.tap("Kirim", expect=2)
    number = first[0]["text"].split("<b>")[1].split("</b>")[0]
    await walk_report(psm, Report(photos=0, head="Slamet R."), fake=fake)
    question = await psm.tap("Kirim")
    assert number in question[0]["text"] and "masih terbuka" in question[0]["text"]
    added = await psm.tap("Jadikan pembaruan")
    assert number in added[0]["text"]
    with _db(settings) as db:
        (cases,) = db.execute("SELECT COUNT(*) FROM cases").fetchone()
        (updates,) = db.execute("SELECT COUNT(*) FROM case_updates").fetchone()
    assert (cases, updates) == (1, 1)


async def test_duplicate_out_of_scope_is_flagged_not_revealed(fake, settings, people) -> None:
    await walk_report(people[PSM], Report(photos=0), fake=fake)
    await people[PSM].tap("Kirim", expect=2)
    other = people[OTHER_PSM]
    coordinator = people[COORDINATOR]
    before = len(coordinator.messages())
    # Another PSM, another desa: the same child. They are told nothing about the first case.
    await other.say("/lapor")
    await other.say("Slamet")
    await other.say(FAMILY_KK)
    await other.say("Ayu")
    await other.say(CHILD_NIK)
    await other.tap("05-06-2023")
    await other.tap("Anak")
    await other.tap("Tidak")
    await other.say("Kampung Baru")
    await other.tap("⭐")
    await other.say("Lewati")  # a keyboard key beside "share location"
    await other.say("sedang tidak di lokasi")
    await toggle(other, "Stunting", fake)
    await other.tap("Selesai memilih")
    await other.tap("Dugaan")
    await other.tap("Lewati")
    await other.say("4")
    await toggle(other, "Belum ada", fake)
    await other.tap("Selesai memilih")
    await other.tap("Kepala keluarga")
    await other.tap("Lisan")
    await other.say("Anak kurus")
    await other.tap("Lewati")
    await other.tap("Biasa")
    done = await other.tap("Kirim", expect=2)
    assert "Nomor kasus" in done[0]["text"]
    assert "masih terbuka" not in "".join(m["text"] for m in done)
    flag = await fake.wait_sent(COORDINATOR, before + 1)
    assert "mungkin sama" in flag[-1]["text"]
    with _db(settings) as db:
        flags = db.execute("SELECT matched_on FROM duplicate_flags").fetchall()
        households = db.execute(
            "SELECT h.no_kk, h.head_name, h.address, h.desa_code FROM cases c"
            " JOIN households h ON h.id = c.household_id ORDER BY c.id"
        ).fetchall()
    assert ("nik",) in flags
    with _db(settings) as db:  # a WhatsApp template would announce it by the new case's number
        summaries = db.execute(
            "SELECT json_extract(message, '$.summary') FROM outbox"
            " WHERE message LIKE '%mungkin sama%'"
        ).fetchall()
        numbers = db.execute("SELECT number FROM cases ORDER BY id").fetchall()
    assert summaries == [numbers[-1]]
    # The first family's household is not rewritten from another desa: each case keeps its own.
    assert households == [
        (FAMILY_KK, "Slamet Riyadi", "Dusun Manis RT 02 RW 05", "32.08.01.2006"),
        (FAMILY_KK, "Slamet", "Kampung Baru", "32.08.02.2001"),
    ]


async def test_darurat_alerts_the_tksk_and_coordinator_at_once(fake, settings, people) -> None:
    psm = people[PSM]
    await walk_report(psm, Report(urgency="Darurat", photos=0), fake=fake)
    tksk_before = len(people[TKSK].messages())
    coordinator_before = len(people[COORDINATOR].messages())
    await psm.tap("Kirim", expect=2)
    alert = await fake.wait_sent(TKSK, tksk_before + 1)
    assert "DARURAT" in alert[-1]["text"]
    alert = await fake.wait_sent(COORDINATOR, coordinator_before + 1)
    assert "DARURAT" in alert[-1]["text"]
    # Its button opens the case's page: nobody has to look for it.
    page = await people[TKSK].tap("Buka laporan")
    assert "· DARURAT" in page[0]["text"] and "Riwayat" in page[0]["text"]


async def test_protected_case_is_flagged_to_the_coordinator(fake, settings, people) -> None:
    psm = people[PSM]
    before = len(people[COORDINATOR].messages())
    await walk_report(psm, Report(consent="Wali pelaku masalah", photos=0), fake=fake)
    await psm.tap("Kirim", expect=2)
    flag = await fake.wait_sent(COORDINATOR, before + 1)
    assert "dilindungi" in flag[-1]["text"]
    with _db(settings) as db:
        assert db.execute("SELECT protected FROM cases").fetchone() == (1,)
        # A WhatsApp template would announce the flag by its case number, as other notices.
        ((number, summary),) = db.execute(
            "SELECT c.number, json_extract(o.message, '$.summary') FROM outbox o, cases c"
            " WHERE o.message LIKE '%dilindungi%'"
        ).fetchall()
    assert summary == number


async def test_drafts_resume_and_my_reports(fake, settings, people, start_bot) -> None:
    psm = people[PSM]
    await psm.say("/lapor")
    await psm.say("Keluarga Pak Darto")
    drafts = await psm.say("/draf", expect=2)  # the list, then the open form's question
    assert "belum selesai (1)" in drafts[0]["text"]
    assert "masih berjalan" in drafts[1]["text"]
    resumed = await psm.tap("Keluarga Pak Darto")
    assert "Melanjutkan" in resumed[0]["text"] and "nomor Kartu Keluarga" in resumed[0]["text"]
    mine = await psm.say("/laporan_saya", expect=2)  # the list, then the open draft again
    # No case sent yet, but a draft open: it points to the draft, not "belum pernah".
    assert "belum mengirim laporan. Ada 1 laporan yang belum selesai (draf)" in mine[0]["text"]
    # /lapor with a draft open offers to continue it.
    offer = await psm.say("/lapor")
    assert "belum selesai" in offer[0]["text"]
    assert fake.rejections == []


async def test_a_psm_cannot_resume_someone_elses_draft(fake, settings, people) -> None:
    await people[PSM].say("/lapor")
    with _db(settings) as db:
        (session_id,) = db.execute(
            "SELECT id FROM form_sessions WHERE form_id = 'case_report'"
        ).fetchone()
    reply = await people[OTHER_PSM].tap_data(f"dr:{session_id}", 1)
    assert "sudah tidak ada" in reply[0]["text"]


async def test_coordinator_cannot_report_without_a_kecamatan_list(fake, settings, people) -> None:
    reply = await people[COORDINATOR].say("/lapor")
    assert "kecamatan" not in reply[0]["text"].lower() or "Laporan baru" in reply[0]["text"]


async def test_restart_halfway_through_a_report(fake, settings, people, start_bot) -> None:
    psm = people[PSM]
    await psm.say("/lapor")
    await psm.say("Keluarga Pak Darto")
    await psm.say(FAMILY_KK)
    # Stop every running bot and start a fresh one on the same database.
    await stop_all(start_bot)
    await start_bot()
    reply = await psm.say("Budi Kecil")
    assert reply[0]["text"].startswith("✓ Nama: Budi Kecil")
    assert "NIK" in reply[0]["text"]
    texts = [m["text"] for m in psm.messages()]
    assert sum("nomor Kartu Keluarga" in t for t in texts) == 1


async def test_each_case_shows_its_own_household_answers(fake, settings, people) -> None:
    """A second report with the same KK, sent as a new case, refreshes the household; each
    case page still shows what its own report said (no location borrowed from the other)."""
    psm, tksk = people[PSM], people[TKSK]
    await walk_report(psm, Report(photos=0), fake=fake)
    first = (await psm.tap("Kirim", expect=2))[0]["text"].split("<b>")[1].split("</b>")[0]
    second_report = Report(photos=0, head="Sukarman", address="Blok Kliwon", located=False)
    await walk_report(psm, second_report, fake=fake)
    await psm.tap("Kirim", until="masih terbuka")
    second = (await psm.tap("📝 Laporan baru", until="<b>"))[0]["text"]
    second = second.split("<b>")[1].split("</b>")[0]
    assert second != first

    await tksk.say("/antrian", until="Antrian")
    page = (await tksk.tap(first, until="Riwayat"))[0]["text"]
    assert "Slamet Riyadi" in page and "Dusun Manis" in page and "maps.google.com" in page
    assert "Sukarman" not in page and "Kliwon" not in page
    await tksk.say("/antrian", until="Antrian")
    page = (await tksk.tap(second, until="Riwayat"))[0]["text"]
    assert "Sukarman" in page and "Blok Kliwon" in page
    assert "maps.google.com" not in page and "Slamet" not in page
