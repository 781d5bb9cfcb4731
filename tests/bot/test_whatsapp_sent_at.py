"""When WhatsApp says a message was sent (its `timestamp`) rides on the neutral event, the
start of the person's 24-hour window; Telegram's events carry none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.telegram.inbound import to_inbound as telegram_inbound
from bot.channels.whatsapp.inbound import to_inbound
from bot.webhook import _whatsapp_items, sent_before
from tests.fakes.whatsapp_api import contact, envelope, text_message

SENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000


def _message(stamp: object, wamid: str = "wamid.1") -> dict:
    message = text_message(wamid, "6281234500001", "halo")
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


def test_a_notifications_messages_are_stored_in_the_order_they_were_sent() -> None:
    """By their timestamp, not as listed (QA 13); ties keep their listed order, one without a
    readable timestamp comes last."""
    listed = [
        _message("1700000060", "kk"),
        _message(None, "unstamped"),
        _message("1700000000", "name"),
        _message("1700000030", "tie-1"),
        _message("1700000030", "tie-2"),
    ]
    messages, _ = _whatsapp_items(
        envelope(messages=listed, contacts=[contact(user_id="ID.1", wa_id="6281234500001")])
    )
    order = [payload["message"]["id"] for payload in messages]
    assert order == ["name", "tie-1", "tie-2", "kk", "unstamped"]
