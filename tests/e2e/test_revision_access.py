"""A case sent back can be opened for revision from /laporan_saya (where the daily reminder
leads) and, after a hand-over, by the PSM who received it; only by its current reporter and
only while it waits."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from tests.e2e import test_review
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import CHILD_NIK, Report, walk_report
from tests.e2e.test_review import COORDINATOR, PSM, TKSK, _state, _told

people = test_review.people  # the fixture: a coordinator, two TKSK and the PSM
RECEIVER = 702
GONE = "tidak sedang menunggu perbaikan"
NOTE = "↩️ Catatan dari TKSK"


def _buttons(message: dict) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def _sent_back_report(fake, people) -> str:
    psm, tksk = people[PSM], people[TKSK]
    await walk_report(psm, Report(photos=0), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await fake.wait_for(
        lambda: any(number in m["text"] for m in fake.sent_to(TKSK)), what="TKSK notice"
    )
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before = len(psm.messages())
    await tksk.tap("Minta perbaikan")
    await tksk.say("Alamat kurang lengkap")
    await _told(fake, psm, before, "Perlu perbaikan")
    return number


async def test_my_reports_opens_a_case_sent_back(fake, settings, people) -> None:
    psm = people[PSM]
    number = await _sent_back_report(fake, people)
    # The daily reminder's button leads to /laporan_saya, which has the case's button.
    mine = await psm.tap_data("menu:laporan_saya", 1)
    assert "1 laporan perlu perbaikan" in mine[0]["text"]
    # The reviewer's note stays on the case's line, days after the notice.
    assert NOTE in mine[0]["text"]
    assert _buttons(mine[0]) == [f"Perbaiki {number}", f"Lihat {number}"]
    opened = await psm.tap(f"Perbaiki {number}")
    assert "Perbaikan laporan" in opened[0]["text"] and number in opened[0]["text"]
    assert NOTE in opened[0]["text"]  # and on top of the answers to correct
    await _send_unchanged(psm)
    assert _state(settings, number) == "resubmitted"

    # Once resubmitted, the list has only the case's page and the old button opens nothing.
    mine = await psm.say("/laporan_saya")
    assert "perlu perbaikan" not in mine[0]["text"] and NOTE not in mine[0]["text"]
    assert _buttons(mine[0]) == [f"Lihat {number}"]
    page = await psm.tap(f"Lihat {number}")
    assert f"<b>{number}</b> · Diajukan ulang" in page[0]["text"]
    assert "Perlu perbaikan (TKSK): Alamat kurang lengkap" in page[0]["text"]
    assert "menunggu diperiksa" in page[0]["text"]
    assert CHILD_NIK not in page[0]["text"] and "NIK 320801******" in page[0]["text"]
    assert _buttons(page[0]) == ["📁 Laporan saya"]
    stale = await psm.tap(f"Perbaiki {number}")
    # Said with the case and what was done (QA walk 13), not only "not waiting".
    assert f"Laporan {number} sudah Bapak/Ibu ajukan ulang" in stale[0]["text"]
    assert "sekarang berstatus <b>Diajukan ulang</b>" in stale[0]["text"]
    assert _state(settings, number) == "resubmitted"


async def test_a_handed_over_case_is_revised_by_the_receiver(fake, settings, people) -> None:
    psm, coordinator = people[PSM], people[COORDINATOR]
    await add_user(
        settings,
        role="psm",
        telegram_id=RECEIVER,
        name="Bu Wati",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2005",
    )
    receiver = TelegramPerson(fake, RECEIVER)
    await receiver.say("/start")
    number = await _sent_back_report(fake, people)

    await coordinator.say("/pengguna Ani")
    await coordinator.tap("Bu Ani")
    await coordinator.tap("Serahkan laporan")
    await coordinator.tap("Bu Wati")
    await coordinator.tap("Ya, serahkan")
    notice = await _told(fake, receiver, 0, "dari Bu Ani")
    assert "1 laporan perlu perbaikan" in notice
    told = next(m for m in receiver.messages() if "dari Bu Ani" in m["text"])
    assert _buttons(told) == [f"Perbaiki {number}"]

    # The PSM who handed it over can no longer open it from the original notice; their
    # list says where their reports went, not that they never reported.
    await _told(fake, psm, 0, "kepada Bu Wati")
    await psm.tap("Perbaiki laporan", until=GONE)
    theirs = await psm.say("/laporan_saya")
    assert "diserahkan kepada <b>Bu Wati</b>" in theirs[0]["text"]
    assert "belum pernah" not in theirs[0]["text"] and number not in theirs[0]["text"]
    page = await psm.tap_data(f"mc:{_case_id(settings, number)}", 1)
    assert "tidak ada di antara laporan Bapak/Ibu" in page[0]["text"]
    mine = await receiver.say("/laporan_saya")
    assert _buttons(mine[0]) == [f"Perbaiki {number}", f"Lihat {number}"]
    opened = await receiver.tap(f"Perbaiki {number}")
    assert "Perbaikan laporan" in opened[0]["text"]
    await _send_unchanged(receiver)
    assert _state(settings, number) == "resubmitted"
    with sqlite3.connect(settings.database_path) as db:
        ((reporter,),) = db.execute(
            "SELECT u.full_name FROM cases c JOIN users u ON u.id = c.reporter_id"
        ).fetchall()
    assert reporter == "Bu Wati"


async def test_a_reporter_who_became_tksk_elsewhere_still_revises(fake, settings, people) -> None:
    psm, coordinator = people[PSM], people[COORDINATOR]
    number = await _sent_back_report(fake, people)
    # Bu Ani moves to Cibingbin and becomes its TKSK: the case (in Kadugede) is out of her new
    # region, but it is still hers to correct, as /laporan_saya and the reminder say.
    await coordinator.say("/pengguna Ani")
    await coordinator.tap("Bu Ani")
    await coordinator.tap("Ubah wilayah")
    await coordinator.tap("Cibingbin")
    await coordinator.tap("Cipondok", until="Perubahan disimpan")
    await coordinator.tap("Ubah peran")
    done = await coordinator.tap("TKSK")
    assert "Perubahan disimpan" in done[0]["text"]
    await _told(fake, psm, 0, "sekarang <b>TKSK</b>")
    mine = await psm.say("/laporan_saya", until="perlu perbaikan")
    assert _buttons(mine[0]) == [f"Perbaiki {number}", f"Lihat {number}"]
    opened = await psm.tap(f"Perbaiki {number}")
    assert "Perbaikan laporan" in opened[0]["text"] and number in opened[0]["text"]
    await _send_unchanged(psm)
    assert _state(settings, number) == "resubmitted"

    # Her new kecamatan's scope does not make other people's cases hers to revise.
    other = await people[TKSK].tap_data(f"rv:{_case_id(settings, number)}", 1, until=GONE)
    assert GONE in other[0]["text"]


async def _send_unchanged(person: TelegramPerson) -> None:
    """Send the case opened for revision as it is: asked first, then with an explanation."""
    await person.tap("Kirim", until="Belum ada jawaban")
    await person.tap("Tetap kirim")
    await person.say("Sudah dicek, datanya benar", expect=2)  # sent unchanged, then the menu


def _case_id(settings, number: str) -> int:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute("SELECT id FROM cases WHERE number = ?", (number,)).fetchone()[0]


async def test_a_case_never_corrected_can_be_rejected(fake, settings, people) -> None:
    psm, coordinator = people[PSM], people[COORDINATOR]
    number = await _sent_back_report(fake, people)
    # The reporter never corrects it: a coordinator closes it, and the reporter hears why.
    await coordinator.say(f"/cari {number}", until="Ditemukan")
    page = await coordinator.tap(number, until="Riwayat")
    assert any("Tolak" in label for label in _buttons(page[0]))
    await coordinator.tap("Tolak")
    before = len(psm.messages())
    await coordinator.say("Tidak ada perbaikan, keluarga sudah pindah", until="sekarang")
    told = await _told(fake, psm, before, "Ditolak")
    assert "sudah pindah" in told and "Perbaiki" not in told
    assert _state(settings, number) == "rejected"
    stale = await psm.tap("Perbaiki laporan")
    # Who closed it and how it stands now (QA walk 13), not only "not waiting".
    assert f"Laporan {number} baru saja diubah oleh Ibu Sari" in stale[0]["text"]
    assert "sekarang berstatus <b>Ditolak</b>" in stale[0]["text"]
