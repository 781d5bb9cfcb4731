"""WhatsApp delivery choices end to end (signed webhooks in, the fake Graph API out, the fake
Bot API for Telegram): the channel a linked person chooses, error 131062, the monthly
template count, the messaging limit with its priorities and the coordinators' report, and a
district's weekly reminders on WhatsApp."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from bot.admin_tools import add_user
from bot.channels.base import MAX_ATTEMPTS
from bot.channels.whatsapp import error_codes
from bot.clock import ManualClock
from bot.config import Settings
from handlers.delivery import DeliveryKind, Topic, deliver
from handlers.events import Outbound
from storage.models import UserStatus, to_db
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID, TodayClock, known_on_whatsapp, open_db
from tests.e2e.db_writes import write_db
from tests.e2e.whatsapp import WhatsAppPerson, body_of, post_webhook
from tests.fakes.whatsapp_api import envelope, status_update

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
COORDINATOR = 500


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def _rows(settings: Settings, sql: str, *params: Any) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


async def _psm(settings: Settings, telegram_id: int, name: str) -> int:
    return await add_user(
        settings,
        role="psm",
        telegram_id=telegram_id,
        name=name,
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )


def _said(person: TelegramPerson, words: str) -> list[str]:
    return [m["text"] for m in person.messages() if words in m["text"]]


def _templates_to(graph, recipient: str) -> list[str]:
    return [m["template"]["name"] for m in graph.messages_to(recipient) if m["type"] == "template"]


# -- 1. the channel a linked person chooses ---------------------------------------------------


async def test_a_linked_person_gets_reminders_on_the_chosen_channel_only(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    psm_id = await _psm(wa_settings, 7201, "Bu Ani")
    with open_db(wa_settings.database_path) as db:  # shared her contact on Telegram
        db.execute(
            "UPDATE channel_identities SET phone = '+6281234500031', phone_verified = 1"
            " WHERE channel = 'telegram' AND external_id = '7201'"
        )
    clock = ManualClock(TUESDAY)
    runtime = await start_wa_bot(clock)
    telegram = TelegramPerson(fake, 7201, "Ani")
    await telegram.say("/start")
    whatsapp = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500031")
    await whatsapp.say("halo")  # the same phone, vouched for by both channels: one person
    assert _rows(wa_settings, "SELECT DISTINCT user_id FROM channel_identities") == [(psm_id,)]

    on_whatsapp = body_of((await whatsapp.say("saya"))[0])
    assert "Profil saya" in on_whatsapp and "Pengingat dan pemberitahuan dikirim" in on_whatsapp
    chosen = await whatsapp.tap("Lewat Telegram")
    assert "akan dikirim lewat Telegram" in body_of(chosen[0])  # the reply: where she wrote
    on_telegram = await telegram.say("/saya")
    assert "Profil saya" in on_telegram[0]["text"] and "<b>Telegram</b>" in on_telegram[0]["text"]
    await telegram.tap("Lewat WhatsApp", until="akan dikirim lewat WhatsApp")
    await telegram.say("/lapor")  # a draft to be reminded of; Telegram is now the last used
    await telegram.say("Keluarga Darto")  # answered: a draft /draf lists
    assert _rows(
        wa_settings, "SELECT preferred_channel, delivery_channel FROM users WHERE id = ?", psm_id
    ) == [("telegram", "whatsapp")]

    clock.set(at(1, 16, 5))
    before_telegram = len(telegram.messages())
    await runtime.scheduler.tick()
    await graph.wait_for(
        lambda: "Pengingat harian" in whatsapp.latest_text(), what="reminder on WhatsApp"
    )
    routine = _rows(
        wa_settings, "SELECT channel FROM outbox WHERE user_id = ? AND kind = 'routine'", psm_id
    )
    assert routine == [("whatsapp",)]
    assert all("Pengingat" not in m["text"] for m in telegram.messages()[before_telegram:])
    assert graph.rejections == [] and fake.rejections == []


# -- 2. error 131062: the other recipient field, once ----------------------------------------


async def test_wrong_recipient_field_is_retried_once_with_the_other_field(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime = await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3101", wa_id="6281234500041")
    graph.fail_next(131062, recipient="6281234500041")
    await person.say("halo", expect=0)
    welcome = await graph.wait_messages("ID.3101", 1)  # sent with `recipient`, the BSUID
    assert "Selamat datang" in body_of(welcome[0]) and "to" not in welcome[0]
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT other_recipient FROM outbox") == [(1,)],
        what="the other field noted",
    )

    # Accepted with `to`, then reported failed with 131062: sent again with `recipient`.
    await person.say("Siti Aminah")

    def accepted() -> list[tuple]:
        return _rows(
            wa_settings,
            "SELECT id, ext_message_id FROM outbox WHERE other_recipient = 0"
            " AND ext_message_id IS NOT NULL",
        )

    await graph.wait_for(lambda: bool(accepted()), what="the accepted message's id")
    [(item_id, wamid)] = accepted()
    failed = status_update(wamid, "6281234500041", "failed", errors=[131062])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    again = await graph.wait_messages("ID.3101", 2)
    assert "Siti Aminah" in body_of(again[-1])

    # The other field failing too (reported later): the message has failed, once.
    def sent_as() -> list[tuple]:
        return _rows(wa_settings, "SELECT ext_message_id FROM outbox WHERE id = ?", item_id)

    await graph.wait_for(lambda: sent_as() != [(wamid,)], what="the resent message's id")
    [(second_wamid,)] = sent_as()
    failed = status_update(second_wamid, "ID.3101", "failed", errors=[131062])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item_id) == [("failed",)]
        ),
        what="failed after both fields",
    )
    assert len(graph.messages_to("ID.3101")) == 2  # no third try

    # Both fields refused on the send itself: failed at once, nothing sent.
    graph.fail_next(131062, times=2)
    await person.say("0812 3456 7890", expect=0)
    await graph.wait_for(
        lambda: (
            _rows(
                wa_settings,
                "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error LIKE '131062%'",
            )
            == [(2,)]
        ),
        what="failed on send",
    )

    # A template (outside the window) refused later with 131062: announced again, other field.
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ?",
        to_db(datetime.now(UTC) - timedelta(hours=25)),
    )
    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", "ID.3101")
        await deliver(
            repos,
            user_id=identity.user_id,
            message=Outbound(text="Pendaftaran disetujui", summary="Pendaftaran"),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    await graph.wait_for(lambda: bool(_templates_to(graph, "6281234500041")), what="template")
    await graph.wait_for(
        lambda: bool(_rows(wa_settings, "SELECT ext_message_id FROM template_sends")),
        what="template recorded",
    )
    [(template_wamid,)] = _rows(wa_settings, "SELECT ext_message_id FROM template_sends")
    failed = status_update(template_wamid, "6281234500041", "failed", errors=[131062])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    await graph.wait_for(
        lambda: _templates_to(graph, "ID.3101") == ["psm_pemberitahuan"], what="re-announced"
    )
    assert graph.rejections == []


async def test_a_message_refused_later_is_not_sent_again_to_someone_suspended_since(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """131047 (or 131062) in a status webhook days after the send would queue the message
    again; suspension dropped what was unsent for that person, and this must not bring an
    older message back. What was queued after the suspension (its notice) may go again."""
    runtime = await start_wa_bot()
    phone = "6281234500051"
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3201", wa_id=phone)
    await person.say("halo")  # the welcome: sent and accepted

    def accepted(text: str) -> list[tuple[int, str]]:
        """(outbox id, wamid) of the message holding `text`, once marked sent."""
        return _rows(
            wa_settings,
            "SELECT id, ext_message_id FROM outbox WHERE message LIKE ?"
            " AND ext_message_id IS NOT NULL",
            f"%{text}%",
        )

    await graph.wait_for(lambda: bool(accepted("Selamat datang")), what="its mark")
    [(welcome_id, welcome_wamid)] = accepted("Selamat datang")
    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", "ID.3201")
        now = runtime.clock.now()
        await repos.users.update(identity.user_id, now=now, status=UserStatus.SUSPENDED)
        await repos.audit.record(
            now=now, actor_id=None, action="person.suspended", subject=f"user:{identity.user_id}"
        )
        await deliver(
            repos,
            user_id=identity.user_id,
            message=Outbound.say("Akun Anda dinonaktifkan"),
            kind=DeliveryKind.NOTICE,
            now=now + timedelta(seconds=1),
        )
    runtime.senders["whatsapp"].wake()
    await graph.wait_for(lambda: len(graph.messages_to(phone)) == 2, what="the notice")
    await graph.wait_for(lambda: bool(accepted("dinonaktifkan")), what="its mark")
    [(notice_id, notice_wamid)] = accepted("dinonaktifkan")
    async with runtime.db.transaction() as repos:  # a later change is not the suspension
        await repos.users.update(
            identity.user_id, now=runtime.clock.now() + timedelta(minutes=1), language="en"
        )

    for wamid in (welcome_wamid, notice_wamid):
        failed = status_update(wamid, phone, "failed", errors=[131047])
        assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    # The notice goes again (after the welcome, had that been queued again: it is older),
    # announced by a template: Meta's window had closed.
    await graph.wait_for(
        lambda: _templates_to(graph, phone) == ["psm_pemberitahuan"], what="notice again"
    )
    await graph.wait_for(
        lambda: dict(_rows(wa_settings, "SELECT id, status FROM outbox"))[notice_id] == "waiting",
        what="the notice held behind its template",
    )
    assert len(graph.messages_to(phone)) == 3
    statuses = dict(_rows(wa_settings, "SELECT id, status FROM outbox"))
    assert statuses[welcome_id] == "sent"
    assert [body_of(m) for m in graph.messages_to(phone)].count(
        body_of(graph.messages_to(phone)[0])
    ) == 1
    assert graph.rejections == []


# -- 2b. a darurat alert whose template WhatsApp cannot deliver ----------------------------------

ALERT_TEXT = "🚨 <b>LAPORAN DARURAT</b> KNG-2026-000007"


async def _alert_on_whatsapp(
    runtime, settings: Settings, graph, user_id: int, wa_id: str
) -> tuple[str, int]:
    """A darurat alert for someone whose WhatsApp window is closed: (its template's wamid,
    its outbox id) once the template went and the alert is held behind it."""
    async with runtime.db.transaction() as repos:
        item_id = await deliver(
            repos,
            user_id=user_id,
            message=Outbound(text=ALERT_TEXT, summary="KNG-2026-000007"),
            kind=DeliveryKind.ALERT,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    sent = len(_templates_to(graph, wa_id))
    await graph.wait_for(lambda: len(_templates_to(graph, wa_id)) > sent, what="template")
    assert _templates_to(graph, wa_id)[-1] == "psm_darurat"

    def held() -> list[tuple]:
        return _rows(
            settings,
            "SELECT t.ext_message_id FROM template_sends t JOIN outbox o ON o.id = t.outbox_id"
            " WHERE o.id = ? AND o.status = 'waiting'",
            item_id,
        )

    await graph.wait_for(lambda: bool(held()), what="the alert held behind its template")
    return held()[-1][0], item_id


def _whatsapp_unreachable(settings: Settings, user_id: int) -> bool:
    return _rows(
        settings,
        "SELECT unreachable_at IS NOT NULL FROM channel_identities"
        " WHERE user_id = ? AND channel = 'whatsapp'",
        user_id,
    ) == [(1,)]


async def test_an_alert_whose_template_cannot_be_delivered_goes_by_telegram(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """131026 for the alert's template (not a WhatsApp user, can't receive) came by status
    webhook: the alert stayed held, the person reachable, nobody told. Now WhatsApp is
    marked unreachable and the alert goes by the Telegram chat the TKSK started."""
    tksk_id = await add_user(
        wa_settings,
        role="tksk",
        telegram_id=7301,
        name="Budi Santoso",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    runtime = await start_wa_bot()
    telegram = TelegramPerson(fake, 7301, "Budi")
    await telegram.say("/start")
    await known_on_whatsapp(
        wa_settings, tksk_id, "ID.3301", "6281234500061", datetime.now(UTC) - timedelta(hours=30)
    )
    await write_db(
        wa_settings.database_path,
        "UPDATE users SET delivery_channel = 'whatsapp' WHERE id = ?",
        tksk_id,
    )
    template_wamid, alert_id = await _alert_on_whatsapp(
        runtime, wa_settings, graph, tksk_id, "6281234500061"
    )
    failed = status_update(template_wamid, "6281234500061", "failed", errors=[131026])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200

    await fake.wait_for(lambda: bool(_said(telegram, "LAPORAN DARURAT")), what="alert on TG")
    assert _whatsapp_unreachable(wa_settings, tksk_id)
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT channel, status FROM outbox WHERE id = ?", alert_id)
            == [("telegram", "sent")]
        ),
        what="the alert marked sent on Telegram",
    )
    # The refused template is forgotten: it reached nobody and counts for nothing.
    assert _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(0,)]
    assert len(_templates_to(graph, "6281234500061")) == 1
    assert graph.rejections == [] and fake.rejections == []


async def _tksk_on_whatsapp_only(
    fake, settings: Settings, start_wa_bot, telegram_id: int
) -> tuple[int, TelegramPerson, Any]:
    """Pak Budi, TKSK, who never started the bot on Telegram (only WhatsApp reaches him), and
    Ibu Sari, the district's coordinator on Telegram (the next Telegram id): his id, her
    chat, the running bot."""
    tksk_id = await add_user(
        settings,
        role="tksk",
        telegram_id=telegram_id,
        name="Budi Santoso",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    await add_user(
        settings,
        role="coordinator",
        telegram_id=telegram_id + 1,
        name="Ibu Sari",
        kabupaten="32.08",
    )
    runtime = await start_wa_bot()
    coordinator = TelegramPerson(fake, telegram_id + 1, "Sari")
    await coordinator.say("/start")
    return tksk_id, coordinator, runtime


async def test_an_alert_nobody_can_get_is_told_to_the_coordinators(
    fake, graph, wa_settings, webhook_url, start_wa_bot, monkeypatch
) -> None:
    """Meta unwell for the template: forgotten and announced again. Then 131026 and no
    other chat: the alert has failed, and the district's coordinators are told to phone."""
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE", 0.2)
    tksk_id, coordinator, runtime = await _tksk_on_whatsapp_only(
        fake, wa_settings, start_wa_bot, 7302
    )
    await known_on_whatsapp(
        wa_settings, tksk_id, "ID.3302", "6281234500062", datetime.now(UTC) - timedelta(hours=30)
    )
    template_wamid, alert_id = await _alert_on_whatsapp(
        runtime, wa_settings, graph, tksk_id, "6281234500062"
    )
    unwell = status_update(template_wamid, "6281234500062", "failed", errors=[131000])
    assert (await post_webhook(webhook_url, envelope(statuses=[unwell]))).status_code == 200
    await graph.wait_for(
        lambda: len(_templates_to(graph, "6281234500062")) == 2, what="announced again"
    )

    def template_of_alert() -> list[tuple]:
        return _rows(
            wa_settings,
            "SELECT t.ext_message_id FROM template_sends t JOIN outbox o ON o.id = t.outbox_id"
            " WHERE o.id = ? AND o.status = 'waiting'",
            alert_id,
        )

    await graph.wait_for(lambda: bool(template_of_alert()), what="held again")
    assert template_of_alert() != [(template_wamid,)]  # the first one forgotten
    [(second,)] = template_of_alert()
    refused = status_update(second, "6281234500062", "failed", errors=[131026])
    assert (await post_webhook(webhook_url, envelope(statuses=[refused]))).status_code == 200

    await fake.wait_for(
        lambda: bool(_said(coordinator, "tidak sampai ke Budi Santoso")), what="coordinator told"
    )
    told = _said(coordinator, "tidak sampai ke Budi Santoso")
    assert "KNG-2026-000007" in told[0] and "TKSK" in told[0] and "telepon" in told[0]
    assert _whatsapp_unreachable(wa_settings, tksk_id)
    assert _rows(wa_settings, "SELECT status, attempts FROM outbox WHERE id = ?", alert_id) == [
        ("failed", 2)  # Meta unwell once, then undeliverable
    ]
    assert len(_templates_to(graph, "6281234500062")) == 2
    assert graph.rejections == [] and fake.rejections == []


