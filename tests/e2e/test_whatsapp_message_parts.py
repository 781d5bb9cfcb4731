"""A long WhatsApp message goes in several parts; a status webhook reporting any one of them
refused later (131047 on part 1, not only on the last) finds the message and sends it
again, whole, once the template announcing it is tapped; one reporting an earlier part
delivered or read leaves the message as it was until its last part is (signed webhooks in,
the fake Graph API out)."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from tests.e2e.whatsapp import WhatsAppPerson, body_of, post_webhook
from tests.fakes.whatsapp_api import envelope, status_update


def _marked_sent(settings: Settings) -> bool:
    """The long notice is marked sent (after its parts were accepted)."""
    with sqlite3.connect(settings.database_path) as db:
        rows = db.execute(
            "SELECT 1 FROM outbox WHERE message LIKE '%pengumuman%' AND status = 'sent'"
        ).fetchall()
    return bool(rows)


def _delivery(settings: Settings) -> list[tuple]:
    """The long notice's delivery status."""
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT delivery_status FROM outbox WHERE message LIKE '%pengumuman%'"
        ).fetchall()


LONG_NOTICE = "\n".join(f"{n:02d} " + "baris pengumuman yang panjang " * 9 for n in range(20))


async def _long_notice_sent(runtime, graph, settings, person, phone) -> tuple[str, str]:
    """The long notice queued for `person` (the window open) and accepted in two parts:
    the wamids of its first and last part."""
    await person.say("halo")  # the welcome; the window is open
    welcomed = len(graph.messages_to(phone))
    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", person.user_id)
        await deliver(
            repos,
            user_id=identity.user_id,
            message=Outbound.say(LONG_NOTICE),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    await graph.wait_for(lambda: len(graph.messages_to(phone)) == welcomed + 2, what="2 parts")
    first, last = (
        call.response["messages"][0]["id"]
        for call in graph.sends
        if call.status == 200 and "pengumuman" in body_of(call.body or {})
    )
    await graph.wait_for(lambda: _marked_sent(settings), what="its mark")
    return first, last


async def test_only_the_last_part_delivered_or_read_marks_the_message_so(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Part 1 reported delivered, then read, before part 2 with the end of the notice
    arrived: the whole notice was marked read (its text could be cleared early). Now only
    the last part's reports move it."""
    runtime = await start_wa_bot()
    phone = "6281234500062"
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3262", wa_id=phone)
    first, last = await _long_notice_sent(runtime, graph, wa_settings, person, phone)

    for state in ("delivered", "read"):
        early = status_update(first, phone, state)
        assert (await post_webhook(webhook_url, envelope(statuses=[early]))).status_code == 200
    assert _delivery(wa_settings) == [(None,)]
    delivered = status_update(last, phone, "delivered")
    assert (await post_webhook(webhook_url, envelope(statuses=[delivered]))).status_code == 200
    assert _delivery(wa_settings) == [("delivered",)]
    assert graph.rejections == []


async def test_a_late_131047_on_the_first_part_sends_the_message_again(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime = await start_wa_bot()
    phone = "6281234500061"
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3261", wa_id=phone)
    await person.say("halo")  # the welcome; the window is open
    welcomed = len(graph.messages_to(phone))
    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", "ID.3261")
        await deliver(
            repos,
            user_id=identity.user_id,
            message=Outbound.say(LONG_NOTICE),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    await graph.wait_for(lambda: len(graph.messages_to(phone)) == welcomed + 2, what="2 parts")
    first_part = next(
        call.response["messages"][0]["id"]
        for call in graph.sends
        if call.status == 200 and body_of(call.body or {}).startswith("00 ")
    )
    await graph.wait_for(lambda: _marked_sent(wa_settings), what="its mark")

    failed = status_update(first_part, phone, "failed", errors=[131047])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    # Meta's window had closed: a template announces the notice; the tap brings it again
    # from its first part, and the person has the whole notice once more.
    await graph.wait_for(
        lambda: (
            [m["type"] for m in graph.messages_to(phone)[welcomed:]] == ["text"] * 2 + ["template"]
        ),
        what="announced",
    )
    await person.tap_template()

    def heads() -> list[str]:
        sent = graph.messages_to(phone)[welcomed:]
        return [body_of(m)[:3] for m in sent if m["type"] != "template"]

    await graph.wait_for(lambda: len(heads()) >= 4, what="again")
    assert heads()[0] == heads()[2] == "00 " and heads()[1] == heads()[3] != "00 "
    assert graph.rejections == []
