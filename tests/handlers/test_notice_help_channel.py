"""The help a notice carries (a new role, back in use, an approved registration) is true on the
channel it goes out on: /ekspor, whose file WhatsApp cannot take, says "(hanya di Telegram)"
to a person on WhatsApp, as their /bantuan does, and nothing more on Telegram; a person on
both hears it on either, as a notice follows them to their other channel. Before, a
coordinator made or reactivated on WhatsApp was told /ekspor as if it worked there."""

from __future__ import annotations

import re

import pytest

from handlers.registration_request import decision_data
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    queued,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import KADUGEDE, NOW

TELEGRAM_ONLY = "(hanya di Telegram)"


def _export_line(text: str) -> str:
    (line,) = re.findall(r"^/ekspor - .*$", text, flags=re.MULTILINE)
    return line


async def _told(db: Database, user: User) -> str:
    return (await queued(db, user))[-1].text or ""


async def _made_coordinator(db: Database, app, channel: str, tksk: User) -> str:
    """An admin makes `tksk` a coordinator from /pengguna; what `tksk` is told."""
    admin = await person(db, "Admin", Role.ADMIN, channel, kabupaten=None)
    found = await send(db, app, admin, channel, text="pengguna dedi")
    card = await send(db, app, admin, channel, data=button(found, "Dedi"))
    roles = await send(db, app, admin, channel, data=button(card, "Ubah peran"))
    await send(db, app, admin, channel, data=button(roles, "Koordinator"))
    return await _told(db, tksk)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_new_coordinator_is_told_the_export_as_their_channel_serves_it(
    world, channel
) -> None:
    db, app = world
    dedi = await person(db, "Dedi", Role.TKSK, channel, kecamatan=KADUGEDE)
    told = await _made_coordinator(db, app, channel, dedi)
    assert "diubah oleh Admin: sekarang <b>Koordinator" in told
    line = _export_line(told)
    assert (TELEGRAM_ONLY in line) == (channel == "whatsapp"), line
    assert told.count("hanya di Telegram") == int(channel == "whatsapp")  # no other command
    # The same as the person's own help on that channel.
    help_text = said(await send(db, app, dedi, channel, command="bantuan"))
    assert _export_line(help_text) == line


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_reactivated_coordinator_is_told_the_export_as_their_channel_serves_it(
    world, channel
) -> None:
    db, app = world
    admin = await person(db, "Admin", Role.ADMIN, channel, kabupaten=None)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    found = await send(db, app, admin, channel, text="pengguna sari")
    card = await send(db, app, admin, channel, data=button(found, "Ibu Sari"))
    asked = await send(db, app, admin, channel, data=button(card, "Nonaktifkan"))
    suspended = await send(db, app, admin, channel, data=button(asked, "Ya, nonaktifkan"))
    await send(db, app, admin, channel, data=button(suspended, "Aktifkan"))
    told = await _told(db, sari)
    assert "<b>aktif kembali</b>" in told
    assert (TELEGRAM_ONLY in _export_line(told)) == (channel == "whatsapp")


async def test_a_coordinator_on_both_channels_is_told_it_on_either(world) -> None:
    """The notice is queued on Telegram (chosen), and would move to WhatsApp were Telegram
    blocked: its help holds on both."""
    db, app = world
    dedi = await person(db, "Dedi", Role.TKSK, "telegram", kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=dedi.id, channel="whatsapp", external_id="ID.77", chat_id="6281200000077"
        )
        await repos.users.update(dedi.id, now=NOW, delivery_channel="telegram")
    told = await _made_coordinator(db, app, "telegram", dedi)
    assert TELEGRAM_ONLY in _export_line(told)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_approval_carries_the_help_of_its_channel(world, channel) -> None:
    """A registration approved (PSM, TKSK: no /ekspor) carries the role's help as before."""
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await waiting_registration(db, channel)
    async with db.reading() as repos:
        waiting = await repos.users.get(rina.id)
    assert waiting is not None
    await send(db, app, coordinator, channel, data=decision_data(waiting, "a", from_people=False))
    told = await _told(db, rina)
    assert told.startswith("Selamat! Pendaftaran Bapak/Ibu sebagai <b>PSM</b>")
    assert "/lapor - " in told and "hanya di Telegram" not in told
