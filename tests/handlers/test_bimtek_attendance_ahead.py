"""Attendance set by hand waits for its day: before a day's local date only an excuse
(izin/sakit) can be set, hadir/tidak hadir are neither offered nor taken (a forged or old
button included) and the page does not count someone present at a day to come; walk-ins
likewise. The person learns of a status an organiser sets for them, through the delivery
path (the channel they use), unless it is what their status already was."""

from __future__ import annotations

from handlers.trainings import manual, people
from handlers.trainings.page import show_page
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import (
    at,
    button_data,
    invited_psm,
    labels,
    person,
    plain,
    texts,
    turn,
)
from tests.storage.seed_cases import open_database


async def _outbox_texts(db, user_id: int) -> list[str]:
    async with db.transaction() as repos:
        rows = await repos.outbox.for_user(user_id)
    return [plain(row.message.get("text")) for row in rows]


async def test_presence_is_not_set_for_a_day_still_to_come(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            day = (await repos.trainings.days(training_id))[0]
        head = f"tm:{training_id}:{day.id}:u{ani.id}"
        async with db.transaction() as repos:  # 7 December, the eve: the choices it has
            asked = await turn(app, repos, sari, at(7, 15), data=head)
            await manual.manual_button(asked, head)
        assert labels(asked)[:2] == ["Izin", "Sakit"]
        assert f"{head}:hadir" not in button_data(asked)
        assert f"{head}:tidak_hadir" not in button_data(asked)
        assert "belum tiba" in texts(asked)[0] and "Selasa, 8 Desember 2026" in texts(asked)[0]
        for status in ("hadir", "tidak_hadir"):  # an old or forged button: nothing set
            async with db.transaction() as repos:
                forged = await turn(app, repos, sari, at(7, 15), data=f"{head}:{status}")
                await manual.manual_button(forged, f"{head}:{status}")
                assert await repos.trainings.attendance_of(day.id, ani.id) is None
            assert "belum tiba" in texts(forged)[0]
            assert not any("Hadir." in text for text in texts(forged))
        async with db.transaction() as repos:
            page = await turn(app, repos, sari, at(7, 15), data=f"tp:{training_id}")
            await show_page(page, await repos.trainings.get(training_id))
        assert "hadir 0" in texts(page)[0].lower() or "Hadir: 0" in texts(page)[0]
        async with db.transaction() as repos:  # an excuse may be set ahead
            excused = await turn(app, repos, sari, at(7, 15), data=f"{head}:sakit")
            await manual.manual_button(excused, f"{head}:sakit")
            record = await repos.trainings.attendance_of(day.id, ani.id)
        assert record is not None and record.status == "sakit"
        async with db.transaction() as repos:  # on the day itself, before the start
            asked = await turn(app, repos, sari, at(8, 6), data=head)
            await manual.manual_button(asked, head)
            present = await turn(app, repos, sari, at(8, 6), data=f"{head}:hadir")
            await manual.manual_button(present, f"{head}:hadir")
            record = await repos.trainings.attendance_of(day.id, ani.id)
        assert f"{head}:hadir" in button_data(asked) and f"{head}:tidak_hadir" in button_data(asked)
        assert record is not None and record.status == "hadir"
    finally:
        await db.close()


async def test_a_walk_in_waits_for_the_day(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari, _, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            budi = await person(repos, "Pak Budi", Role.PSM, kecamatan="32.08.01")
            day = (await repos.trainings.days(training_id))[0]
            training = await repos.trainings.get(training_id)
        async with db.transaction() as repos:
            menu = await turn(app, repos, sari, at(7, 15), data=f"tp:{training_id}:w")
            await people.walk_in(menu, training)
            data = f"ti:w:{training_id}:{day.id}:{budi.id}"
            walked = await turn(app, repos, sari, at(7, 15), data=data)
            await people.people_button(walked, data)
            assert await repos.trainings.attendance_of(day.id, budi.id) is None
            assert await repos.trainings.invitation(training_id, budi.id) is None
        assert "hari pelaksanaan" in texts(menu)[0]
        assert f"tp:{training_id}:i" in button_data(menu)
        assert "Hari 1 (Selasa, 8 Desember 2026) belum tiba" in texts(walked)[0]
        async with db.transaction() as repos:  # on the day
            walked = await turn(app, repos, sari, at(8, 9), data=data)
            await people.people_button(walked, data)
            record = await repos.trainings.attendance_of(day.id, budi.id)
        assert record is not None and record.status == "hadir"
    finally:
        await db.close()


async def test_the_person_is_told_of_a_status_set_for_them(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari, ani, training_id = await invited_psm(
                repos, [(at(8, 8), at(8, 12))], and_a_suspended_one=True
            )
            suspended = next(
                i for i in await repos.trainings.invitations(training_id) if i.user_id != ani.id
            )
            day = (await repos.trainings.days(training_id))[0]
        before = len(await _outbox_texts(db, ani.id))
        head = f"tm:{training_id}:{day.id}:u{ani.id}"
        async with db.transaction() as repos:
            marked = await turn(app, repos, sari, at(8, 11), data=f"{head}:tidak_hadir")
            await manual.manual_button(marked, f"{head}:tidak_hadir")
            again = await turn(app, repos, sari, at(8, 11), data=f"{head}:tidak_hadir")
            await manual.manual_button(again, f"{head}:tidak_hadir")  # no change: not told
            other = f"tm:{training_id}:{day.id}:u{suspended.user_id}:hadir"
            await manual.manual_button(await turn(app, repos, sari, at(8, 11), data=other), other)
        told = (await _outbox_texts(db, ani.id))[before:]
        assert len(told) == 1
        assert "Bimtek Uji hari 1 (Selasa, 8 Desember 2026): Tidak hadir" in told[0]
        assert "hubungi panitia" in told[0]
        assert await _outbox_texts(db, suspended.user_id) == []
    finally:
        await db.close()