@pytest.mark.parametrize(
    ("code", "tried", "number"),
    [(131026, 0, 5), (131000, MAX_ATTEMPTS - 1, 7)],  # unreachable; Meta unwell at the last try
    ids=["undeliverable", "unwell-at-the-last-attempt"],
)
async def test_a_failed_report_that_comes_twice_is_acted_on_once(
    fake, graph, wa_settings, webhook_url, start_wa_bot, code, tried, number
) -> None:
    """Meta's webhooks come at least once. A darurat alert accepted in the window, reported
    131026 twice, with no other chat: the coordinators were told to phone twice. Reported
    Meta-unwell at its last attempt, it failed with nobody told."""
    tksk_id, coordinator, runtime = await _tksk_on_whatsapp_only(
        fake, wa_settings, start_wa_bot, 7300 + number
    )
    phone = f"62812345000{60 + number}"
    await known_on_whatsapp(wa_settings, tksk_id, f"ID.330{number}", phone, datetime.now(UTC))
    async with runtime.db.transaction() as repos:
        alert_id = await deliver(
            repos,
            user_id=tksk_id,
            message=Outbound(text=ALERT_TEXT, summary="KNG-2026-000007"),
            kind=DeliveryKind.ALERT,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()

    def wamid() -> str | None:
        [(found,)] = _rows(wa_settings, "SELECT ext_message_id FROM outbox WHERE id = ?", alert_id)
        return found

    await graph.wait_for(lambda: wamid() is not None, what="the alert accepted")
    await write_db(
        wa_settings.database_path, "UPDATE outbox SET attempts = ? WHERE id = ?", tried, alert_id
    )
    refused = status_update(wamid(), phone, "failed", errors=[code])
    assert (await post_webhook(webhook_url, envelope(statuses=[refused]))).status_code == 200
    assert (
        await post_webhook(webhook_url, envelope(statuses=[refused]))
    ).status_code == 200  # the same report again

    await fake.wait_for(
        lambda: bool(_said(coordinator, "tidak sampai ke Budi Santoso")), what="coordinator told"
    )
    told = _rows(
        wa_settings,
        "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id"
        " WHERE u.full_name = 'Ibu Sari' AND o.message LIKE '%tidak sampai ke Budi Santoso%'",
    )
    assert told == [(1,)]
    assert graph.rejections == [] and fake.rejections == []


async def test_a_notice_reported_failed_is_sent_again_or_by_telegram(
    fake, graph, wa_settings, webhook_url, start_wa_bot, monkeypatch
) -> None:
    """Accepted, then reported failed: only 131047, 131026 (unreachable, nothing more) and
    131062 were acted on. Meta unwell (131000) now sends it again after its back-off;
    131026 sends it by the Telegram chat the person started."""
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE", 0.2)
    psm_id = await _psm(wa_settings, 7304, "Bu Dewi")
    runtime = await start_wa_bot()
    telegram = TelegramPerson(fake, 7304, "Dewi")
    await telegram.say("/start")
    phone = "6281234500064"
    await known_on_whatsapp(wa_settings, psm_id, "ID.3304", phone, datetime.now(UTC))  # window open
    await write_db(
        wa_settings.database_path,
        "UPDATE users SET delivery_channel = 'whatsapp' WHERE id = ?",
        psm_id,
    )
    async with runtime.db.transaction() as repos:
        notice_id = await deliver(
            repos,
            user_id=psm_id,
            message=Outbound.say("Laporan KNG-2026-000009 sudah disetujui."),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()

    def wamid() -> str | None:
        [(found,)] = _rows(wa_settings, "SELECT ext_message_id FROM outbox WHERE id = ?", notice_id)
        return found

    await graph.wait_for(lambda: wamid() is not None, what="the notice accepted")
    first = wamid()
    unwell = status_update(first, phone, "failed", errors=[131000])
    assert (await post_webhook(webhook_url, envelope(statuses=[unwell]))).status_code == 200
    await graph.wait_for(lambda: wamid() not in (None, first), what="sent again")
    assert [body_of(m) for m in graph.messages_to(phone)].count(
        "Laporan KNG-2026-000009 sudah disetujui."
    ) == 2

    refused = status_update(wamid(), phone, "failed", errors=[131026])
    assert (await post_webhook(webhook_url, envelope(statuses=[refused]))).status_code == 200
    await fake.wait_for(lambda: bool(_said(telegram, "KNG-2026-000009")), what="on Telegram")
    await graph.wait_for(
        lambda: (
            _rows(
                wa_settings, "SELECT channel, status, attempts FROM outbox WHERE id = ?", notice_id
            )
            == [("telegram", "sent", 1)]  # one failed try: Meta unwell
        ),
        what="marked sent on Telegram",
    )
    assert _whatsapp_unreachable(wa_settings, psm_id)
    assert graph.rejections == [] and fake.rejections == []


# -- 2c. a status report that comes before the message's id is written -------------------------


async def test_a_failed_status_before_the_ids_are_written_is_applied_once_they_are(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The sender writes the outcomes of its sends up to ~50 ms after them; a fast "failed"
    found no message then and was dropped: a 131047 was never sent again as a template, a
    131026 for a template left its message held. The test writes the outcomes itself."""
    runtime = await start_wa_bot(senders=False)
    sender = runtime.senders["whatsapp"]
    phone = "6281234500071"
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3401", wa_id=phone)
    graph.close_window(phone, asynchronous=True)  # accepted, then reported failed: 131047
    await person.say("halo", expect=0)

    def outbox() -> list[tuple]:
        return _rows(wa_settings, "SELECT id, status, ext_message_id, attempts FROM outbox")

    await graph.wait_for(lambda: bool(outbox()), what="the welcome queued")
    [(welcome_id, *_)] = outbox()

    async def send_unwritten() -> None:
        """One round of sends, their outcomes not written yet."""
        await sender._round()
        await asyncio.gather(*sender._sending.values())

    await send_unwritten()
    [failed] = graph.failed_statuses
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    assert outbox() == [(welcome_id, "pending", None, 0)]  # nothing to apply it to yet
    await write_db(  # the window is closed by now: sent again, it goes as a template
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ?",
        to_db(datetime.now(UTC) - timedelta(hours=30)),
    )
    await sender._flush()
    # The id written, the report applied: to be sent again (the window's fault, no attempt).
    assert outbox() == [(welcome_id, "pending", failed["id"], 0)]
    assert _rows(wa_settings, "SELECT COUNT(*) FROM early_statuses") == [(0,)]

    # Sent again: a template announces it. The template refused (131026) before the hold
    # was written: applied with it, the person is unreachable and the welcome has failed.
    await send_unwritten()
    assert _templates_to(graph, phone) == ["psm_pemberitahuan"]
    template_wamid = graph.sends[-1].response["messages"][0]["id"]
    refused = status_update(template_wamid, phone, "failed", errors=[131026])
    assert (await post_webhook(webhook_url, envelope(statuses=[refused]))).status_code == 200
    assert _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", welcome_id) == [
        ("pending",)
    ]
    await sender._flush()
    assert _rows(wa_settings, "SELECT status, attempts FROM outbox WHERE id = ?", welcome_id) == [
        ("failed", 1)
    ]
    assert _rows(
        wa_settings,
        "SELECT unreachable_at IS NOT NULL FROM channel_identities WHERE chat_id = ?",
        phone,
    ) == [(1,)]
    assert _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(0,)]
    assert graph.rejections == []


# -- 3. the monthly template count --------------------------------------------------------------


async def test_admins_see_the_monthly_template_count_and_others_are_refused(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    clock = TodayClock()  # months named from its date: the local month may turn meanwhile
    runtime = await start_wa_bot(clock)
    today = clock.now().astimezone(WIB).date()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3201", wa_id="6281234500051")
    await person.say("halo")
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
    previous_name = format_date(previous, format="LLLL yyyy", locale="id")
    # The bot runs: written from a thread (a write blocking the loop could deadlock it).
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ? WHERE external_id = 'ID.3201'",
        to_db(datetime.now(UTC) - timedelta(hours=25)),
    )
    last_month = to_db(datetime.combine(previous, datetime.min.time(), tzinfo=UTC))
    for template, kind in [("psm_pemberitahuan", "routine")] * 3 + [("psm_darurat", "alert")]:
        await write_db(
            wa_settings.database_path,
            "INSERT INTO template_sends (sent_at, chat_id, template, kind) VALUES (?, ?, ?, ?)",
            last_month,
            None,
            template,
            kind,
        )
    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", "ID.3201")
        await deliver(
            repos,
            user_id=identity.user_id,
            message=Outbound(text="Pendaftaran disetujui", summary="Pendaftaran"),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    await graph.wait_for(lambda: _templates_to(graph, "6281234500051") == ["psm_pemberitahuan"])
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(5,)], what="count"
    )

    admin = TelegramPerson(fake, ADMIN_ID, "Admin")
    await admin.say("/start")
    shown = (await admin.say("/templat"))[0]["text"]
    this_month = format_date(today, format="LLLL yyyy", locale="id")
    assert f"{this_month}: <b>1</b> (pemberitahuan 1)" in shown
    assert f"{previous_name}: <b>4</b> (pengingat 3, darurat 1)" in shown

    admin_on_whatsapp = WhatsAppPerson(graph, webhook_url, user_id="ID.3299", wa_id="6281299990000")
    await admin_on_whatsapp.say("halo")
    over_whatsapp = await admin_on_whatsapp.say("templat")
    assert f"{previous_name}: *4*" in body_of(over_whatsapp[0])

    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    refused = await coordinator.say("/templat")
    assert "tidak berwenang" in refused[0]["text"] and previous_name not in refused[0]["text"]
    stranger = await person.say("templat")
    assert previous_name not in body_of(stranger[0])
    assert graph.rejections == [] and fake.rejections == []


# -- 4. the messaging limit: priorities, deferral, the coordinators' report ------------------


async def test_over_the_limit_revisions_and_trainings_go_first_and_coordinators_are_told(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    start = at(1, 10)
    closed = start - timedelta(hours=30)  # everyone's window closed: templates needed
    people = {}
    for number, name in enumerate(("Bu Ana", "Pak Budi", "Bu Citra", "Pak Dodi", "Bu Eka")):
        user_id = await _psm(wa_settings, 7401 + number, name)
        wa_id = f"62812345006{number}1"
        await known_on_whatsapp(wa_settings, user_id, f"ID.34{number}1", wa_id, closed)
        people[name] = (user_id, wa_id)
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(start)
    runtime = await start_wa_bot(clock, settings={"whatsapp_daily_limit": 2})
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")

    async with runtime.db.transaction() as repos:  # one fan-out: reminders queued first
        for name in ("Bu Ana", "Pak Budi"):
            await deliver(
                repos,
                user_id=people[name][0],
                message=Outbound.say("Pengingat harian: 1 draf"),
                kind=DeliveryKind.ROUTINE,
                now=clock.now(),
            )
        await deliver(
            repos,
            user_id=people["Pak Dodi"][0],
            message=Outbound(text="Besok bimtek", summary="Bimtek 2 Des"),
            kind=DeliveryKind.ROUTINE,
            now=clock.now(),
            topic=Topic.TRAINING,
        )
        await deliver(
            repos,
            user_id=people["Bu Citra"][0],
            message=Outbound(text="Laporan perlu perbaikan", summary="KNG-2026-000007"),
            kind=DeliveryKind.NOTICE,
            now=clock.now(),
            topic=Topic.REVISION,
        )
    runtime.senders["whatsapp"].wake()
    citra, dodi = people["Bu Citra"][1], people["Pak Dodi"][1]
    await graph.wait_for(lambda: _templates_to(graph, citra) and _templates_to(graph, dodi))

    def deferred() -> list[tuple]:
        return _rows(
            wa_settings,
            "SELECT user_id, status FROM outbox WHERE last_error = 'daily template limit reached'"
            " ORDER BY user_id",
        )

    ana, budi = people["Bu Ana"][0], people["Pak Budi"][0]
    await graph.wait_for(lambda: len(deferred()) == 2, what="reminders deferred")
    assert deferred() == [(ana, "pending"), (budi, "pending")]  # waiting, not dropped
    assert _templates_to(graph, people["Bu Ana"][1]) == []
    assert _templates_to(graph, people["Pak Budi"][1]) == []

    # A darurat alert is never held, limit or not.
    async with runtime.db.transaction() as repos:
        await deliver(
            repos,
            user_id=people["Bu Eka"][0],
            message=Outbound(text="Darurat", summary="KNG-2026-000009"),
            kind=DeliveryKind.ALERT,
            now=clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    eka = people["Bu Eka"][1]
    await graph.wait_for(lambda: _templates_to(graph, eka) == ["psm_darurat"], what="alert")

    # Once the fan-out has settled, the district's coordinators hear who was not reached.
    clock.advance(timedelta(minutes=11))
    await runtime.scheduler.tick()
    await fake.wait_for(lambda: bool(_said(coordinator, "Batas harian")), what="report")
    report = _said(coordinator, "Batas harian")[0]
    assert "2 orang di kabupaten" in report and "pengingat rutin: 2 orang" in report
    assert "bimtek didahulukan" in report and "tidak hilang" in report
    await runtime.scheduler.tick()  # reported once, not at every tick
    assert _rows(  # once; announced as what it is where a template must announce it
        wa_settings,
        "SELECT json_extract(message, '$.summary') FROM outbox WHERE message LIKE '%Batas harian%'",
    ) == [("Batas pesan WhatsApp",)]

    # Those that waited a minute for better-ranked messages have been tried again meanwhile
    # and now wait for the limit's reset (time passes for the sender, not only in jumps).
    runtime.senders["whatsapp"].wake()
    tomorrow = (clock.now() + timedelta(hours=12)).isoformat()
    await graph.wait_for(
        lambda: (
            _rows(
                wa_settings,
                "SELECT COUNT(*) FROM outbox WHERE user_id IN (?, ?) AND status = 'pending'"
                " AND not_before > ?",
                ana,
                budi,
                tomorrow,
            )
            == [(2,)]
        ),
        what="the reminders waiting for the reset",
    )

    # When the limit has room again, the held reminders go out.
    clock.advance(timedelta(hours=24))
    await runtime.scheduler.tick()
    await graph.wait_for(
        lambda: (
            _templates_to(graph, people["Bu Ana"][1])
            and _templates_to(graph, people["Pak Budi"][1])
        ),
        what="deferred reminders sent after the reset",
    )
    assert graph.rejections == [] and fake.rejections == []


# -- 5. a district's weekly reminders on WhatsApp --------------------------------------------


async def test_weekly_reminders_on_whatsapp_leave_telegram_daily(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator_id = await add_user(
        wa_settings, role="coordinator", telegram_id=5101, name="Ibu Sari", kabupaten="32.08"
    )
    await known_on_whatsapp(wa_settings, coordinator_id, "ID.3501", "6281234500071", TUESDAY)
    await _psm(wa_settings, 7501, "Bu Tuti")  # Telegram only
    wulan = await _psm(wa_settings, 7502, "Bu Wulan")
    await known_on_whatsapp(wa_settings, wulan, "ID.3502", "6281234500072", TUESDAY)
    clock = ManualClock(TUESDAY)
    runtime = await start_wa_bot(clock)

    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.3501", wa_id="6281234500071")
    # The start's first tick sends her the daily digest (it is past 07:00): that one first.
    digest = await graph.wait_messages(coordinator.recipient, 1)
    assert "Ringkasan harian" in body_of(digest[0])
    asked = await coordinator.say("pengingat", expect=2)  # her own hour, then the district's
    assert "Pengingat harian saat ini" in body_of(asked[0])
    assert "lewat WhatsApp untuk Kabupaten Kuningan: *setiap hari*" in body_of(asked[1])
    await coordinator.tap("Mingguan")
    saved = await coordinator.tap("Kamis")
    assert "seminggu sekali, hari Kamis" in body_of(saved[0])
    on_telegram = TelegramPerson(fake, 5101, "Sari")  # the same coordinator on Telegram
    await on_telegram.say("/start")
    # Her own hour, the district's frequency (saved over WhatsApp), her channel.
    await on_telegram.say("/pengingat", until="seminggu sekali, hari Kamis")
    await on_telegram.tap("Harian", until="setiap hari")
    await on_telegram.say("/pengingat", until="setiap hari")
    await on_telegram.tap("Mingguan")
    await on_telegram.tap("Kamis", until="hari Kamis")

    tuti = TelegramPerson(fake, 7501, "Tuti")
    await tuti.say("/start")
    await tuti.say("/lapor")  # a draft to be reminded of
    await tuti.say("Keluarga Darto")  # answered: a draft /draf lists
    wa_wulan = WhatsAppPerson(graph, webhook_url, user_id="ID.3502", wa_id="6281234500072")
    await wa_wulan.say("lapor")
    await wa_wulan.say("Keluarga Wardi")  # answered: a draft

    clock.set(at(1, 16, 5))  # Tuesday
    await runtime.scheduler.tick()
    await fake.wait_for(lambda: bool(_said(tuti, "Pengingat harian")), what="Telegram: daily")
    assert _rows(
        wa_settings, "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND kind = 'routine'", wulan
    ) == [(0,)]

    clock.set(at(3, 16, 5))  # Thursday: the district's day
    await runtime.scheduler.tick()
    await graph.wait_for(
        lambda: _templates_to(graph, "6281234500072") == ["psm_pemberitahuan"],
        what="weekly reminder on WhatsApp",
    )
    ((channel, message),) = _rows(
        wa_settings,
        "SELECT channel, message FROM outbox WHERE user_id = ? AND kind = 'routine'",
        wulan,
    )
    assert channel == "whatsapp" and "Pengingat mingguan" in message  # not "harian"
    # The template names what the reminder is about (its first item), not just "pesan".
    (template,) = [m for m in graph.messages_to("6281234500072") if m["type"] == "template"]
    (body,) = template["template"]["components"]
    assert body["parameters"] == [{"type": "text", "text": "1 draf laporan belum selesai"}]
    assert graph.rejections == [] and fake.rejections == []


# -- Meta unwell for a while: one warning in the log, not one line a try -----------------------


async def test_graph_api_unwell_is_warned_of_once_and_its_end_said(
    graph, wa_settings, webhook_url, start_wa_bot, monkeypatch, caplog
) -> None:
    """While the Graph API failed, a reply was tried again and again with nothing at INFO
    in the log for an admin to see."""
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE", 0.05)
    caplog.set_level("INFO", logger="bot.send_trouble")
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3105", wa_id="6281234500045")
    graph.fail_next(131000, times=3, status=500)
    await person.say("halo", expect=0)
    welcome = await graph.wait_messages("6281234500045", 1)
    assert "Selamat datang" in body_of(welcome[0])
    await graph.wait_for(
        lambda: any(r.levelname == "INFO" for r in caplog.records if r.name == "bot.send_trouble"),
        what="sending said to work again",
    )
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.send_trouble"]
    assert [level for level, _ in said] == ["WARNING", "INFO"], said
    assert said[0][1].startswith("whatsapp: sending fails") and "131000" in said[0][1]
    assert "3 failed tries" in said[1][1]
