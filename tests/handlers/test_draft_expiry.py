"""Drafts are discarded after DRAFT_TTL_DAYS, and only after a reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.channels.traits import channel_traits
from bot.channels.whatsapp.outbound import render
from handlers.context import AppContext
from handlers.draft_expiry import expire_drafts
from handlers.events import Outbound
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import Role, UserStatus

START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
FORMS = load_forms()
CASE_REPORT_VERSION = FORMS["case_report"].version
NIK = "3208011210190005"  # typed as a head of household's name


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = Database(tmp_path / "psm.db")
    await database.open()
    forms = load_forms()
    async with database.transaction() as repos:
        for form in forms.values():
            await repos.forms.save_definition(form.id, form.version, form.model_dump(mode="json"))
    yield database
    await database.close()


def _app() -> AppContext:
    return AppContext(
        catalog=Catalog.load(),
        forms=load_forms(),
        districts=[],
        timezone=ZoneInfo("Asia/Jakarta"),
        admin_ids={},
        draft_ttl_days=14,
        channels=channel_traits(),
    )


async def _draft(db: Database, *, answered: bool = True) -> tuple[int, int]:
    """Ani's report begun on START: with an answer (a draft /draf lists), or left at its
    first question."""
    state = new_state()
    if answered:
        state["answers"] = {"urgency": {"name": "biasa", "label": "Biasa"}}
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=START, status=UserStatus.ACTIVE, full_name="Ani", role=Role.PSM
        )
        await repos.users.add_identity(
            user_id=user.id, channel="telegram", external_id="9", chat_id="9", now=START
        )
        session = await repos.forms.start(
            user_id=user.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=START,
        )
        return user.id, session.id


async def _run(db: Database, at: datetime) -> None:
    async with db.transaction() as repos:
        await expire_drafts(repos, _app(), at)


async def test_a_draft_is_warned_then_discarded(db) -> None:
    user_id, session_id = await _draft(db)
    await _run(db, START + timedelta(days=11))  # too early for anything
    async with db.reading() as repos:
        assert await repos.outbox.for_user(user_id) == []
    await _run(db, START + timedelta(days=12, hours=1))  # two days before the end: reminder
    await _run(db, START + timedelta(days=12, hours=2))  # the next tick: no second reminder
    async with db.reading() as repos:
        sent = await repos.outbox.for_user(user_id)
        assert [item.kind for item in sent] == ["routine"]
        assert "/draf" in sent[0].message["text"] and "Ani" not in sent[0].message["text"]
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=14, hours=1))  # past the end: discarded
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        kinds = [item.kind for item in await repos.outbox.for_user(user_id)]
        assert kinds == ["routine", "notice"]
        # What a WhatsApp template announces each as, outside the window.
        summaries = [item.message.get("summary") for item in await repos.outbox.for_user(user_id)]
        assert summaries == ["Draf yang belum selesai"] * 2


async def test_a_report_left_at_its_first_question_ends_silently(db) -> None:
    """Review 5: one was warned "dihapus dalam 2 hari" with a 📋 Draf button that answered
    "no drafts" (/draf lists none such), and the daily reminder counted it as a draft."""
    user_id, session_id = await _draft(db, answered=False)
    async with db.reading() as repos:
        assert await repos.reminders.drafts(user_id, "case_report") == 0
    await _run(db, START + timedelta(days=12, hours=1))
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        assert await repos.outbox.for_user(user_id) == []
    async with db.transaction() as repos:  # then a report with an answer: a draft
        state = {**new_state(), "answers": {"urgency": {"name": "biasa", "label": "Biasa"}}}
        await repos.forms.start(
            user_id=user_id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=START,
        )
        assert await repos.reminders.drafts(user_id, "case_report") == 1


async def test_a_draft_is_never_discarded_without_a_reminder_first(db) -> None:
    _, session_id = await _draft(db)
    # The bot was down for a month: the first tick only warns.
    await _run(db, START + timedelta(days=40))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=40, hours=12))  # less than a day later: still kept
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=41, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"


async def test_touching_a_draft_restarts_its_clock(db) -> None:
    _, session_id = await _draft(db)
    await _run(db, START + timedelta(days=12, hours=1))
    async with db.transaction() as repos:
        session = await repos.forms.get(session_id)
        await repos.forms.save(
            session_id, state=session.state, status="active", now=START + timedelta(days=13)
        )
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "active"


async def test_a_suspended_persons_draft_ends_silently_at_its_time(db) -> None:
    user_id, session_id = await _draft(db)
    async with db.transaction() as repos:
        await repos.users.update(user_id, now=START, status=UserStatus.SUSPENDED)
    await _run(db, START + timedelta(days=12, hours=1))  # no warning to a suspended person
    async with db.reading() as repos:
        assert await repos.outbox.for_user(user_id) == []
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=14, hours=1))  # still ends: data is not kept longer
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        assert await repos.outbox.for_user(user_id) == []
        actions = await repos.conn.execute_fetchall("SELECT action FROM audit_log")
        assert [row[0] for row in actions] == ["draft.expired"]


async def test_a_warning_due_in_the_quiet_hours_waits_for_the_morning(db) -> None:
    user_id, session_id = await _draft(db)
    # The bot was down past the draft's end; it comes back at 22:31 WIB (quiet hours).
    night = datetime(2026, 11, 20, 15, 31, tzinfo=UTC)
    morning = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # 06:00 WIB
    await _run(db, night)
    async with db.reading() as repos:
        (warning,) = await repos.outbox.for_user(user_id)
        assert warning.kind == "routine" and warning.not_before == morning
    # The day's notice counts from the morning it reaches them, not from the night tick.
    await _run(db, night + timedelta(days=1, minutes=30))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, morning + timedelta(days=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        notice = (await repos.outbox.for_user(user_id))[-1]
        assert notice.kind == "notice" and notice.not_before == morning + timedelta(days=1)


async def test_a_discard_in_the_quiet_hours_is_told_in_the_morning(db) -> None:
    user_id, session_id = await _draft(db)
    await _run(db, START + timedelta(days=12, hours=1))  # warned at 11:00 WIB
    night = START + timedelta(days=14, hours=13)  # 23:00 WIB, past the end
    await _run(db, night)
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        notice = (await repos.outbox.for_user(user_id))[-1]
        assert notice.kind == "notice"
        assert notice.not_before == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)  # 06:00 WIB


async def _registering(db: Database, form_id: str) -> tuple[int, int]:
    """Someone new who answered two registration questions (or those of a Bimtek's light
    registration) and went away."""
    async with db.transaction() as repos:
        user = await repos.users.create(now=START, status=UserStatus.REGISTERING)
        await repos.users.add_identity(
            user_id=user.id, channel="telegram", external_id="8", chat_id="8", now=START
        )
        state = new_state()
        state["answers"] = {"full_name": "Rina Lestari", "phone": "+6281234567001"}
        session = await repos.forms.start(
            user_id=user.id,
            form_id=form_id,
            form_version=FORMS[form_id].version,
            state=state,
            now=START,
        )
        return user.id, session.id


@pytest.mark.parametrize("form_id", ["registration", "training_join"])
async def test_an_abandoned_registration_is_warned_then_discarded(db, form_id) -> None:
    user_id, session_id = await _registering(db, form_id)
    await _run(db, START + timedelta(days=12, hours=1))
    async with db.reading() as repos:
        (warning,) = await repos.outbox.for_user(user_id)
        assert "Pendaftaran Bapak/Ibu belum selesai" in warning.message["text"]
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        notice = (await repos.outbox.for_user(user_id))[-1]
        assert notice.kind == "notice" and "/start" in notice.message["text"]
        actions = await repos.conn.execute_fetchall("SELECT action, subject FROM audit_log")
        assert [tuple(row) for row in actions] == [("draft.expired", f"session:{session_id}")]


async def _application(db: Database, **fields: object) -> tuple[int, int]:
    """A training candidate (`calon`, active) who left /daftar half answered."""
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=START, status=UserStatus.ACTIVE, full_name="Dewi", role=Role.CALON
        )
        if fields:
            await repos.users.update(user.id, now=START, **fields)
        await repos.users.add_identity(
            user_id=user.id, channel="telegram", external_id="7", chat_id="7", now=START
        )
        state = new_state()
        state["answers"] = {"full_name": "Dewi Lestari"}
        session = await repos.forms.start(
            user_id=user.id,
            form_id="registration",
            form_version=FORMS["registration"].version,
            state=state,
            now=START,
        )
        return user.id, session.id


async def test_a_candidates_abandoned_application_is_warned_then_discarded(db) -> None:
    """Told as a newcomer would be, in words for a candidate (their training goes on;
    /daftar continues)."""
    user_id, session_id = await _application(db)
    await _run(db, START + timedelta(days=12, hours=1))
    async with db.reading() as repos:
        (warning,) = await repos.outbox.for_user(user_id)
        assert warning.kind == "routine"
        assert "sebagai PSM/TKSK belum selesai" in warning.message["text"]
        assert "/daftar" in warning.message["text"] and "/start" not in warning.message["text"]
        assert (await repos.forms.get(session_id)).status == "active"
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        notice = (await repos.outbox.for_user(user_id))[-1]
        assert notice.kind == "notice" and "/daftar" in notice.message["text"]
        assert "tetap peserta bimtek" in notice.message["text"]
        assert (await repos.users.get(user_id)).status == UserStatus.ACTIVE  # still a candidate


async def test_a_second_application_of_someone_awaiting_a_decision_ends_silently(db) -> None:
    """Their application is sent (/daftar says so): no reminder that says /daftar goes on."""
    user_id, session_id = await _application(db, requested_role="psm")
    await _run(db, START + timedelta(days=12, hours=1))
    async with db.reading() as repos:
        assert await repos.outbox.for_user(user_id) == []
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        assert (await repos.forms.get(session_id)).status == "cancelled"
        assert await repos.outbox.for_user(user_id) == []


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_draft_is_named_in_the_readers_language(db, channel) -> None:
    """QA walk 9: a category picked in Indonesian is named in English to one who has since
    chosen English (by its code, as the form's summary names it)."""
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=START, status=UserStatus.ACTIVE, full_name="Ani", role=Role.PSM
        )
        user = await repos.users.update(user.id, now=START, language="en")
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id="6", chat_id="6", now=START
        )
        state = new_state()
        rtlh = [{"name": "rtlh", "label": "Rumah tak layak huni"}]
        state["answers"] = {"head_name": "Slamet Riyadi", "categories": rtlh}
        await repos.forms.start(
            user_id=user.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=START,
        )
    await _run(db, START + timedelta(days=12, hours=1))
    async with db.reading() as repos:
        (warning,) = await repos.outbox.for_user(user.id)
    assert "<b>Slamet Riyadi</b> (Unfit housing, " in warning.message["text"]
    assert "Rumah" not in warning.message["text"]


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_each_drafts_warning_and_notice_name_it_with_the_drafts_button(db, channel) -> None:
    """QA walk 4: "dihapus dalam 2 hari" had no 📋 Draf button and did not say which draft;
    the notice neither. Each draft is named by its head of household (a NIK typed there
    masked) and the day it was started."""
    async with db.transaction() as repos:
        user = await repos.users.create(
            now=START, status=UserStatus.ACTIVE, full_name="Ani", role=Role.PSM
        )
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id="6", chat_id="6", now=START
        )
        rtlh = [{"name": "rtlh", "label": "Rumah tak layak huni"}]
        for answers in ({"head_name": "Slamet Riyadi", "categories": rtlh}, {"head_name": NIK}):
            state = new_state()
            state["answers"] = answers
            await repos.forms.start(
                user_id=user.id,
                form_id="case_report",
                form_version=CASE_REPORT_VERSION,
                state=state,
                now=START,
            )
    await _run(db, START + timedelta(days=12, hours=1))
    await _run(db, START + timedelta(days=14, hours=1))
    async with db.reading() as repos:
        sent = await repos.outbox.for_user(user.id)
    assert [item.kind for item in sent] == ["routine", "routine", "notice", "notice"]
    texts = [item.message["text"] for item in sent]
    slamet = "Draf laporan <b>Slamet Riyadi</b> (Rumah tak layak huni, dimulai 01-11-2026)"
    assert f"{slamet} belum selesai" in texts[0]
    assert "Draf laporan <b>320801******0005</b> (dimulai 01-11-2026) belum selesai" in texts[1]
    assert f"{slamet} tidak dilanjutkan" in texts[2]
    assert all(NIK not in text for text in texts)
    for warning in sent[:2]:
        (row,) = warning.message["buttons"]
        assert [(b["label"], b["data"]) for b in row] == [("📋 Draf", "menu:draf")]
    # On WhatsApp a reply button, and the command as it is typed there.
    body = render(Outbound.model_validate(sent[0].message), Catalog.load(), "id").bodies[-1]
    assert body["interactive"]["action"]["buttons"][0]["reply"]["id"] == "menu:draf"
    assert "Ketik *draf*" in body["interactive"]["body"]["text"]
