"""What a person registering or waiting is told to type (QA walk 15): the help of someone
whose registration was sent still offered "/start - mulai atau lanjutkan pendaftaran"; the
cancel said "Ketik /start bila ingin mendaftar lagi" where /daftar is the word people know;
"lapor" at the registration's summary said "Ketik start untuk melanjutkan" without the summary.
Telegram and WhatsApp."""

from __future__ import annotations

import pytest

from storage.models import UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    said,
    send,
    waiting_registration,
)

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
SUMMARY = "Periksa kembali jawaban Bapak/Ibu"


async def _at_the_summary(db, app, channel):
    newcomer = await person(db, "Baru", None, channel, status=UserStatus.REGISTERING)
    for answer in ("halo", "Siti Aminah", "081234500001", "psm", "kuningan", "kadugede", "babatan"):
        last = await send(db, app, newcomer, channel, text=answer)
    assert SUMMARY in said(last), said(last)
    return newcomer


async def test_lapor_at_the_registration_summary_shows_the_summary_again(world, channel):
    db, app = world
    newcomer = await _at_the_summary(db, app, channel)
    for typed in ({"text": "lapor"}, {"command": "jadwal"}):
        told = said(await send(db, app, newcomer, channel, **typed))
        assert told.startswith("Bapak/Ibu belum selesai mendaftar."), told
        assert told.count(SUMMARY) == 1 and "1. Nama: Siti Aminah" in told, told
        assert "/start" not in told and "*start*" not in told, told


async def test_the_help_of_someone_waiting_offers_nothing_to_start(world, channel):
    db, app = world
    waiting = await waiting_registration(db, channel)
    helped = said(await send(db, app, waiting, channel, command="bantuan"))
    assert "menunggu persetujuan" in helped and "/kontak - kontak Dinas Sosial" in helped
    assert "pendaftaran\n" not in helped and "/start" not in helped and "/daftar" not in helped


async def test_a_cancelled_registration_says_to_type_daftar(world, channel):
    db, app = world
    newcomer = await person(db, "Baru", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, text="halo")
    await send(db, app, newcomer, channel, text="Siti Aminah")
    asked = await send(db, app, newcomer, channel, text="batal")
    done = said(await send(db, app, newcomer, channel, data=button(asked, "Ya, batalkan")))
    assert done == "Pendaftaran dibatalkan. Ketik /daftar bila ingin mendaftar lagi.", done
    again = said(await send(db, app, newcomer, channel, text="daftar"))
    assert "Siapa nama lengkap Bapak/Ibu" in again, again
