"""/pengguna's handover picker ("Pilih PSM yang akan meneruskannya"): a PSM's name may be typed
as at the region pickers (handlers/region_pickers.py): one named is that button's tap, several
are listed, none is said with the picker again. PSM of the same desa and kecamatan come
first; those of another kecamatan are marked with it, and choosing one says so. On both
channels."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, one_message, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, CINIRU_DESA, KADUGEDE, SINDANGJAWA

NOT_UNDERSTOOD = "belum mengerti"


async def _picker(db: Database, app: AppContext, channel: str) -> tuple[User, User, Turn]:
    """Ibu Sari at the handover picker of Pak Joko (PSM of Babatan, one draft open); PSM of
    another kecamatan, of another desa and of his own desa could take over."""
    joko = await person(db, "Pak Joko", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await person(db, "Ade Cijemit", Role.PSM, channel, kecamatan=CINIRU, desa=CINIRU_DESA)
    await person(db, "Dewi Lestari", Role.PSM, channel, kecamatan=CINIRU, desa=CINIRU_DESA)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=SINDANGJAWA)
    await person(db, "Dewi Sartika", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, joko, channel, command="lapor")
    await send(db, app, joko, channel, text="Keluarga Draf")
    found = await send(db, app, sari, channel, text="pengguna joko")
    card = await send(db, app, sari, channel, data=button(found, "Pak Joko"))
    picker = await send(db, app, sari, channel, data=button(card, "Serahkan laporan"))
    assert "Pilih PSM yang akan meneruskannya" in said(picker)
    assert "Atau ketik nama PSM-nya." in said(picker)
    return sari, joko, picker


@pytest.mark.parametrize("channel", CHANNELS)
async def test_same_desa_then_kecamatan_first_others_marked(world, channel: str) -> None:
    db, app = world
    _, _, picker = await _picker(db, app, channel)
    assert labels(picker)[:4] == [
        "Dewi Sartika · Babatan",
        "Bu Ani · Sindangjawa",
        "Ade Cijemit · Kec. Ciniru",
        "Dewi Lestari · Kec. Ciniru",
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_name_is_that_buttons_tap(world, channel: str) -> None:
    db, app = world
    sari, _, _ = await _picker(db, app, channel)
    confirm = await send(db, app, sari, channel, text="ani")
    text = said(confirm)
    assert NOT_UNDERSTOOD not in text
    assert "kepada Bu Ani?" in text and "bukan di Kecamatan" not in text
    assert "Ya, serahkan" in labels(confirm)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_another_kecamatan_is_said_at_the_confirmation(world, channel: str) -> None:
    db, app = world
    sari, _, _ = await _picker(db, app, channel)
    confirm = await send(db, app, sari, channel, text="Dewi Lestari")
    text = said(confirm)
    assert "kepada Dewi Lestari?" in text
    assert "Dewi Lestari bertugas di Kecamatan Ciniru, bukan di Kecamatan Kadugede" in text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_several_named_are_listed(world, channel: str) -> None:
    db, app = world
    sari, _, _ = await _picker(db, app, channel)
    offered = await send(db, app, sari, channel, text="dewi")
    assert "beberapa PSM" in said(offered)
    assert sorted(labels(offered)) == [
        "Dewi Lestari · Kec. Ciniru",
        "Dewi Sartika · Babatan",
        "« Daftar lengkap",
    ]
    confirm = await send(db, app, sari, channel, data=button(offered, "Dewi Sartika"))
    assert "kepada Dewi Sartika?" in said(confirm)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nobody_of_that_name_shows_the_picker_again(world, channel: str) -> None:
    db, app = world
    sari, _, picker = await _picker(db, app, channel)
    # Ibu Sari is no PSM and Pak Joko cannot take his own work: neither is offered.
    for typed in ("Sari", "joko", "3208011234567890"):
        again = await send(db, app, sari, channel, text=typed)
        text = one_message(again)  # the refusal above the picker, as a form's
        assert "Tidak ada PSM aktif dengan nama itu yang bisa menerima laporan Pak Joko" in text
        assert "3208011234567890" not in text
        assert "Pilih PSM yang akan meneruskannya" in text
        assert labels(again) == labels(picker)
    confirm = await send(db, app, sari, channel, text="ani")  # the picker again takes a name
    assert "kepada Bu Ani?" in said(confirm)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_number_counts_the_psm_in_sight(world, channel: str) -> None:
    """The region pickers' rule (handlers/typed_numbers.py): on Telegram "2" is the second
    PSM's button, and the number of "« Kembali" is said as that button; on WhatsApp the four
    PSM and "Kembali" are a list behind "Pilih", unnumbered, so a number picks nobody unseen
    (before: "2" handed the work to the second row)."""
    db, app = world
    sari, _, picker = await _picker(db, app, channel)
    if channel == "whatsapp":
        for typed in ("2", "5", "9"):
            refused = await send(db, app, sari, channel, text=typed)
            text = one_message(refused)
            assert text.startswith(
                f"⚠️ Pilihan di sini tidak bernomor, jadi nomor {typed} belum dicatat."
                " Silakan pilih dari daftar (tekan <b>Pilih</b>), atau ketik namanya."
            ), text
            assert "Pilih PSM yang akan meneruskannya" in text and "Ya, serahkan" not in text
            assert labels(refused) == labels(picker)
        return
    back = await send(db, app, sari, channel, text="5")  # also a PSM's id: it was hers
    text = said(back)
    assert text.startswith(
        "⚠️ Nomor 5 bukan pilihan: pilih salah satu nomor 1–4, atau tekan Kembali."
    ), text
    assert labels(back) == labels(picker)
    confirm = await send(db, app, sari, channel, text="2")
    assert "kepada Bu Ani?" in said(confirm), said(confirm)
