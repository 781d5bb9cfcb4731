"""One rule for a message holding a NIK or KK, wherever it was typed: Telegram deletes it;
WhatsApp, which cannot, asks the person once, at the top of the reply, to delete it."""

from __future__ import annotations

import pytest

from handlers.context import Turn
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

NIK = "3208014506230001"
KK = "3208011210190005"
REQUEST = "Mohon hapus sendiri pesan Bapak/Ibu yang berisi NIK/nomor KK"
QUESTION_NOTE = "Setelah tercatat, mohon hapus sendiri"


def _told(turn: Turn, channel: str) -> None:
    """The message is deleted (Telegram) or the person asked once to delete it (WhatsApp)."""
    deleted = [reply for reply in turn.replies if reply.type == "delete"]
    text = said(turn)
    if channel == "telegram":
        assert len(deleted) == 1 and turn.replies[0].type == "delete"
        assert REQUEST not in text
    else:
        assert deleted == [] and text.count(REQUEST) == 1, text
        assert QUESTION_NOTE not in text, text  # the question's own note not a second copy
        first = next(reply for reply in turn.replies if reply.type == "text")
        assert first.text.startswith(f"<i>{REQUEST}"), first.text


def _untouched(turn: Turn) -> None:
    assert REQUEST not in said(turn)
    assert [reply for reply in turn.replies if reply.type == "delete"] == []


async def _at_the_nik_question(db, app, channel: str):
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    await send(db, app, ani, channel, text=KK)
    asked = await send(db, app, ani, channel, text="Ayu Lestari")
    assert "NIK" in said(asked)
    return ani


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_nik_typed_anywhere_in_a_report_is_asked_to_be_deleted(world, channel: str) -> None:
    db, app = world
    ani = await _at_the_nik_question(db, app, channel)
    refused = await send(db, app, ani, channel, text="320801450623000")  # 15 digits
    assert "16 angka" in said(refused) and "NIK" in said(refused)
    _told(refused, channel)
    accepted = await send(db, app, ani, channel, text=NIK)
    assert "320801******0001" in said(accepted) and "Tanggal lahir" in said(accepted)
    _told(accepted, channel)
    # Typed at the date question: refused as a date, and still asked to delete.
    at_the_date = await send(db, app, ani, channel, text=NIK)
    assert "Mohon ketik tanggal lahir" in said(at_the_date)
    _told(at_the_date, channel)
    # A plain date: nothing to delete.
    _untouched(await send(db, app, ani, channel, text="05-06-2023"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_nik_inside_a_name_is_asked_to_be_deleted(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    in_a_name = await send(db, app, ani, channel, text=f"Slamet NIK {NIK}")
    assert "tidak boleh memuat NIK" in said(in_a_name)
    _told(in_a_name, channel)
    _untouched(await send(db, app, ani, channel, text="Slamet Riyadi"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_broadcast_holding_a_nik_is_asked_to_be_deleted(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    refused = await send(db, app, sari, channel, text=f"Mohon kunjungi Ayu NIK {NIK} di Babatan")
    assert "Silakan kirim lagi tanpa nomor itu" in said(refused)
    _told(refused, channel)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_nik_outside_any_form_is_asked_to_be_deleted(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    _told(await send(db, app, ani, channel, text=f"ini NIK saya {NIK}"), channel)
    _untouched(await send(db, app, ani, channel, text="halo"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_searched_nik_is_asked_to_be_deleted_once(world, channel: str) -> None:
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    _told(await send(db, app, tono, channel, command="cari", command_args=NIK), channel)
    await send(db, app, tono, channel, command="cari")
    _told(await send(db, app, tono, channel, text="3208 0145 0623"), channel)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_kk_question_asked_again_keeps_its_note_without_a_number(
    world, channel: str
) -> None:
    """Nothing typed to delete: the question asked again keeps its own note."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    again = await send(db, app, ani, channel, text="nomornya hilang")
    _untouched(again)
    assert (QUESTION_NOTE in said(again)) == (channel == "whatsapp")
    assert "Kartu Keluarga" in said(again) and button(again, "Tidak tahu")
