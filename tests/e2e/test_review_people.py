"""Who hears of a case and who may act on it: a suspended reporter hears nothing about their
cases; nobody verifies or approves their own report (four eyes)."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from tests.e2e import test_review
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import Report, walk_report
from tests.e2e.review_steps import verify
from tests.e2e.test_review import COORDINATOR, PSM, TKSK, _report, _state, _told

people = test_review.people  # the fixture: a coordinator, two TKSK and the PSM


def _rows(settings, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


def _user_id(settings, name: str) -> int:
    ((user_id,),) = _rows(settings, "SELECT id FROM users WHERE full_name = ?", (name,))
    return user_id


def _outbox_after(settings, user_id: int, after: int) -> list[str]:
    """The messages queued for a person after outbox row `after`."""
    rows = _rows(
        settings, "SELECT message FROM outbox WHERE user_id = ? AND id > ?", (user_id, after)
    )
    return [message for (message,) in rows]


def _last_outbox_id(settings) -> int:
    return _rows(settings, "SELECT COALESCE(MAX(id), 0) FROM outbox")[0][0]


async def _suspend(coordinator: TelegramPerson, psm: TelegramPerson, fake) -> None:
    await coordinator.say("/pengguna Ani")
    await coordinator.tap("Bu Ani")
    await coordinator.tap("Nonaktifkan")
    before = len(psm.messages())
    await coordinator.tap("Ya, nonaktifkan")
    await _told(fake, psm, before, "dinonaktifkan oleh Ibu Sari")


async def test_a_suspended_reporter_hears_nothing_of_their_case(fake, settings, people) -> None:
    psm, tksk, coordinator = people[PSM], people[TKSK], people[COORDINATOR]
    number = await _report(fake, psm)
    await _suspend(coordinator, psm, fake)
    psm_id = _user_id(settings, "Bu Ani")
    suspended_at = _last_outbox_id(settings)

    # The TKSK sends it back: done, but the suspended reporter gets no notice (no reason,
    # no "Perbaiki" button they could not use).
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    await tksk.tap("Minta perbaikan")
    await tksk.say("Alamat kurang lengkap", until="sekarang")
    assert _state(settings, number) == "needs_revision"

    # Another reporter adds the same household as an update: the reporter is not told either.
    await walk_report(tksk, Report(photos=0, head="Slamet R."), fake=fake)
    question = await tksk.tap("Kirim")
    assert number in question[0]["text"]
    await tksk.tap("Jadikan pembaruan", until="pembaruan")
    assert _rows(settings, "SELECT COUNT(*) FROM case_updates") == [(1,)]

    assert _outbox_after(settings, psm_id, suspended_at) == []


def _labels(message: dict) -> str:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])  # none on one's own report
    return " | ".join(b["text"] for row in rows for b in row)


async def test_nobody_verifies_their_own_report(fake, settings, people) -> None:
    tksk, coordinator = people[TKSK], people[COORDINATOR]
    # The TKSK reports a case in their own kecamatan: they may not verify it, and the
    # coordinators (who verify it then) hear of it.
    before_new = len(coordinator.messages())
    await walk_report(tksk, Report(photos=0), fake=fake)
    done = await tksk.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await _told(fake, coordinator, before_new, number)
    opened = await coordinator.tap("Buka laporan")  # the notice's button
    assert number in opened[0]["text"] and "Verifikasi" in _labels(opened[0])
    await tksk.say("/antrian", until="Antrian")
    page = await tksk.tap(number, until="Riwayat")
    # Nor sends it back: no decision on one's own report (QA walk 8).
    assert "Verifikasi" not in _labels(page[0]) and "Minta perbaikan" not in _labels(page[0])
    assert "laporan Bapak/Ibu sendiri" in page[0]["text"]  # why there is no Verifikasi
    ((case_id, version),) = _rows(settings, "SELECT id, version FROM cases")
    forged = await tksk.tap_data(f"ca:v:{case_id}:{version}", 1)
    assert "laporan Bapak/Ibu sendiri" in forged[0]["text"]
    assert _state(settings, number) == "submitted"

    # So a coordinator verifies it (as where the kecamatan has no TKSK), and is not told
    # that it waits for their validation after their own action.
    coordinator_id = _user_id(settings, "Ibu Sari")
    await coordinator.say("/antrian", until="Antrian")
    page = await coordinator.tap(number, until="Riwayat")
    assert "laporan Bapak/Ibu sendiri" not in page[0]["text"]
    before = _last_outbox_id(settings)
    await verify(coordinator)
    assert _state(settings, number) == "verified"
    assert not any(
        "menunggu validasi" in m for m in _outbox_after(settings, coordinator_id, before)
    )

    # Sent back and corrected: the coordinators hear of it, not only the reporter themselves.
    await coordinator.say("/antrian", until="Antrian")
    await coordinator.tap(number, until="Riwayat")
    await coordinator.tap("Minta perbaikan")
    await coordinator.say("Mohon lengkapi alamat", until="sekarang")
    await _told(fake, tksk, 0, "Perlu perbaikan")
    await tksk.tap("Perbaiki laporan")
    before = len(coordinator.messages())
    await tksk.tap("Kirim", until="Belum ada jawaban")  # nothing changed: asked first
    await tksk.tap("Tetap kirim")
    await tksk.say("Alamat sudah lengkap", expect=2)  # sent unchanged, then the menu
    await _told(fake, coordinator, before, "diajukan ulang")


async def test_the_coordinator_is_told_in_their_own_language(fake, settings, people) -> None:
    psm, tksk, coordinator = people[PSM], people[TKSK], people[COORDINATOR]
    await coordinator.say("/bahasa")
    await coordinator.tap("English", until="English")
    number = await _report(fake, psm)
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before = len(coordinator.messages())
    await verify(tksk)
    await _told(fake, coordinator, before, number)
    told = next(m for m in coordinator.messages()[before:] if number in m["text"])
    assert _labels(told) == "Open the report"


ADMIN = 400


async def test_an_admin_stands_in_where_only_the_reporter_could_validate(
    fake, settings, people
) -> None:
    tksk, coordinator = people[TKSK], people[COORDINATOR]
    await add_user(settings, role="admin", telegram_id=ADMIN, name="Pak Admin", kabupaten=None)
    admin = TelegramPerson(fake, ADMIN)
    await admin.say("/start")
    # The kabupaten's only coordinator reports a case: the TKSK verifies it as usual.
    before_tksk = len(tksk.messages())
    await walk_report(coordinator, Report(photos=0, kecamatan="Kadugede"), fake=fake)
    done = await coordinator.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await _told(fake, tksk, before_tksk, number)
    await tksk.say("/antrian", until="Antrian")
    await tksk.tap(number, until="Riwayat")
    before_admin = len(admin.messages())
    await verify(tksk)

    # Four eyes leaves nobody to validate it: the admin is asked to stand in.
    told = await _told(fake, admin, before_admin, "sebagai admin menggantikan")
    assert number in told
    # Their queue marks it as theirs to decide (the order: tests/storage).
    queue = await admin.say("/antrian", until="Antrian")
    assert _labels(queue[0]).startswith(f"🙋 {number}") and "admin menggantikan" in queue[0]["text"]
    await coordinator.say("/antrian", until="Antrian")
    page = await coordinator.tap(number, until="Riwayat")
    assert "Validasi" not in _labels(page[0]) and "laporan Bapak/Ibu sendiri" in page[0]["text"]
    page = await admin.tap("Buka laporan", until="Riwayat")
    assert "sebagai admin menggantikan" in page[0]["text"]
    # Only what four eyes blocks: an admin never sends back or rejects.
    assert _labels(page[0]).count("Validasi") == 1
    assert "Minta perbaikan" not in _labels(page[0]) and "Tolak" not in _labels(page[0])
    ((case_id, version),) = _rows(settings, "SELECT id, version FROM cases")
    refused = await admin.tap_data(f"ca:x:{case_id}:{version}", 1)
    assert "tidak" in refused[0]["text"].lower() and _state(settings, number) == "verified"

    before_reporter = len(coordinator.messages())
    await admin.tap("Validasi", until="sekarang")
    assert _state(settings, number) == "approved"
    await _told(fake, coordinator, before_reporter, number)
    (detail,) = _rows(settings, "SELECT detail FROM audit_log WHERE action = 'case.approve'")[0]
    assert '"stand_in": true' in detail
