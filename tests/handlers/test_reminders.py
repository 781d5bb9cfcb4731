"""Daily reminders, quiet hours, the coordinator digest and broadcast reports, with the
clock injected (tests never wait) on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.channels.traits import channel_traits
from bot.channels.whatsapp.outbound import render
from handlers import reminders
from handlers.context import AppContext, District
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from handlers.i18n import Catalog
from handlers.quiet_hours import in_quiet_hours, next_allowed
from handlers.reminders import coordinator_digest, daily_reminders
from storage.db import Database
from storage.models import Role, UserStatus
from tests.storage.seed_cases import seed_case, unvisited_since

JAKARTA = ZoneInfo("Asia/Jakarta")
CASE_REPORT_VERSION = load_forms()["case_report"].version


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local (WIB) time in December 2026, as the aware UTC moment stored everywhere."""
    return datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


APP = AppContext(
    catalog=Catalog.load(),
    forms=load_forms(),
    districts=[District("32.08", "KNG")],
    timezone=JAKARTA,
    admin_ids={},
    channels=channel_traits(),
)


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = Database(tmp_path / "psm.db")
    await database.open()
    async with database.transaction() as repos:
        for form in APP.forms.values():
            await repos.forms.save_definition(form.id, form.version, form.model_dump(mode="json"))
    yield database
    await database.close()


async def _person(
    db: Database,
    role: Role,
    *,
    external: str,
    created: datetime,
    kecamatan: str = "32.08.01",
    name: str = "Ani",
    channel: str = "telegram",
) -> int:
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=created, status=UserStatus.ACTIVE, full_name=name, role=role, kabupaten_code="32.08"
        )
        await repos.users.update(
            user.id,
            now=created,
            kecamatan_code=kecamatan,
            desa_code="32.08.01.2006",
            decided_at=created,
        )
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id=external, chat_id=external, now=created
        )
        return user.id


async def _tick(db: Database, now: datetime) -> None:
    async with db.transaction() as repos:
        await daily_reminders(repos, APP, now)
        await coordinator_digest(repos, APP, now)


async def _texts(db: Database, user_id: int) -> list[str]:
    async with db.reading() as repos:
        return [item.message["text"] for item in await repos.outbox.for_user(user_id)]


# A report with an answer: a draft (/draf lists it; one left at its first question is none).
DRAFT = {**new_state(), "answers": {"head_name": "Keluarga Darto"}}


async def test_one_reminder_at_the_hour_listing_only_what_applies(db) -> None:
    psm = await _person(db, Role.PSM, external="1", created=at(1, 8))
    async with db.transaction() as repos:
        session = await repos.forms.start(
            user_id=psm,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=new_state(),
            now=at(1, 9),
        )
        await repos.forms.save(
            session.id,
            state={**new_state(), "answers": {"head_name": "Keluarga Darto"}},
            status="paused",
            now=at(1, 9),
        )
    await _tick(db, at(1, 15, 59))
    assert await _texts(db, psm) == []
    await _tick(db, at(1, 16, 0))
    await _tick(db, at(1, 17, 0))  # the same day: nothing more
    texts = await _texts(db, psm)
    assert len(texts) == 1
    assert "1 laporan belum selesai" in texts[0]
    assert "Darto" not in texts[0]  # no household on a lock screen
    await _tick(db, at(2, 16, 5))
    assert len(await _texts(db, psm)) == 2


async def test_nothing_to_say_sends_nothing_and_quiet_hours_send_nothing(db) -> None:
    psm = await _person(db, Role.PSM, external="2", created=at(1, 8))
    await _tick(db, at(1, 16, 0))
    await _tick(db, at(1, 23, 0))
    await _tick(db, at(2, 5, 0))
    assert await _texts(db, psm) == []
    # Down all day and back after the quiet hours began: the day's reminder is skipped.
    psm2 = await _person(db, Role.PSM, external="3", created=at(1, 8))
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=psm2,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=DRAFT,
            now=at(1, 9),
        )
    await _tick(db, at(1, 21, 30))
    assert await _texts(db, psm2) == []
    await _tick(db, at(2, 18, 0))  # back the next evening, before quiet hours: sent
    assert len(await _texts(db, psm2)) == 1


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_quiet_psm_is_told_once_a_week_and_their_tksk_learns_who(db, channel) -> None:
    psm = await _person(
        db, Role.PSM, external="4", created=at(1, 8), name="Bu Ani", channel=channel
    )
    tksk = await _person(db, Role.TKSK, external="5", created=at(1, 8), name="Pak Tono")
    await _tick(db, at(9, 16, 0))  # 8 days without a report
    texts = await _texts(db, psm)
    # Approved 8 days ago and never reported: not "no new report for 8 days".
    assert len(texts) == 1 and "Bapak/Ibu belum pernah mengirim laporan." in texts[0]
    assert "Belum ada laporan baru" not in texts[0]
    tksk_texts = await _texts(db, tksk)
    assert len(tksk_texts) == 1 and "Bu Ani" in tksk_texts[0]
    await _tick(db, at(10, 16, 0))  # the next day: not repeated
    assert len(await _texts(db, psm)) == 1
    await _tick(db, at(15, 16, 0))  # the next week: again
    assert len(await _texts(db, psm)) == 2


