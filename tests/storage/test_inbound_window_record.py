"""`channel_identities.last_inbound_at` is when the person wrote, as the channel says (the
start of WhatsApp's 24-hour window), never after we processed it, never moved back by a
message that comes late or out of order; on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.db import Database
from storage.models import Role, UserStatus

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def _identity(db: Database, last_inbound: datetime) -> int:
    """A WhatsApp identity whose person last wrote at `last_inbound`."""
    async with db.transaction() as repos:
        user = await repos.users.create(now=NOW, status=UserStatus.ACTIVE, role=Role.PSM)
        identity = await repos.users.add_identity(
            user_id=user.id,
            channel="whatsapp",
            external_id="ID.1",
            chat_id="6281234500001",
            now=last_inbound,
        )
        return identity.id


@pytest.mark.parametrize(
    ("wrote_at", "recorded"),
    [
        (None, NOW),  # the channel did not say: when we processed it
        (NOW - 25 * HOUR, NOW - 25 * HOUR),  # redelivered after our downtime
        (NOW + HOUR, NOW),  # the channel's clock ahead of ours
        (NOW - 72 * HOUR, NOW - 48 * HOUR),  # older than the record: the record stays
    ],
)
async def test_the_record_is_the_message_time_never_later_nor_backwards(
    db: Database, wrote_at: datetime | None, recorded: datetime
) -> None:
    identity_id = await _identity(db, NOW - 48 * HOUR)
    async with db.transaction() as repos:
        known = await repos.users.touch_known(
            "whatsapp", "ID.1", chat_id="6281234500001", now=NOW, wrote_at=wrote_at
        )
        assert known is not None and known.last_inbound_at == recorded
        again = await repos.users.touch_identity(
            identity_id, chat_id="6281234500001", now=NOW, wrote_at=wrote_at
        )
    assert again.last_inbound_at == recorded
    assert again.started_at == NOW - 48 * HOUR  # when they started the bot: kept


async def test_an_old_message_after_a_new_one_keeps_the_window_open(db: Database) -> None:
    identity_id = await _identity(db, NOW - 48 * HOUR)
    async with db.transaction() as repos:
        await repos.users.touch_identity(identity_id, chat_id="6281234500001", now=NOW)
        late = await repos.users.touch_identity(
            identity_id, chat_id="6281234500001", now=NOW + HOUR, wrote_at=NOW - 25 * HOUR
        )
    assert late.last_inbound_at == NOW


async def test_a_first_message_records_its_own_time(db: Database) -> None:
    async with db.transaction() as repos:
        user = await repos.users.create(now=NOW, status=UserStatus.REGISTERING)
        identity = await repos.users.add_identity(
            user_id=user.id,
            channel="whatsapp",
            external_id="ID.2",
            chat_id="6281234500002",
            now=NOW,
            wrote_at=NOW - 25 * HOUR,
        )
    assert (identity.started_at, identity.last_inbound_at) == (NOW, NOW - 25 * HOUR)
