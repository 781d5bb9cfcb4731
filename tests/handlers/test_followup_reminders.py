"""Follow-up visits due in the daily reminder, the TKSK weekly digest (exactly once a week)
and the chart of the coordinators' daily digest; the clock injected, a real database."""

from __future__ import annotations

import asyncio
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest_asyncio
from PIL import Image

from bot.channels.traits import channel_traits
from handlers.context import AppContext, District
from handlers.digest_chart import deliver_digest
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from handlers.reminders import coordinator_digest, daily_reminders
from handlers.weekly_digest import tksk_weekly_digest
from storage.db import Database
from storage.models import Role, User
from storage.repos import Repos
from tests.storage.seed_cases import (
    BABATAN,
    CINIRU,
    CINIRU_DESA,
    KADUGEDE,
    make_user,
    open_database,
    seed_case,
    unvisited_since,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local (WIB) time in December 2026 (the 7th is a Monday) as the stored UTC moment."""
    return datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def app(tmp_path) -> AppContext:
    return AppContext(
        catalog=Catalog.load(),
        forms=load_forms(),
        districts=[District("32.08", "KNG")],
        timezone=JAKARTA,
        admin_ids={},
        media_dir=tmp_path / "media",
        channels=channel_traits(),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def _person(repos: Repos, name: str, role: Role, **region: str | None) -> User:
    user = await make_user(repos, name, role, **region)
    await repos.users.update(user.id, now=at(1, 8), decided_at=at(1, 8))
    external = f"ext{user.id}"
    await repos.users.add_identity(
        user_id=user.id, channel="telegram", external_id=external, chat_id=external, now=at(1, 8)
    )
    return user


async def _messages(db: Database, user: User) -> list[dict]:
    async with db.reading() as repos:
        return [item.message for item in await repos.outbox.for_user(user.id)]


async def _texts(db: Database, user: User) -> list[str]:
    return [message.get("text", "") for message in await _messages(db, user)]


async def _visit(
    db: Database, case_id: int, by: User, *, visited: date, next_on: date | None, state: str
) -> None:
    async with db.transaction() as repos:
        await repos.visits.add(
            case_id,
            visited_on=visited,
            actions="Rujukan ke puskesmas untuk Ayu Lestari",
            next_visit_on=next_on,
            recorded_by=by.id,
            now=at(1, 9),
        )
        await repos.conn.execute("UPDATE cases SET state = ? WHERE id = ?", (state, case_id))


async def _world(db: Database):
    async with db.transaction() as repos:
        psm = await _person(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        tksk = await _person(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        other_tksk = await _person(repos, "Pak Budi", Role.TKSK, kecamatan=CINIRU)
        coordinator = await _person(repos, "Ibu Sari", Role.COORDINATOR)
        followed = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=at(1, 9),
            number="KNG-2026-000001",
            state="approved",
        )
        elsewhere = await seed_case(
            repos,
            reporter=psm,
            desa=CINIRU_DESA,
            at=at(1, 9),
            number="KNG-2026-000002",
            state="approved",
        )
    return psm, tksk, other_tksk, coordinator, followed, elsewhere


async def test_visits_due_remind_the_tksk_and_the_recorder_with_case_numbers_only(db, app) -> None:
    psm, tksk, other_tksk, coordinator, followed, elsewhere = await _world(db)
    await _visit(
        db,
        followed,
        coordinator,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 3),
        state="in_follow_up",
    )

    async def tick(now: datetime) -> None:
        async with db.transaction() as repos:
            await daily_reminders(repos, app, now)

    await tick(at(2, 16, 0))  # the day before: not due yet
    assert not any("KNG-2026-000001" in text for text in await _texts(db, tksk))
    assert await _texts(db, coordinator) == []
    await tick(at(3, 16, 0))  # due today
    await tick(at(4, 16, 0))  # overdue: said again the next day
    for person in (tksk, coordinator):
        due = [t for t in await _texts(db, person) if "jatuh tempo" in t]
        assert len(due) == 2, person.full_name
        assert all("KNG-2026-000001" in t for t in due)
        assert all("KNG-2026-000002" not in t for t in due)
        # Nothing of the household on a lock screen: no names, no visit notes.
        assert all("Ayu" not in t and "Slamet" not in t and "puskesmas" not in t for t in due)
    tksk_message = next(m for m in await _messages(db, tksk) if "jatuh tempo" in m["text"])
    assert [b["data"] for row in tksk_message["buttons"] for b in row] == [f"cs:{followed}"]
    assert not any("jatuh tempo" in t for t in await _texts(db, other_tksk))
    assert not any("jatuh tempo" in t for t in await _texts(db, psm))

    # A newer visit without a next date ends the reminders; so does a resolved case.
    await _visit(db, followed, tksk, visited=date(2026, 12, 5), next_on=None, state="in_follow_up")
    await _visit(
        db,
        elsewhere,
        other_tksk,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 2),
        state="resolved",
    )
    before = len(await _texts(db, tksk)), len(await _texts(db, other_tksk))
    await tick(at(5, 16, 0))
    after = len(await _texts(db, tksk)), len(await _texts(db, other_tksk))
    assert not any("jatuh tempo" in t for t in (await _texts(db, tksk))[before[0] :])
    assert not any("jatuh tempo" in t for t in (await _texts(db, other_tksk))[before[1] :])
    assert after[0] - before[0] <= 1  # perhaps the quiet-PSM line, never the visit


async def test_visits_due_follow_the_case_not_a_recorder_who_moved(db, app) -> None:
    psm, tksk, other_tksk, coordinator, followed, elsewhere = await _world(db)
    await _visit(
        db,
        followed,
        tksk,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 3),
        state="in_follow_up",
    )
    await _visit(
        db,
        elsewhere,
        coordinator,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 3),
        state="in_follow_up",
    )
    async with db.transaction() as repos:
        # Ciniru's TKSK leaves and Pak Tono, who recorded the Kadugede visit, goes there:
        # Kadugede has no TKSK now. Ibu Sari, who recorded the Ciniru visit, moves to Tuban.
        await repos.users.update(other_tksk.id, now=at(2, 9), status="suspended")
        await repos.users.update(tksk.id, now=at(2, 9), kecamatan_code=CINIRU)
        moved = await _person(repos, "Ibu Rina", Role.COORDINATOR)
        await repos.users.update(coordinator.id, now=at(2, 9), kabupaten_code="35.23")
        await daily_reminders(repos, app, at(3, 16, 0))

    def due(texts: list[str]) -> list[str]:
        return [t for t in texts if "jatuh tempo" in t]

    # The Ciniru case is Pak Tono's now; the Kadugede one, without a TKSK, the coordinators'.
    [line] = due(await _texts(db, tksk))
    assert "KNG-2026-000002" in line and "KNG-2026-000001" not in line
    [line] = due(await _texts(db, moved))
    assert "KNG-2026-000001" in line and "KNG-2026-000002" not in line
    assert due(await _texts(db, coordinator)) == []  # out of her kabupaten now
    assert due(await _texts(db, other_tksk)) == [] and due(await _texts(db, psm)) == []


async def test_visits_due_wait_for_no_quiet_hour(db, app) -> None:
    _, tksk, _, coordinator, followed, _ = await _world(db)
    await _visit(
        db,
        followed,
        coordinator,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 3),
        state="in_follow_up",
    )
    async with db.transaction() as repos:
        await daily_reminders(repos, app, at(3, 21, 30))  # down all day, back at night
        await daily_reminders(repos, app, at(4, 5, 30))  # still night
    assert await _texts(db, tksk) == [] and await _texts(db, coordinator) == []
    async with db.transaction() as repos:
        await daily_reminders(repos, app, at(4, 16, 0))
    assert any("KNG-2026-000001" in t for t in await _texts(db, tksk))


async def test_the_weekly_digest_goes_once_a_week_on_its_day(db, app) -> None:
    psm, tksk, other_tksk, coordinator, followed, _ = await _world(db)
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=at(3, 10),
            number="KNG-2026-000003",
            categories=("stunting", "fakir_miskin"),
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=at(8, 10),
            number="KNG-2026-000004",
        )  # the next week: not counted in the first digest
    await _visit(
        db,
        followed,
        tksk,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 6),
        state="in_follow_up",
    )

    async def tick(now: datetime) -> None:
        async with db.transaction() as repos:
            await tksk_weekly_digest(repos, app, now)

    def weekly(texts: list[str]) -> list[str]:
        return [t for t in texts if "Ringkasan mingguan" in t]

    await tick(at(7, 6, 59))  # Monday before DIGEST_TIME
    assert weekly(await _texts(db, tksk)) == []
    await tick(at(7, 7, 0))
    await tick(at(7, 9, 0))
    await tick(at(9, 7, 0))
    await tick(at(13, 20, 0))
    digests = weekly(await _texts(db, tksk))
    assert len(digests) == 1
    digest = digests[0]
    assert "Kadugede" in digest and "30-11-2026 s.d. 06-12-2026" in digest
    assert "Laporan baru minggu lalu: 2" in digest  # KNG-2026-000001 and 000003
    assert "Diajukan 1" in digest and "Dalam tindak lanjut 1" in digest
    assert "Stunting 2" in digest and "Fakir miskin 1" in digest
    assert "Menunggu verifikasi: 2 (paling lama: KNG-2026-000003" in digest
    assert "jatuh tempo: 1 (KNG-2026-000001)" in digest
    assert "Bu Ani" not in digest  # she reported this week: not quiet
    assert "Slamet" not in digest and "Ayu" not in digest
    assert len(weekly(await _texts(db, other_tksk))) == 1
    assert weekly(await _texts(db, coordinator)) == [] and weekly(await _texts(db, psm)) == []

    # The bot down on the next Monday and back on Wednesday: that week's digest goes then,
    # not during the quiet hours, and only once.
    await tick(at(16, 22, 0))
    assert len(weekly(await _texts(db, tksk))) == 1
    await tick(at(16, 8, 0))
    await tick(at(17, 8, 0))
    digests = weekly(await _texts(db, tksk))
    assert len(digests) == 2
    assert "07-12-2026 s.d. 13-12-2026" in digests[1]
    assert "Laporan baru minggu lalu: 1" in digests[1]
    # Announced as what it is outside WhatsApp's window; of its day: the newer one dropped
    # the older one still unsent, and neither goes out after the day it was written on.
    async with db.reading() as repos:
        queued = [i for i in await repos.outbox.for_user(tksk.id) if i.message.get("thread")]
    assert [(i.status, i.message["thread"], i.expires_at) for i in queued] == [
        ("expired", "weekly_digest", at(7, 19, 0)),
        ("pending", "weekly_digest", at(16, 20, 0)),  # its 12 hours end before its day
    ]
    assert {i.message["summary"] for i in queued} == {"Ringkasan mingguan"}


async def test_a_digest_missed_for_days_is_not_sent_the_day_before_the_next(db, app) -> None:
    """A TKSK who started on a Sunday (or a bot down all week) gets no digest of the week
    before on Sunday and another on Monday: only Monday's, of the week just ended."""
    _, tksk, _, _, _, _ = await _world(db)

    async def tick(now: datetime) -> None:
        async with db.transaction() as repos:
            await tksk_weekly_digest(repos, app, now)

    def weekly(texts: list[str]) -> list[str]:
        return [t for t in texts if "Ringkasan mingguan" in t]

    await tick(at(10, 8, 0))  # Thursday of the week of 7 December: three days late
    await tick(at(13, 20, 0))  # Sunday
    assert weekly(await _texts(db, tksk)) == []
    await tick(at(14, 7, 0))  # Monday
    digests = weekly(await _texts(db, tksk))
    assert len(digests) == 1 and "07-12-2026 s.d. 13-12-2026" in digests[0]


async def test_the_coordinator_digest_carries_a_chart(db, app) -> None:
    psm, _, _, coordinator, _, _ = await _world(db)
    async with db.transaction() as repos:
        await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=at(9, 10),
            number="KNG-2026-000005",
        )
        await seed_case(
            repos,
            reporter=psm,
            desa=CINIRU_DESA,
            at=at(9, 11),
            number="KNG-2026-000006",
            categories=("fakir_miskin",),
        )
    async with db.transaction() as repos:
        await coordinator_digest(repos, app, at(10, 7, 0))
        await coordinator_digest(repos, app, at(10, 8, 0))
    messages = await _messages(db, coordinator)
    assert [m.get("type", "text") for m in messages] == ["image"]  # the text is its caption
    caption = messages[0]["text"]
    assert "Ringkasan harian" in caption and "Laporan baru kemarin: 2" in caption
    chart = Path(messages[0]["file_path"])
    assert chart.is_relative_to(app.media_dir / "tmp")
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.width > 300
    # A day without new cases: the text alone.
    async with db.transaction() as repos:
        await coordinator_digest(repos, app, at(11, 7, 0))
    messages = await _messages(db, coordinator)
    assert len(messages) == 2 and messages[1].get("type", "text") == "text"
    assert "Laporan baru kemarin: 0" in messages[1]["text"]


