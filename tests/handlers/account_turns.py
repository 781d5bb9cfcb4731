"""Turns for the tests of accounts and numbers changing hands (handlers/account_links.py):
Ibu Sari on WhatsApp, a WhatsApp message or system message as the adapter hands it over."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.whatsapp.inbound import to_inbound
from handlers import router
from handlers.context import Turn
from handlers.events import Inbound
from storage.models import Role, to_db
from tests.handlers.routed_turns import person
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

WA_ID = "6281234567890"
NEW_WA_ID = "6285799990000"


async def sari_on_whatsapp(db, bsuid: str = "ID.BSUID-A", role: Role = Role.COORDINATOR):
    """Ibu Sari, coordinator (else a PSM of Babatan), known on WhatsApp by her BSUID at her
    number."""
    region = {} if role == Role.COORDINATOR else {"kecamatan": KADUGEDE, "desa": BABATAN}
    sari = await person(db, "Ibu Sari", role, "whatsapp", **region)
    async with db.transaction() as repos:
        [identity] = await repos.users.identities_of(sari.id)
        await repos.conn.execute(
            "UPDATE channel_identities SET external_id = ?, chat_id = ?, phone = ?,"
            " phone_verified = 1 WHERE id = ?",
            (bsuid, WA_ID, "+" + WA_ID, identity.id),
        )
    return sari


async def silent_for(db, user_id: int, days: int, *, unreachable: bool = False) -> None:
    """The person last wrote `days` before NOW on each of their channels (a SIM changed,
    an app left); `unreachable`: the channel has refused delivery to them since."""
    async with db.transaction() as repos:
        await repos.conn.execute(
            "UPDATE channel_identities SET last_inbound_at = ?, unreachable_at = ?"
            " WHERE user_id = ?",
            (
                to_db(NOW - timedelta(days=days)),
                to_db(NOW) if unreachable else None,
                user_id,
            ),
        )


async def from_whatsapp(db, app, bsuid: str | None, wa_id: str, text: str = "halo") -> Turn:
    """A text as the WhatsApp adapter hands it over (`bsuid` None: a payload without one)."""
    contact = {"profile": {"name": "Budi"}, "wa_id": wa_id}
    if bsuid:
        contact["user_id"] = bsuid
    message = {"from": wa_id, "id": f"wamid.{text}", "type": "text", "text": {"body": text}}
    event = to_inbound({"message": message, "contact": contact})
    assert event is not None
    return await route(db, app, event)


async def route(db, app, event: Inbound) -> Turn:
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW)
        await router.handle(turn)
    return turn


async def whatsapp_identity(db, user_id: int):
    async with db.reading() as repos:
        [identity] = [
            i for i in await repos.users.identities_of(user_id) if i.channel == "whatsapp"
        ]
        return identity


async def audited(db, action: str) -> list[str]:
    async with db.reading() as repos:
        rows = await repos.conn.execute_fetchall(
            "SELECT subject FROM audit_log WHERE action = ?", (action,)
        )
    return [row[0] for row in rows]


def system_message(kind: str, sender: str = WA_ID, **system: str) -> dict:
    """Meta's system message about the account at `sender` (its `from`: the old number, or
    a BSUID when no number can be shared)."""
    message = {"from": sender, "id": "wamid.sys", "timestamp": "1780000000", "type": "system"}
    return {"message": {**message, "system": {"type": kind, "body": "User Sari changed", **system}}}
