"""Failed status reports that used to leave a message going nowhere (signed webhooks in, the
fake Graph API and the fake Bot API out): a late 131047 while our record of the person's
last message says the window is open, a template Meta is still unwell for at the
message's last attempt, a template Meta will not send at all (132xxx) and a message Meta
held back (131048, 131049)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.admin_tools import add_user
from bot.channels.base import MAX_ATTEMPTS
from bot.channels.whatsapp import error_codes
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.models import to_db
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID, known_on_whatsapp
from tests.e2e.db_writes import write_db
from tests.e2e.test_whatsapp_delivery import (
    ALERT_TEXT,
    _alert_on_whatsapp,
    _rows,
    _said,
    _templates_to,
    _tksk_on_whatsapp_only,
    _whatsapp_unreachable,
)
from tests.e2e.whatsapp import WhatsAppPerson, body_of, post_webhook
from tests.fakes.whatsapp_api import envelope, status_update

UNWELL = 131000


def _texts_sent(graph, phone: str) -> int:
    """Free-form sends to `phone` Meta accepted, those it refused later included."""
    return sum(
        1
        for call in graph.sends
        if call.status == 200
        and str(call.body.get("to")).lstrip("+") == phone
        and call.body.get("type") != "template"
    )


async def _approval_notice(runtime, user_id: int, number: str) -> int:
    """ "Laporan <number> sudah disetujui." queued for the person (a notice); its outbox id."""
    async with runtime.db.transaction() as repos:
        notice_id = await deliver(
            repos,
            user_id=user_id,
            message=Outbound(text=f"Laporan {number} sudah disetujui.", summary=number),
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    return notice_id


async def test_a_late_131047_announces_the_message_with_a_template(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """After our downtime Meta redelivers what people wrote meanwhile, and we record each
    message when we process it: hours after Meta's window began, ours says open where Meta's
    closed. A late 131047 sent the message again as text, refused again, round after round
    for a day, and no template; now the window counts as closed from that send: a template
    announces the message, and the person's tap (the window open again) brings it."""
    await start_wa_bot()
    phone = "6281234500091"
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3601", wa_id=phone)
    graph.close_window(phone, asynchronous=True)  # Meta's window: closed; accepted, refused
    await person.say("halo", expect=0)  # recorded as just now: our window is open

    def welcome() -> list[tuple]:
        return _rows(
            wa_settings,
            "SELECT id, status, ext_message_id FROM outbox WHERE message LIKE '%Selamat datang%'",
        )

    await graph.wait_for(lambda: bool(welcome()) and welcome()[0][2] is not None, what="sent")
    [(welcome_id, _, _)] = welcome()
    [failed] = graph.failed_statuses
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200

    await graph.wait_for(
        lambda: _templates_to(graph, phone) == ["psm_pemberitahuan"], what="a template"
    )
    await graph.wait_for(lambda: welcome()[0][1] == "waiting", what="the welcome held")
    assert _texts_sent(graph, phone) == 1  # not sent again as text
    assert len(graph.failed_statuses) == 1

    graph.open_window(phone)  # the tap opens Meta's window
    await person.tap_template()
    await graph.wait_for(
        lambda: any("Selamat datang" in body_of(m) for m in graph.messages_to(phone)),
        what="the welcome delivered",
    )
    # Its outcome is written after the send (up to ~50 ms): waited for, not read at once.
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status, attempts FROM outbox WHERE id = ?", welcome_id)
            == [("sent", 0)]  # the window's fault: no attempt used
        ),
        what="the welcome marked sent, no attempt used",
    )
    assert len(graph.failed_statuses) == 1
    assert graph.rejections == []


