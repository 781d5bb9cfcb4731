"""/pengguna's words: the region picker names the kabupaten once ("Kabupaten Kuningan", not
"Kabupaten Kabupaten Kuningan"); a person told of a change hears only what changed, with a
desa named with its kecamatan (the two may share a name); a profile without a phone number
says "belum ada", not "- (terverifikasi: Tidak)". On both channels."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, person, queued, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, KADUGEDE, NOW


async def _told(db: Database, user: User) -> list[str]:
    async with db.reading() as repos:
        return [item.message["text"] for item in await repos.outbox.for_user(user.id)]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_region_change_names_the_region_only(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = await send(db, app, sari, channel, data=button(found, "Bu Ani"))
    picker = await send(db, app, sari, channel, data=button(card, "Ubah wilayah"))
    assert "Pilih kecamatan untuk Bu Ani (Kabupaten Kuningan):" in said(picker)
    assert "Kabupaten Kabupaten" not in said(picker)
    async with db.reading() as repos:
        ciniru = await repos.regions.name_of(CINIRU)
    assert ciniru == "Ciniru"  # a desa of the same name lies in it
    page = picker
    while ciniru not in [b.label for r in page.replies for row in r.buttons or [] for b in row]:
        page = await send(db, app, sari, channel, data=button(page, "Berikutnya"))
    desas = await send(db, app, sari, channel, data=button(page, ciniru))
    await send(db, app, sari, channel, data=button(desas, "Ciniru"))
    assert await _told(db, ani) == [
        "Wilayah Bapak/Ibu diubah oleh Ibu Sari: sekarang Desa Ciniru, Kec. Ciniru; "
        "peran tetap <b>PSM</b>."
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_role_change_names_the_role_only(world, channel: str) -> None:
    db, app = world
    admin = await person(db, "Admin", Role.ADMIN, channel)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    found = await send(db, app, admin, channel, text="pengguna sari")
    card = await send(db, app, admin, channel, data=button(found, "Ibu Sari"))
    roles = await send(db, app, admin, channel, data=button(card, "Ubah peran"))
    await send(db, app, admin, channel, data=button(roles, "Admin"))
    told = await _told(db, sari)
    assert told[0].startswith(
        "Peran Bapak/Ibu diubah oleh Admin: sekarang <b>Admin</b>, "
        "wilayah tetap Kabupaten Kuningan."
    )
    assert "Peran dan wilayah" not in told[0]
    assert (await queued(db, sari))[0].summary == "Perubahan akun"  # a WhatsApp template's line


@pytest.mark.parametrize("channel", CHANNELS)
async def test_profile_pages_say_when_there_is_no_number(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    own = said(await send(db, app, ani, channel, command="saya"))
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = said(await send(db, app, sari, channel, data=button(found, "Bu Ani")))
    for page in (own, card):
        assert "Nomor HP: belum ada\n" in page and "terverifikasi" not in page

    async with db.transaction() as repos:
        await repos.users.update(ani.id, now=NOW, phone="+6281234567890", phone_verified=True)
    own = said(await send(db, app, ani, channel, command="saya"))
    assert "Nomor HP: +6281234567890 (terverifikasi: Ya)" in own
    found = await send(db, app, sari, channel, text="pengguna ani")
    page = button(found, "Bu Ani")
    card = said(await send(db, app, sari, channel, data=page))
    # In full to her coordinator, who must be able to call her (QA walk 9), as her
    # registration request showed it; the page opens to nobody outside her district.
    assert "Nomor HP: +6281234567890 (terverifikasi: Ya)" in card
    other = await person(db, "Pak Joko", Role.COORDINATOR, channel, kabupaten="32.10")
    refused = said(await send(db, app, other, channel, data=page))
    assert "+62812" not in refused and "Bu Ani" not in refused


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_second_tksk_is_refused_with_the_way_back(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = await send(db, app, sari, channel, data=button(found, "Bu Ani"))
    roles = await send(db, app, sari, channel, data=button(card, "Ubah peran"))
    refused = await send(db, app, sari, channel, data=button(roles, "TKSK"))
    assert "sudah punya TKSK aktif: Pak Tono" in said(refused)
    assert labels(refused) == ["Pak Tono", "« Kembali"]
    back = await send(db, app, sari, channel, data=button(refused, "Kembali"))
    assert "<b>Bu Ani</b>" in said(back) and "Peran: PSM" in said(back)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_suspension_names_who_did_it_as_a_role_change_does(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = await send(db, app, sari, channel, data=button(found, "Bu Ani"))
    asked = await send(db, app, sari, channel, data=button(card, "Nonaktifkan"))
    await send(db, app, sari, channel, data=button(asked, "Ya, nonaktifkan"))
    (told,) = await _told(db, ani)
    assert told.startswith("Akun Bapak/Ibu dinonaktifkan oleh Ibu Sari.")
    assert [notice.summary for notice in await queued(db, ani)] == ["Perubahan akun"]
    assert "silakan hubungi Ibu Sari atau Dinas Sosial kabupaten" in told
