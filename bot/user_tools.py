"""`psm-bot user export ID OUT.json`: a person who uses the bot gets a copy of their own data
(UU PDP right of access). Audited, with nothing personal in the log."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.export_file import operator
from bot.runtime import one_transaction
from bot.subject_tools import write_private


async def export_user(settings: Settings, user_id: int, out: Path) -> bool:
    """Write everything kept about user `user_id` to a JSON file only its owner can read;
    False when there is no such user."""
    async with one_transaction(settings) as (repos, app):
        data = await repos.users.own_data(user_id)
        if data is None:
            return False
        await repos.audit.record(
            now=datetime.now(UTC),
            actor_id=None,
            action="user.exported",
            subject=f"user:{user_id}",
            detail={"operator": operator()},
        )
    document = {
        "user_id": user_id,
        "exported_at": datetime.now(UTC).astimezone(app.timezone).isoformat(),
        **data,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    await asyncio.to_thread(write_private, out, text)
    return True