async def test_an_alert_whose_templates_meta_never_takes_is_told_to_the_coordinators(
    fake, graph, wa_settings, webhook_url, start_wa_bot, monkeypatch
) -> None:
    """Meta unwell for the alert's template, try after try: at the last attempt the alert
    stayed held with no template that reached the TKSK, and nobody was told. Now the
    district's coordinators are told at once, to phone him; WhatsApp itself was unwell, not
    he unreachable: the alert stays held, and comes out when he writes."""
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE", 0.01)
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE_MAX", 0.05)
    phone = "6281234500092"
    tksk_id, coordinator, runtime = await _tksk_on_whatsapp_only(
        fake, wa_settings, start_wa_bot, 7312
    )
    await known_on_whatsapp(
        wa_settings, tksk_id, "ID.3602", phone, datetime.now(UTC) - timedelta(hours=30)
    )
    template_wamid, alert_id = await _alert_on_whatsapp(runtime, wa_settings, graph, tksk_id, phone)

    def announced_by() -> str | None:
        """The template the alert is held behind now."""
        rows = _rows(
            wa_settings,
            "SELECT t.ext_message_id FROM template_sends t JOIN outbox o ON o.id = t.outbox_id"
            " WHERE o.id = ? AND o.status = 'waiting'",
            alert_id,
        )
        return rows[0][0] if rows else None

    for tries in range(1, MAX_ATTEMPTS):
        unwell = status_update(template_wamid, phone, "failed", errors=[UNWELL])
        assert (await post_webhook(webhook_url, envelope(statuses=[unwell]))).status_code == 200
        await graph.wait_for(
            lambda old=template_wamid: announced_by() not in (None, old), what=f"again ({tries})"
        )
        template_wamid = announced_by()
    assert len(_templates_to(graph, phone)) == MAX_ATTEMPTS
    assert not _said(coordinator, "tidak sampai")

    unwell = status_update(template_wamid, phone, "failed", errors=[UNWELL])
    assert (await post_webhook(webhook_url, envelope(statuses=[unwell]))).status_code == 200
    await fake.wait_for(
        lambda: bool(_said(coordinator, "tidak sampai ke Budi Santoso")), what="coordinator told"
    )
    [told] = _said(coordinator, "tidak sampai ke Budi Santoso")
    assert "KNG-2026-000007" in told and "telepon" in told
    assert _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", alert_id) == [("waiting",)]
    assert not _whatsapp_unreachable(wa_settings, tksk_id)  # a later alert still tries here
    assert _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(0,)]
    assert len(_templates_to(graph, phone)) == MAX_ATTEMPTS  # nothing more

    budi = WhatsAppPerson(graph, webhook_url, user_id="ID.3602", wa_id=phone)
    replies = await budi.say("halo", expect=2)  # the alert first, then the answer
    assert "LAPORAN DARURAT" in body_of(replies[0])
    assert graph.rejections == [] and fake.rejections == []


