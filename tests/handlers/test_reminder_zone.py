"""/pengingat names the hours in the district's own zone (WIB, WITA or WIT), not always WIB."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest

from handlers import reminder_settings
from storage.models import Role
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import make_user, open_database


@pytest.mark.parametrize(
    ("zone", "name"),
    [("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")],
)
async def test_the_reminder_hours_are_named_in_the_local_zone(tmp_path, zone, name) -> None:
    app = dataclasses.replace(app_context(tmp_path / "media"), timezone=ZoneInfo(zone))
    assert app.zone_name == name
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            turn = command(app, repos, psm, "pengingat")
            await reminder_settings.ask(turn)
    finally:
        await db.close()
    text = turn.replies[0].text
    assert f"({name})" in text
    assert "WIB" not in text or name == "WIB"
