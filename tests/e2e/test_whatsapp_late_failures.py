"""Failed status reports that used to leave a message going nowhere (signed webhooks in, the
fake Graph API and the fake Bot API out): a late 131047 while our record of the person's
last message says the window is open, and a template Meta is still unwell for at the
message's last attempt."""

from __future__ import annotations

from tests.e2e.test_whatsapp_delivery import (
    _rows,
    _templates_to,
)
from tests.e2e.whatsapp import WhatsAppPerson, body_of, post_webhook
from tests.fakes.whatsapp_api import envelope


def _texts_sent(graph, phone: str) -> int:
    """Free-form sends to `phone` Meta accepted, those it refused later included."""
    return sum(
        1
        for call in graph.sends
        if call.status == 200
        and str(call.body.get("to")).lstrip("+") == phone
        and call.body.get("type") != "template"
    )


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
    assert _rows(wa_settings, "SELECT status, attempts FROM outbox WHERE id = ?", welcome_id) == [
        ("sent", 0)  # the window's fault: no attempt used
    ]
    assert len(graph.failed_statuses) == 1
    assert graph.rejections == []
