"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A new, migrated database file in the test's own folder (a module may define its own)."""
    database = Database(tmp_path / "psm.db")
    await database.open()
    try:
        yield database
    finally:
        await database.close()
