"""Wrong check-in codes are limited: after 5 wrong codes within 15 minutes, /hadir with a code
is refused for 15 minutes (even the right code), saying when to try again in local time; the
count is kept in the audit log, so reopening the database (a restart) does not reset it."""

from __future__ import annotations

from datetime import timedelta

from handlers.trainings import checkin
from handlers.trainings.code_attempts import locked_until_of
from handlers.trainings.codes import code_for, current_code, slot_of
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, invited_psm, texts, turn
from tests.storage.seed_cases import open_database


def _wrong(secret: str, now) -> str:
    """A code that was never current that day (an earlier one of the day has expired)."""
    day_starts = now.replace(hour=0, minute=0, second=0, microsecond=0)
    taken = {code_for(secret, slot) for slot in range(slot_of(day_starts), slot_of(now) + 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in taken)


async def test_five_wrong_codes_lock_code_check_in_for_fifteen_minutes(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            secret = (await repos.trainings.get(training_id)).secret
            day = (await repos.trainings.days(training_id))[0]
        for minute in range(30, 34):  # 07.30-07.33: four wrong codes, each said to be wrong
            async with db.transaction() as repos:
                now = at(8, 7, minute)
                tried = await turn(app, repos, ani, now, command="hadir", args=_wrong(secret, now))
                await checkin.check_in(tried)
            assert "Kode itu salah" in texts(tried)[0]
        async with db.transaction() as repos:  # not codes: an expired one, and no code at all
            now = at(8, 7, 34)
            stale = code_for(secret, slot_of(now) - 3)
            for typed in (stale, "12345"):
                tried = await turn(app, repos, ani, now, command="hadir", args=typed)
                await checkin.check_in(tried)
                assert "Coba lagi" not in texts(tried)[0]
        async with db.transaction() as repos:  # the fifth wrong code, at 07.34.30
            now = at(8, 7, 34) + timedelta(seconds=30)
            fifth = await turn(app, repos, ani, now, command="hadir", args=_wrong(secret, now))
            await checkin.check_in(fifth)
        assert "Terlalu banyak kode yang salah" in texts(fifth)[0]
        assert "pukul 07.50 WIB" in texts(fifth)[0]  # 07.49.30, rounded up
    finally:
        await db.close()

    db = await open_database(tmp_path / "psm.db")  # a restart: the count is kept
    try:
        async with db.transaction() as repos:
            now = at(8, 7, 45)
            right = await turn(
                app, repos, ani, now, command="hadir", args=current_code(secret, now)
            )
            await checkin.check_in(right)
            assert await repos.trainings.attendance_of(day.id, ani.id) is None
            wrong_rows = await repos.audit.entries("training.code_wrong")
        assert "Terlalu banyak kode yang salah" in texts(right)[0]
        assert "pukul 07.50 WIB" in texts(right)[0]
        assert len(wrong_rows) == 5  # refused attempts were not tried, so not counted
        assert {row["actor_id"] for row in wrong_rows} == {ani.id}
        assert {row["subject"] for row in wrong_rows} == {f"training:{training_id}"}
        async with db.transaction() as repos:
            now = at(8, 7, 50)  # the lockout is over
            right = await turn(
                app, repos, ani, now, command="hadir", args=current_code(secret, now)
            )
            await checkin.check_in(right)
            assert await repos.trainings.attendance_of(day.id, ani.id) is not None
        assert "Tercatat hadir" in texts(right)[0]
    finally:
        await db.close()


def test_the_lockout_follows_the_fifth_wrong_code_within_the_window():
    start = at(8, 7)
    minutes = [start + timedelta(minutes=m) for m in (0, 1, 2, 3)]
    assert locked_until_of(minutes, start + timedelta(minutes=4)) is None  # four are allowed
    fifth = start + timedelta(minutes=14)
    assert locked_until_of([*minutes, fifth], fifth) == fifth + timedelta(minutes=15)
    late = start + timedelta(minutes=15)  # the first one is 15 minutes old: not within
    assert locked_until_of([*minutes, late], late) is None
    # after a lockout, the wrong codes before it do not lock again at once
    after = [fifth + timedelta(minutes=15 + m) for m in range(4)]
    assert locked_until_of([*minutes, fifth, *after], after[-1]) is None
