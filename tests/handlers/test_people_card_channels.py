"""A person's card names the channels they are on, including one the catalogue has no name
for (the terminal demo's): it once failed with a KeyError and the person page did not open."""

from __future__ import annotations

from handlers.people.screens import person_text
from storage.models import Role
from tests.handlers.chat_turns import app_context, command
from tests.storage.seed_cases import NOW, make_user, open_database


async def test_the_card_names_every_channel_the_person_is_on(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
            dedi = await make_user(repos, "Pak Dedi", Role.PSM, kecamatan="32.08.01")
            for channel, external in (("whatsapp", "6281"), ("telegram", "77"), ("demo", "d1")):
                await repos.users.add_identity(
                    user_id=dedi.id,
                    channel=channel,
                    external_id=external,
                    chat_id=external,
                    now=NOW,
                )
            card = await person_text(command(app_context(tmp_path), repos, sari, "pengguna"), dedi)
    finally:
        await db.close()
    assert "demo, Telegram, WhatsApp" in card
