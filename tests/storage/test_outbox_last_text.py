"""`OutboxRepo.last_text_to_chat`: the last text message queued to a person's chat (the
buttons they see last, read on every text the bot did not understand), not a command menu or
an edit, not another chat's. Review 15: it read every message the person was ever sent (and
sorted them); the partial index `outbox_last_text` (0032) finds it at once."""

from __future__ import annotations

from typing import Any

import pytest

from storage.models import Role
from storage.outbox_enqueue import NewMessage
from storage.outbox_queries import LAST_TEXT_TO_CHAT
from tests.storage.seed_cases import NOW, make_user, open_database


@pytest.fixture
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


def _message(user_id: int, channel: str, chat_id: str, message: dict[str, Any]) -> NewMessage:
    return NewMessage(
        user_id=user_id,
        channel=channel,
        chat_id=chat_id,
        kind="reply",
        priority=0,
        message=message,
        now=NOW,
    )


async def test_the_last_text_of_the_chat_and_nothing_else(db) -> None:
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM)
        joko = await make_user(repos, "Pak Joko", Role.PSM)
        text = await repos.outbox.enqueue(_message(ani.id, "telegram", "7", {"text": "Pilih:"}))
        typed = {"type": "text", "text": "Kategori?"}
        last = await repos.outbox.enqueue(_message(ani.id, "telegram", "7", typed))
        await repos.outbox.enqueue_many(
            [
                _message(ani.id, "telegram", "7", {"type": "edit", "text": "Dipilih"}),
                _message(ani.id, "telegram", "7", {"type": "commands", "commands": []}),
                _message(ani.id, "whatsapp", "62812", {"text": "Di WhatsApp"}),
                _message(ani.id, "telegram", "8", {"text": "Chat lain"}),
                _message(joko.id, "telegram", "7", {"text": "Orang lain"}),
            ]
        )
        found = await repos.outbox.last_text_to_chat(
            user_id=ani.id, channel="telegram", chat_id="7"
        )
        assert found is not None and found.id == last and found.id != text
        whatsapp = await repos.outbox.last_text_to_chat(
            user_id=ani.id, channel="whatsapp", chat_id="62812"
        )
        assert whatsapp is not None and whatsapp.message["text"] == "Di WhatsApp"
        none = await repos.outbox.last_text_to_chat(
            user_id=joko.id, channel="whatsapp", chat_id="7"
        )
        assert none is None


async def test_it_is_read_from_its_index_not_from_every_message_of_the_person(db) -> None:
    async with db.reading() as repos:
        plan = " ".join(
            row[3]
            for row in await repos.conn.execute_fetchall(
                f"EXPLAIN QUERY PLAN {LAST_TEXT_TO_CHAT}", (1, "telegram", "7")
            )
        )
    assert "USING INDEX outbox_last_text (user_id=? AND channel=? AND chat_id=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