async def test_a_notice_whose_template_meta_never_takes_stays_held_for_her_next_message(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The same for a notice: it stays held with no template that reached the person (the
    coordinators hear only of alerts), and comes out when she writes: WhatsApp was unwell,
    she is not unreachable."""
    phone = "6281234500093"
    psm_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7314,
        name="Bu Dewi",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await add_user(
        wa_settings, role="coordinator", telegram_id=7315, name="Ibu Sari", kabupaten="32.08"
    )
    runtime = await start_wa_bot()
    coordinator = TelegramPerson(fake, 7315, "Sari")
    await coordinator.say("/start")
    await known_on_whatsapp(
        wa_settings, psm_id, "ID.3603", phone, datetime.now(UTC) - timedelta(hours=30)
    )
    notice_id = await _approval_notice(runtime, psm_id, "KNG-2026-000011")

    def held() -> list[tuple]:
        return _rows(
            wa_settings,
            "SELECT t.ext_message_id FROM template_sends t JOIN outbox o ON o.id = t.outbox_id"
            " WHERE o.id = ? AND o.status = 'waiting'",
            notice_id,
        )

    await graph.wait_for(lambda: bool(held()), what="the notice held behind its template")
    [(template_wamid,)] = held()
    # Seven tries Meta was unwell for (as the alert's above): this one is the last.
    await write_db(
        wa_settings.database_path,
        "UPDATE outbox SET attempts = ? WHERE id = ?",
        MAX_ATTEMPTS - 1,
        notice_id,
    )
    unwell = status_update(template_wamid, phone, "failed", errors=[UNWELL])
    assert (await post_webhook(webhook_url, envelope(statuses=[unwell]))).status_code == 200

    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(0,)],
        what="the refused template forgotten",
    )
    assert _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", notice_id) == [("waiting",)]
    assert not _whatsapp_unreachable(wa_settings, psm_id)
    assert _templates_to(graph, phone) == ["psm_pemberitahuan"]
    assert not _said(coordinator, "KNG-2026-000011")

    dewi = WhatsAppPerson(graph, webhook_url, user_id="ID.3603", wa_id=phone)
    replies = await dewi.say("halo", expect=2)  # the notice first, then the answer
    assert "KNG-2026-000011 sudah disetujui" in body_of(replies[0])
    assert graph.rejections == [] and fake.rejections == []


async def test_a_message_meta_redelivers_a_day_late_keeps_its_window_closed(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """After our downtime Meta redelivers a message the person sent 25 hours ago. Its
    window (Meta's, from when they sent it) is closed; we recorded the time we processed it
    and sent our answer, then a notice, as text Meta refused later (131047). Now the window
    starts at the message's own time: the answer goes as a template, the notice waits
    behind it, and the person's tap brings both."""
    phone = "6281234500094"
    psm_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7316,
        name="Bu Rina",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # never started the bot on Telegram: only WhatsApp reaches her
    runtime = await start_wa_bot()
    await known_on_whatsapp(
        wa_settings, psm_id, "ID.3604", phone, datetime.now(UTC) - timedelta(days=3)
    )
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.3604", wa_id=phone)
    graph.close_window(phone, asynchronous=True)  # Meta's window: accepted, refused later
    written = int((datetime.now(UTC) - timedelta(hours=25)).timestamp())
    await person.say("halo", expect=0, timestamp=written)
    await graph.wait_for(
        lambda: _templates_to(graph, phone) == ["psm_pemberitahuan"], what="a template"
    )
    assert _rows(
        wa_settings,
        "SELECT last_inbound_at FROM channel_identities WHERE channel = 'whatsapp' AND user_id = ?",
        psm_id,
    ) == [(to_db(datetime.fromtimestamp(written, UTC)),)]

    notice_id = await _approval_notice(runtime, psm_id, "KNG-2026-000012")
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", notice_id)
            == [("waiting",)]
        ),
        what="the notice held behind the template",
    )
    assert _texts_sent(graph, phone) == 0  # nothing Meta would refuse
    assert _templates_to(graph, phone) == ["psm_pemberitahuan"]  # one announces both

    graph.open_window(phone)  # the tap opens Meta's window
    await person.tap_template()
    await graph.wait_for(
        lambda: any("KNG-2026-000012" in body_of(m) for m in graph.messages_to(phone)),
        what="the notice delivered",
    )
    assert graph.failed_statuses == []
    assert graph.rejections == [] and fake.rejections == []


def _told(settings, role: str, words: str) -> int:
    """How many messages holding `words` were queued for people of `role`."""
    [(count,)] = _rows(
        settings,
        "SELECT COUNT(*) FROM outbox o JOIN users u ON u.id = o.user_id"
        " WHERE u.role = ? AND o.message LIKE ?",
        role,
        f"%{words}%",
    )
    return count


