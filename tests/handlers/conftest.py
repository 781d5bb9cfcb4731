"""Fixtures shared by the handler tests."""

from __future__ import annotations

import pytest

from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import open_database


@pytest.fixture
async def world(tmp_path):
    """A database in a temp dir and the app context turns run in (routed_turns.send)."""
    db = await open_database(tmp_path / "psm.db")
    try:
        yield db, app_context(tmp_path / "media")
    finally:
        await db.close()