async def test_a_digest_too_long_for_a_caption_keeps_its_photo_and_text_both(db, app) -> None:
    """A photo with a short caption, then the text: both announced as the digest and of
    its day, and the text (a thread of its own) does not drop its own photo."""
    _, _, _, coordinator, _, _ = await _world(db)
    async with db.transaction() as repos:
        await deliver_digest(
            repos,
            app,
            user_id=coordinator.id,
            language="id",
            text="Ringkasan harian\n" + "• Kec. Panjang: 1\n" * 80,
            summary="Ringkasan harian",
            chart=app.media_dir / "tmp" / "ringkasan.png",
            area="Kabupaten Kuningan",
            now=at(10, 7, 0),
        )
        queued = await repos.outbox.for_user(coordinator.id)
    assert [(i.status, i.message.get("type", "text"), i.message["thread"]) for i in queued] == [
        ("pending", "image", "digest"),
        ("pending", "text", "digest:text"),
    ]
    assert [i.message["summary"] for i in queued] == ["Ringkasan harian"] * 2
    assert {i.expires_at for i in queued} == {at(10, 19, 0)}


async def test_a_chart_that_cannot_be_drawn_leaves_the_digest_text(db, app) -> None:
    psm, _, _, coordinator, _, _ = await _world(db)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=psm, desa=BABATAN, at=at(9, 10), number="KNG-2026-000007")

    async def broken(fn, *args):  # as the render process answers when it died twice
        raise BrokenProcessPool("the render worker died")

    async with db.transaction() as repos:
        await coordinator_digest(repos, replace(app, render=broken), at(10, 7, 0))
    messages = await _messages(db, coordinator)
    assert [m.get("type", "text") for m in messages] == ["text"]
    assert "Ringkasan harian" in messages[0]["text"]
    assert "Laporan baru kemarin: 1" in messages[0]["text"]


