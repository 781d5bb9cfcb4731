"""A number typed back on WhatsApp picks an option of the question it answers: a reminder
without options sent in between does not take the options away; a reply without options
does (the conversation has moved on). Signed webhooks in over real HTTP, the fake Graph API
out, a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.channels.whatsapp.channel import MENU_KEY
from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import BABATAN, open_database, seed_case

WIB = ZoneInfo("Asia/Jakarta")
# 06.00 WIB on a Wednesday: before the coordinators' digest and not the TKSK weekly digest's
# day, so no scheduled message reaches the chat except the one the test sends.
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=WIB)
NUMBER = "KNG-2026-000001"
COORDINATOR_WA = "6281200000500"
NOT_UNDERSTOOD = "belum mengerti"


async def _coordinator_with_a_case(settings: Settings) -> int:
    """A coordinator of Kuningan known on WhatsApp, and one case she can find; her id."""
    coordinator = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            reporter = await repos.users.get(coordinator)
            assert reporter is not None
            await seed_case(
                repos, reporter=reporter, desa=BABATAN, at=NOW - timedelta(days=1), number=NUMBER
            )
            await repos.users.add_identity(
                user_id=coordinator,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=NOW,
            )
    finally:
        await db.close()
    return coordinator


def _rows(settings: Settings, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


def _nothing_pending(settings: Settings) -> bool:
    """Every message to the chat has been sent (and its options remembered or not)."""
    return not _rows(
        settings, "SELECT id FROM outbox WHERE chat_id = ? AND status = 'pending'", COORDINATOR_WA
    )


async def _remembered(runtime: Runtime) -> dict[str, str] | None:
    """The options a typed number picks from, as the adapter stored them."""
    async with runtime.db.reading() as repos:
        stored = await repos.schedule.get_state("whatsapp", MENU_KEY + COORDINATOR_WA)
    return json.loads(stored) if stored else None


async def _search_result(
    graph, wa_settings: Settings, webhook_url: str, start_wa_bot
) -> tuple[Runtime, WhatsAppPerson, int]:
    """The coordinator has searched and holds a numbered list of cases to pick from."""
    coordinator_id = await _coordinator_with_a_case(wa_settings)
    runtime = await start_wa_bot(ManualClock(NOW))
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await coordinator.say(f"cari {NUMBER}")
    await graph.wait_for(lambda: _nothing_pending(wa_settings), what="the result sent")
    question = coordinator.messages()[-1]
    assert question["type"] == "text" and f"1. {NUMBER}" in body_of(question), question
    assert "1" in (await _remembered(runtime) or {})
    return runtime, coordinator, coordinator_id


async def _send(runtime: Runtime, user_id: int, message: Outbound, kind: DeliveryKind) -> int:
    """Queue a message to the coordinator's WhatsApp chat the one way the bot sends."""
    async with runtime.db.transaction() as repos:
        item = await deliver(
            repos,
            user_id=user_id,
            message=message,
            kind=kind,
            now=runtime.clock.now(),
            channel="whatsapp",
            chat_id=COORDINATOR_WA,
        )
    assert item is not None
    runtime.senders["whatsapp"].wake()
    return item


async def test_a_reminder_between_the_question_and_the_typed_number_keeps_the_options(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime, coordinator, coordinator_id = await _search_result(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    reminder = Outbound.say("Pengingat: ada laporan yang menunggu pemeriksaan.")
    item = await _send(runtime, coordinator_id, reminder, DeliveryKind.ROUTINE)
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item) == [("sent",)],
        what="the reminder sent",
    )
    assert "Pengingat" in coordinator.latest_text()  # the reminder came after the question

    page = await coordinator.say("1")
    assert NUMBER in body_of(page[0]) and NOT_UNDERSTOOD not in body_of(page[0])
    await graph.wait_for(
        lambda: bool(_rows(wa_settings, "SELECT id FROM audit_log WHERE action = 'case.view'")),
        what="the case view recorded",
    )
    assert graph.rejections == []


async def test_a_reply_without_options_takes_the_old_options_away(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime, coordinator, coordinator_id = await _search_result(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    answer = Outbound.say("Terima kasih, pesan Anda sudah kami terima.")
    item = await _send(runtime, coordinator_id, answer, DeliveryKind.REPLY)
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item) == [("sent",)],
        what="the reply sent",
    )
    assert await _remembered(runtime) == {}

    typed = await coordinator.say("1")
    assert NOT_UNDERSTOOD in body_of(typed[0]) and NUMBER not in body_of(typed[0])
    assert _rows(wa_settings, "SELECT id FROM audit_log WHERE action = 'case.view'") == []
    assert graph.rejections == []


async def test_a_reply_that_never_arrives_leaves_the_options_the_person_saw(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Options are stored before the send; if the send then fails for good, the person
    never saw the new message, and a number they type answers the list they did see."""
    runtime, coordinator, coordinator_id = await _search_result(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    graph.fail_next(131026, recipient=COORDINATOR_WA)  # undeliverable: not tried again
    answer = Outbound.say("Terima kasih, pesan Anda sudah kami terima.")
    item = await _send(runtime, coordinator_id, answer, DeliveryKind.REPLY)
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item)
            not in ([("pending",)], [("sending",)])
        ),
        what="the reply given up",
    )
    assert "Terima kasih" not in coordinator.latest_text()
    assert "1" in (await _remembered(runtime) or {})

    page = await coordinator.say("1")
    assert NUMBER in body_of(page[0]) and NOT_UNDERSTOOD not in body_of(page[0])


async def test_the_options_are_remembered_before_the_person_can_see_them(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """A quick typist's number arrives as soon as the list is on their phone: its options
    must be stored by then, not after the send returns (else "1" is read as a plain answer)."""
    await _coordinator_with_a_case(wa_settings)
    runtime = await start_wa_bot(ManualClock(NOW))
    remembered_on_arrival: list[dict[str, str] | None] = []

    async def on_send(body: dict) -> None:
        if f"1. {NUMBER}" in str(body.get("text", {}).get("body", "")):
            remembered_on_arrival.append(await _remembered(runtime))

    graph.on_send = on_send
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await coordinator.say(f"cari {NUMBER}")
    await graph.wait_for(lambda: bool(remembered_on_arrival), what="the numbered list sent")
    assert "1" in (remembered_on_arrival[0] or {})