async def test_reminder_hour_can_change_or_be_off(db) -> None:
    psm = await _person(db, Role.PSM, external="6", created=at(1, 8))
    async with db.transaction() as repos:
        await repos.users.update(psm, now=at(1, 8), reminder_time="08:00")
        await repos.forms.start(
            user_id=psm,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=DRAFT,
            now=at(1, 9),
        )
    await _tick(db, at(2, 8, 1))
    assert len(await _texts(db, psm)) == 1
    async with db.transaction() as repos:
        await repos.users.update(psm, now=at(2, 9), reminders_enabled=False)
    await _tick(db, at(3, 8, 1))
    assert len(await _texts(db, psm)) == 1


async def test_coordinator_digest_each_morning(db) -> None:
    coordinator = await _person(db, Role.COORDINATOR, external="7", created=at(1, 8))
    await _tick(db, at(2, 6, 59))
    assert await _texts(db, coordinator) == []
    await _tick(db, at(2, 7, 0))
    await _tick(db, at(2, 9, 0))
    texts = await _texts(db, coordinator)
    assert len(texts) == 1 and "Ringkasan harian" in texts[0]
    assert "Laporan baru kemarin: 0" in texts[0]


async def test_the_digest_goes_to_each_coordinator_still_without_todays(db) -> None:
    first = await _person(db, Role.COORDINATOR, external="7e", created=at(1, 8))
    await _tick(db, at(2, 7, 0))
    later = await _person(db, Role.COORDINATOR, external="7f", created=at(2, 8))
    async with db.reading() as repos:
        waiting = await repos.reminders.due_for_digest("32.08", "2026-12-02")
        assert [person.id for person in waiting] == [later]
        assert await repos.reminders.due_for_digest("35.23", "2026-12-02") == []
    await _tick(db, at(2, 8, 1))
    await _tick(db, at(2, 9, 0))
    assert len(await _texts(db, first)) == 1
    assert len(await _texts(db, later)) == 1


async def test_the_digest_counts_every_registration_waiting_in_pengguna(db) -> None:
    coordinator = await _person(db, Role.COORDINATOR, external="7b", created=at(1, 8))
    applying = await _person(db, Role.CALON, external="7c", created=at(1, 8), name="Pak Calon")
    await _person(db, Role.CALON, external="7d", created=at(1, 8), name="Bu Peserta")
    async with db.transaction() as repos:
        # A training candidate asking to become a PSM waits in /pengguna, active meanwhile.
        await repos.users.update(applying, now=at(1, 9), requested_role="psm")
        await repos.users.create(
            now=at(1, 9), status=UserStatus.PENDING, full_name="Siti", kabupaten_code="32.08"
        )
        await repos.users.create(
            now=at(1, 9), status=UserStatus.PENDING, full_name="Tuti", kabupaten_code="35.23"
        )
    await _tick(db, at(2, 7, 0))
    [text] = await _texts(db, coordinator)
    assert "Pendaftaran menunggu persetujuan: 2. Ketik /pengguna." in text


def test_the_digest_escapes_region_names() -> None:
    new = {"kecamatan": [("Darma & <Sekitar>", 3)], "categories": []}
    text = reminders._digest_text(APP, "id", new, [], 0, at(2, 7))
    assert "• Darma &amp; &lt;Sekitar&gt;: 3" in text


async def test_quiet_hours_hold_routine_but_never_alerts(db) -> None:
    night = at(1, 23, 30)
    assert in_quiet_hours(APP, night) and not in_quiet_hours(APP, at(1, 12))
    morning = next_allowed(APP, night)
    assert morning == at(2, 6, 0)
    assert next_allowed(APP, at(2, 3, 0)) == at(2, 6, 0)
    person = await _person(db, Role.TKSK, external="8", created=at(1, 8))
    async with db.transaction() as repos:
        await deliver(
            repos,
            user_id=person,
            message=Outbound.say("DARURAT"),
            kind=DeliveryKind.ALERT,
            now=night,
        )
        await deliver(
            repos,
            user_id=person,
            message=Outbound.say("siaran"),
            kind=DeliveryKind.BULK,
            now=night,
            not_before=next_allowed(APP, night),
        )
        due_now = [i.message["text"] for i in await repos.outbox.due("telegram", night)]
        due_morning = [i.message["text"] for i in await repos.outbox.due("telegram", at(2, 6, 0))]
    assert due_now == ["DARURAT"]
    assert due_morning == ["DARURAT", "siaran"]