async def test_the_digest_chart_is_drawn_with_the_writer_free(db, app) -> None:
    psm, _, _, coordinator, _, _ = await _world(db)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=psm, desa=BABATAN, at=at(9, 10), number="KNG-2026-000008")
    answered_while_drawing: list[bool] = []

    async def answer() -> bool:
        async with db.transaction() as repos:
            return await repos.schedule.claim("answer", "while-drawing", now=at(10, 7, 0))

    async def drawing(fn, *args):  # a person's answer arrives while the chart is drawn
        try:  # behind a held writer it would wait for ever (the bound only ends the test)
            answered_while_drawing.append(await asyncio.wait_for(answer(), 30))
        except TimeoutError:
            answered_while_drawing.append(False)
        return fn(*args)

    async with db.transaction() as repos:
        await coordinator_digest(repos, replace(app, render=drawing), at(10, 7, 0))
    assert answered_while_drawing == [True]
    messages = await _messages(db, coordinator)
    assert [m.get("type", "text") for m in messages] == ["image"]


async def test_each_digest_chart_names_the_district_in_its_language(db, app) -> None:
    """Indonesian "Kabupaten Kuningan", English "District Kuningan" (QA walk 10), on the
    chart drawn for each language."""
    psm, _, _, _, _, _ = await _world(db)
    async with db.transaction() as repos:
        rina = await _person(repos, "Ibu Rina", Role.COORDINATOR)
        await repos.users.update(rina.id, now=at(1, 8), language="en")
        await seed_case(repos, reporter=psm, desa=BABATAN, at=at(9, 10), number="KNG-2026-000009")
    titles: list[str] = []

    async def drawing(fn, chart, *args):
        titles.append(chart.title)
        return fn(chart, *args)

    async with db.transaction() as repos:
        await coordinator_digest(repos, replace(app, render=drawing), at(10, 7, 0))
    assert sorted(titles) == [
        "Laporan baru kemarin\nKabupaten Kuningan",
        "New reports yesterday\nDistrict Kuningan",
    ], titles


