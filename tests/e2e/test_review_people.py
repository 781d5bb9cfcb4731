"""Who hears of a case and who may act on it: a suspended reporter hears nothing about their
cases; nobody verifies or approves their own report (four eyes)."""

from __future__ import annotations

import sqlite3

from tests.e2e import test_review
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import Report, walk_report
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
    await _told(fake, psm, before, "dinonaktifkan oleh koordinator")


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
    await tksk.tap("Kembalikan")
    await tksk.say("Alamat kurang lengkap", until="sekarang")
    assert _state(settings, number) == "needs_revision"

    # Another reporter adds the same household as an update: the reporter is not told either.
    await walk_report(tksk, Report(photos=0, head="Slamet R."), fake=fake)
    question = await tksk.tap("Kirim")
    assert number in question[0]["text"]
    await tksk.tap("Tambahkan", until="pembaruan")
    assert _rows(settings, "SELECT COUNT(*) FROM case_updates") == [(1,)]

    assert _outbox_after(settings, psm_id, suspended_at) == []