async def test_answers_go_between_the_reminders_of_a_large_fan_out(db) -> None:
    people = [await _person(db, Role.PSM, external=f"9{n}", created=at(1, 8)) for n in range(8)]
    db.slice_seconds = 0.0  # let others write after every person
    fan_out = asyncio.create_task(_tick(db, at(9, 16, 0)))  # all quiet for 8 days
    await asyncio.sleep(0)  # the fan-out has the writer
    async with db.transaction() as repos:  # a person's answer waits for it
        await repos.schedule.claim("answer", "meanwhile", now=at(9, 16, 0))
    await fan_out
    async with db.reading() as repos:
        kinds = [
            row[0]
            for row in await repos.schedule._all(
                "SELECT kind FROM scheduled_runs WHERE kind IN ('answer', 'daily_reminder')"
                " ORDER BY rowid"
            )
        ]
    assert kinds.index("answer") == 1  # after the first person, not behind everyone
    assert kinds.count("daily_reminder") == len(people)
    for person in people:
        assert len(await _texts(db, person)) == 1


async def test_a_crash_mid_fan_out_keeps_what_was_committed_and_repeats_nobody(
    db, monkeypatch
) -> None:
    people = [await _person(db, Role.PSM, external=f"8{n}", created=at(1, 8)) for n in range(6)]
    db.slice_seconds = 0.0  # each person is committed before the next
    remind = reminders._remind
    reminded = 0

    async def crashing(repos, app, user, now):
        nonlocal reminded
        if reminded == 3:
            raise SystemExit("the power goes")  # mid-transaction: the slice is rolled back
        reminded += 1
        await remind(repos, app, user, now)

    monkeypatch.setattr(reminders, "_remind", crashing)
    with pytest.raises(SystemExit):
        await _tick(db, at(9, 16, 0))
    assert [len(await _texts(db, person)) for person in people] == [1, 1, 1, 0, 0, 0]
    monkeypatch.setattr(reminders, "_remind", remind)
    await _tick(db, at(9, 16, 1))  # the next tick, after the restart
    assert [len(await _texts(db, person)) for person in people] == [1] * 6


async def test_each_minute_reads_only_the_people_whose_reminder_is_due(db) -> None:
    due = await _person(db, Role.PSM, external="71", created=at(1, 8))
    later = await _person(db, Role.TKSK, external="72", created=at(1, 8))
    off = await _person(db, Role.PSM, external="73", created=at(1, 8))
    done = await _person(db, Role.PSM, external="74", created=at(1, 8))
    async with db.transaction() as repos:
        await repos.users.update(later, now=at(1, 8), reminder_time="18:00")
        await repos.users.update(off, now=at(1, 8), reminders_enabled=False)
        await repos.schedule.claim("daily_reminder", f"{done}:2026-12-02", now=at(2, 16))

    async def read(hour: str) -> list[int]:
        async with db.reading() as repos:
            people = await repos.reminders.due_for_daily_reminder(
                default_time="16:00",
                local_time=hour,
                day="2026-12-02",
                unvisited=unvisited_since("2026-12-02"),
            )
        return [person.id for person in people]

    assert await read("15:59") == []
    assert await read("16:00") == [due]
    assert await read("18:00") == [due, later]


async def _summaries(db: Database, user_id: int) -> list[str]:
    async with db.reading() as repos:
        return [item.message.get("summary", "") for item in await repos.outbox.for_user(user_id)]