async def test_an_alert_whose_template_meta_will_not_send_is_told_and_stays_held(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The darurat template paused by Meta (132015) after it took the alert's: the failed
    report was only recorded, the alert held with nobody told. Now, as when Meta refuses
    it on the send: the admins hear of the template once (the report again, and the next
    alert's template refused on the send, the same day, tell them nothing more), the
    district's coordinator hears of each alert to phone Pak Budi, and the alerts stay held
    for his next message."""
    phone = "6281234500095"
    tksk_id, coordinator, runtime = await _tksk_on_whatsapp_only(
        fake, wa_settings, start_wa_bot, 7320
    )
    admin = TelegramPerson(fake, ADMIN_ID, "Admin")
    await admin.say("/start")
    await known_on_whatsapp(
        wa_settings, tksk_id, "ID.3605", phone, datetime.now(UTC) - timedelta(hours=30)
    )
    template_wamid, alert_id = await _alert_on_whatsapp(runtime, wa_settings, graph, tksk_id, phone)
    paused = status_update(template_wamid, phone, "failed", errors=[132015])
    for _ in range(2):  # Meta's webhooks come at least once
        assert (await post_webhook(webhook_url, envelope(statuses=[paused]))).status_code == 200
    await fake.wait_for(lambda: bool(_said(admin, "psm_darurat")), what="the admin told")
    await fake.wait_for(
        lambda: bool(_said(coordinator, "tidak sampai ke Budi Santoso")), what="coordinator told"
    )
    assert "132015" in _said(admin, "psm_darurat")[0]
    assert _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", alert_id) == [("waiting",)]
    assert _rows(wa_settings, "SELECT COUNT(*) FROM template_sends") == [(0,)]  # reached nobody

    graph.fail_next(132015, recipient=phone)  # the next alert's template, on the send
    async with runtime.db.transaction() as repos:
        second_id = await deliver(
            repos,
            user_id=tksk_id,
            message=Outbound(text=ALERT_TEXT.replace("07", "08"), summary="KNG-2026-000008"),
            kind=DeliveryKind.ALERT,
            now=runtime.clock.now(),
        )
    runtime.senders["whatsapp"].wake()
    await fake.wait_for(
        lambda: _told(wa_settings, "coordinator", "KNG-2026-000008") == 1, what="told again"
    )
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", second_id)
            == [("waiting",)]
        ),
        what="the second alert held",
    )
    assert _told(wa_settings, "coordinator", "tidak sampai ke Budi Santoso") == 2  # once each
    assert _told(wa_settings, "admin", "psm_darurat") == 1  # once, not per message

    budi = WhatsAppPerson(graph, webhook_url, user_id="ID.3605", wa_id=phone)
    replies = await budi.say("halo", expect=3)  # the alerts first, then the answer
    assert "KNG-2026-000007" in body_of(replies[0]) and "KNG-2026-000008" in body_of(replies[1])
    assert all("LAPORAN DARURAT" in body_of(reply) for reply in replies[:2])
    assert graph.rejections == [] and fake.rejections == []


@pytest.mark.parametrize("code", [131048, 131049])
async def test_a_notice_meta_held_back_is_sent_again_later(
    fake, graph, wa_settings, webhook_url, start_wa_bot, monkeypatch, code
) -> None:
    """Accepted, then reported failed with 131048 (our number's spam rate limit) or 131049
    (Meta chose not to deliver): only recorded, the notice lost. Now sent again once
    Meta's pause (an hour, here shortened) has passed: a failed try."""
    monkeypatch.setattr(error_codes, "HELD_BACK_PAUSE", 0.2)
    phone = f"6281234500{code % 1000:03d}"
    psm_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7330 + code % 10,
        name="Bu Dewi",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    runtime = await start_wa_bot()
    await known_on_whatsapp(wa_settings, psm_id, f"ID.36{code % 100}", phone, datetime.now(UTC))
    notice_id = await _approval_notice(runtime, psm_id, "KNG-2026-000013")

    def wamid() -> str | None:
        [(found,)] = _rows(wa_settings, "SELECT ext_message_id FROM outbox WHERE id = ?", notice_id)
        return found

    await graph.wait_for(lambda: wamid() is not None, what="the notice accepted")
    first = wamid()
    held_back = status_update(first, phone, "failed", errors=[code])
    assert (await post_webhook(webhook_url, envelope(statuses=[held_back]))).status_code == 200
    await graph.wait_for(lambda: wamid() not in (None, first), what="sent again")
    sent = [body_of(m) for m in graph.messages_to(phone)]
    assert sent.count("Laporan KNG-2026-000013 sudah disetujui.") == 2
    assert _rows(wa_settings, "SELECT status, attempts FROM outbox WHERE id = ?", notice_id) == [
        ("sent", 1)
    ]
    assert graph.rejections == [] and fake.rejections == []
