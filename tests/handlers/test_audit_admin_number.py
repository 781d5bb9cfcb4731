"""An admin number given up (handlers/admin_numbers.py) is audited with the number as its
subject, to be matched exactly; `/audit` shows it masked, as every phone in chat."""

from __future__ import annotations

import pytest

from handlers.audit_keys import KEY_REPLACED, KEY_SUBJECT
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import NOW

NUMBER = "+6281234567890"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_audit_shows_a_given_up_admin_number_masked(world, channel: str) -> None:
    db, app = world
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    async with db.transaction() as repos:
        await repos.audit.record(
            now=NOW,
            actor_id=None,
            action="user.admin_number_left",
            subject=f"admin-number:{NUMBER}",
            detail={},
        )
    # Today, every kind of action, everyone (the filter's buttons, handlers/audit/view.py).
    shown = said(await send(db, app, admin, channel, data="au:1:*:*:-:0", now=NOW))
    assert "1 catatan" in shown, shown
    assert "+62812*****890" in shown, shown
    assert NUMBER not in shown and "81234567890" not in shown, shown


@pytest.mark.parametrize("channel", CHANNELS)
async def test_audit_names_a_replaced_audit_key(world, channel: str) -> None:
    """bot/audit_key.py logs a key replaced (its file lost) under the subject `audit-key`."""
    db, app = world
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    async with db.transaction() as repos:
        await repos.audit.record(
            now=NOW,
            actor_id=None,
            action=KEY_REPLACED,
            subject=KEY_SUBJECT,
            detail={"from": "0123456789abcdef", "to": "fedcba9876543210"},
        )
    shown = said(await send(db, app, admin, channel, data="au:1:data:*:-:0", now=NOW))
    assert "1 catatan" in shown, shown
    assert "Kunci audit NIK diganti (server)" in shown and "kunci audit NIK (server)" in shown
    assert "audit-key" not in shown and "0123456789abcdef" not in shown, shown
