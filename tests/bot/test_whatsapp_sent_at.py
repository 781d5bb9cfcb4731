"""When WhatsApp says a message was sent (its `timestamp`) rides on the neutral event, the
start of the person's 24-hour window; Telegram's events carry none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.telegram.inbound import to_inbound as telegram_inbound
from bot.channels.whatsapp.inbound import to_inbound
from bot.webhook import sent_before
from tests.fakes.whatsapp_api import contact, text_message

SENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000


def _message(stamp: object) -> dict:
    message = text_message("wamid.1", "6281234500001", "halo")
    if stamp is None:
        del message["timestamp"]
    else:
        message["timestamp"] = stamp
    return message


@pytest.mark.parametrize(
    ("stamp", "sent_at"),
    [
        ("1700000000", SENT),
        (None, None),  # missing
        ("", None),
        ("17000000.5", None),
        ("-5", None),
        (1700000000, None),  # Meta sends a string; anything else is unreadable
        ("9" * 40, None),  # beyond any date
        ("١٧٠٠٠٠٠٠٠٠", None),  # digits, but not ASCII ones
    ],
)
def test_whatsapp_timestamp_is_the_events_sent_at(stamp: object, sent_at: datetime | None) -> None:
    payload = {"message": _message(stamp), "contact": contact(user_id="ID.1", wa_id="62812")}
    event = to_inbound(payload)
    assert event is not None and event.sent_at == sent_at
    # The webhook's week-old check reads the same time: an unreadable one counts as recent.
    assert sent_before(payload["message"], SENT + timedelta(seconds=1)) is (sent_at is not None)


def test_telegram_events_carry_no_sent_at() -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 1700000000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Sari"},
            "text": "halo",
        },
    }
    event = telegram_inbound(update)
    assert event is not None and event.sent_at is None