async def test_cases_sent_back_are_named_and_a_draft_drops_the_quiet_line(db) -> None:
    """'1 laporan perlu perbaikan' says which (the first three, then 'dan N lainnya'), and
    the WhatsApp template's line names the first; a PSM with a draft open is not told that
    no report came for weeks (the draft line says one is under way)."""
    psm = await _person(db, Role.PSM, external="40", created=at(1, 8))
    async with db.transaction() as repos:
        reporter = await repos.users.get(psm)
        assert reporter is not None
        for serial in range(1, 6):
            await seed_case(
                repos,
                reporter=reporter,
                desa="32.08.01.2006",
                at=at(1, 9),
                number=f"KNG-2026-00000{serial}",
                state="needs_revision",
            )
        await repos.forms.start(
            user_id=psm,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=DRAFT,
            now=at(1, 9),
        )
    await _tick(db, at(20, 16, 0))  # 19 days since the last report
    (text,) = await _texts(db, psm)
    assert (
        "5 laporan perlu perbaikan: KNG-2026-000001, KNG-2026-000002, KNG-2026-000003"
        " dan 2 lainnya" in text
    )
    assert "1 laporan belum selesai" in text
    assert "Belum ada laporan baru" not in text
    assert await _summaries(db, psm) == ["Perbaikan KNG-2026-000001 dan 4 lainnya"]


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_one_case_sent_back_gets_its_own_correction_button(db, channel) -> None:
    """With a single case sent back the reminder opens its correction straight away (the
    sent-back notice's `rv:<id>`), not the list of reports; several keep the list."""
    psm = await _person(db, Role.PSM, external="42", created=at(1, 8), channel=channel)
    async with db.transaction() as repos:
        reporter = await repos.users.get(psm)
        assert reporter is not None
        case_id = await seed_case(
            repos,
            reporter=reporter,
            desa="32.08.01.2006",
            at=at(1, 9),
            number="KNG-2026-000001",
            state="needs_revision",
        )
    await _tick(db, at(2, 16, 0))
    async with db.reading() as repos:
        (item,) = await repos.outbox.for_user(psm)
    assert "1 laporan perlu perbaikan: KNG-2026-000001." in item.message["text"]
    buttons = [(b["label"], b["data"]) for row in item.message["buttons"] for b in row]
    assert buttons == [("Perbaiki KNG-2026-000001", f"rv:{case_id}")]
    if channel == "whatsapp":  # too long for a reply button: a one-row list to tap
        (body,) = render(Outbound.model_validate(item.message), APP.catalog, "id").bodies
        (row,) = body["interactive"]["action"]["sections"][0]["rows"]
        assert row == {"id": f"rv:{case_id}", "title": "Perbaiki KNG-2026-000001"}


async def test_without_a_draft_the_quiet_line_stays_and_announces_the_reminder(db) -> None:
    psm = await _person(db, Role.PSM, external="41", created=at(1, 8))
    async with db.transaction() as repos:  # her last report, 19 days before the reminder
        reporter = await repos.users.get(psm)
        assert reporter is not None
        await seed_case(
            repos, reporter=reporter, desa="32.08.01.2006", at=at(1, 16), number="KNG-2026-000009"
        )
    await _tick(db, at(20, 16, 0))
    (text,) = await _texts(db, psm)
    assert "Belum ada laporan baru selama 19 hari" in text
    assert "belum pernah" not in text
    assert await _summaries(db, psm) == ["Pengingat untuk melapor"]


async def _held(db: Database, user_id: int) -> list[tuple[str, str | None, datetime | None]]:
    """(status, thread, expiry) of what was queued for the person, oldest first."""
    async with db.reading() as repos:
        items = await repos.outbox.for_user(user_id)
    return [(item.status, item.message.get("thread"), item.expires_at) for item in items]


async def test_the_digest_says_when_it_was_written_and_is_of_its_day(db) -> None:
    """A digest held (behind a closed WhatsApp window) and read later says what moment its
    counts describe, is announced as a digest, never goes out after its local day, and a
    newer one drops it while still unsent."""
    coordinator = await _person(db, Role.COORDINATOR, external="7g", created=at(1, 8))
    await _tick(db, at(2, 20, 15))  # the bot was down all day: the digest comes late
    ((text,), (summary,)) = await _texts(db, coordinator), await _summaries(db, coordinator)
    assert text.startswith("<b>Ringkasan harian, Rabu, 2 Desember 2026 20.15</b>")
    assert summary == "Ringkasan harian"
    # Not its 12 hours (08.15 tomorrow): "kemarin" would then be the day before yesterday.
    assert await _held(db, coordinator) == [("pending", "digest", at(3, 0, 0))]
    await _tick(db, at(3, 7, 0))
    assert await _held(db, coordinator) == [
        ("expired", "digest", at(3, 0, 0)),
        ("pending", "digest", at(3, 19, 0)),  # its 12 hours end sooner
    ]


async def test_the_digest_in_english_says_when_too(db) -> None:
    text = reminders._digest_text(APP, "en", {"kecamatan": [], "categories": []}, [], 0, at(6, 7))
    assert text.startswith("<b>Daily digest, Sunday, 6 December 2026 07.00</b>")


async def test_a_newer_daily_reminder_drops_an_older_one_unsent_and_none_outlives_its_day(
    db,
) -> None:
    psm = await _person(db, Role.PSM, external="42", created=at(1, 8))
    async with db.transaction() as repos:  # a draft: something to remind of every day
        await repos.forms.start(
            user_id=psm,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=DRAFT,
            now=at(1, 9),
        )
    await _tick(db, at(9, 20, 30))  # reminded late in the day (the bot was down)
    assert await _held(db, psm) == [("pending", "reminder", at(10, 0, 0))]
    await _tick(db, at(10, 16, 0))
    assert await _held(db, psm) == [
        ("expired", "reminder", at(10, 0, 0)),
        ("pending", "reminder", at(11, 0, 0)),
    ]