async def test_a_coordinator_with_a_visit_due_is_reminded_at_her_own_hour_once(db, app) -> None:
    _, _, _, coordinator, followed, _ = await _world(db)
    async with db.transaction() as repos:
        await repos.users.update(coordinator.id, now=at(1, 8), reminder_time="18:30")

    async def due(hour: str, day: str = "2026-12-03") -> bool:
        async with db.reading() as repos:
            people = await repos.reminders.due_for_daily_reminder(
                default_time="16:00", local_time=hour, day=day, unvisited=unvisited_since(day)
            )
        return coordinator.id in [person.id for person in people]

    assert not await due("18:30")  # no visit of hers is due: coordinators get no reminder
    await _visit(
        db,
        followed,
        coordinator,
        visited=date(2026, 12, 1),
        next_on=date(2026, 12, 3),
        state="in_follow_up",
    )
    assert not await due("18:30", day="2026-12-02")  # the day before the visit
    assert not await due("16:00")  # everyone else's hour, not hers
    assert await due("18:30")
    async with db.transaction() as repos:
        await daily_reminders(repos, app, at(3, 18, 30))
    assert any("KNG-2026-000001" in t for t in await _texts(db, coordinator))
    assert not await due("18:31")  # reminded today
    async with db.transaction() as repos:
        await repos.users.update(coordinator.id, now=at(4, 8), reminders_enabled=False)
    assert not await due("18:30", day="2026-12-04")
