"""/privasi: what the bot keeps about a person, how long, their rights under UU PDP and whom
to ask (the district's contact from /kontak, else the coordinator); words typed outside a
form asking about one's data lead there, a request for one's data ("hapus data saya") to a
short answer first (QA walk 8); /saya points to it; coordinators read how a request is
carried out, in plain words (their help, /privasi, a person's page in /pengguna). On
Telegram and WhatsApp alike, in Indonesian and English."""

from __future__ import annotations

import pytest

from handlers.people.common import data as people_data
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    open_session,
    person,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

CONTACT = "Dinsos Kuningan, Bu Rina 0812-3456-7890"
TITLE = "Data pribadi Bapak/Ibu"
NOT_UNDERSTOOD = "belum mengerti"
WHOLE_PAGE = "Yang kami simpan"


async def _psm(db: Database, channel: str, name: str = "Bu Ani") -> User:
    return await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "typed",
    [
        {"command": "privasi"},
        {"text": "privasi"},
        {"text": "Privacy"},
        {"text": "data saya dipakai untuk apa?"},
    ],
)
async def test_a_psm_asking_about_her_data_reads_what_is_kept_and_her_rights(
    world, channel: str, typed: dict[str, str]
) -> None:
    db, app = world
    ani = await _psm(db, channel)
    read = said(await send(db, app, ani, channel, **typed))
    assert NOT_UNDERSTOOD not in read
    assert TITLE in read
    assert "nama, nomor HP" in read  # what is kept
    assert "24 jam" in read and "14 hari" in read and "5 tahun" in read  # how long
    assert "90 hari" in read  # a rejected registration
    for right in ("salinan", "diperbaiki", "dihapus", "menarik persetujuan"):
        assert right in read
    assert "koordinator Dinas Sosial kabupaten Bapak/Ibu" in read  # no contact set
    assert "tidak bisa dilakukan sendiri lewat bot" in read  # no self-service promised
    assert "Data akun Bapak/Ibu tidak terhapus sendiri" in read  # nor a deletion by itself
    assert "psm-bot" not in read  # the server's commands are for the staff
    async with db.reading() as repos:
        assert await repos.forms.active(ani.id) is None


REQUESTS = [
    "hapus data saya",
    "saya mau minta data saya dihapus",
    "hapus data",
    "Hapus data saya!",
    "data saya",
    "tolong akun saya dihapus",
    "minta salinan data saya",
]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", REQUESTS)
async def test_a_request_for_her_data_is_answered_shortly_with_the_contact(
    world, channel: str, typed: str
) -> None:
    """QA walk 8: "hapus data saya" got the whole page (~1,500 characters) whose one useful
    line named no contact. Now: how, the office's contact as /kontak shows it, /privasi."""
    db, app = world
    ani = await _psm(db, channel)
    read = said(await send(db, app, ani, channel, text=typed))
    assert WHOLE_PAGE not in read and NOT_UNDERSTOOD not in read
    assert len(read) < 600, len(read)
    assert "tidak bisa disalin atau dihapus sendiri lewat bot" in read
    assert "Mintalah kepada Dinas Sosial kabupaten" in read
    assert "/saya" in read  # what she can see herself
    kontak = said(await send(db, app, ani, channel, command="kontak"))
    assert "belum diatur" in kontak and kontak in read  # the same words as /kontak
    assert read.endswith("Ketik /privasi untuk penjelasan lengkap.")
    assert "psm-bot" not in read


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_request_names_the_district_contact_when_set(world, channel: str) -> None:
    db, app = world
    ani = await _psm(db, channel)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", CONTACT, by=ani.id, now=NOW)
    read = said(await send(db, app, ani, channel, text="hapus data saya"))
    assert f"📞 Kontak Dinas Sosial Kabupaten Kuningan: {CONTACT}" in read, read
    assert WHOLE_PAGE not in read and "belum diatur" not in read


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_district_contact_is_named_when_set_and_retention_follows_the_settings(
    world, channel: str
) -> None:
    db, app = world
    ani = await _psm(db, channel)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", CONTACT, by=ani.id, now=NOW)
    app.retention_days = 400  # not whole years: said in days
    read = said(await send(db, app, ani, channel, command="privasi"))
    assert f"hubungi Dinas Sosial ({CONTACT})" in read
    assert "koordinator Dinas Sosial kabupaten" not in read
    assert "400 hari setelah perubahan terakhirnya" in read


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_same_words_inside_a_form_are_its_answer(world, channel: str) -> None:
    db, app = world
    ani = await _psm(db, channel)
    await send(db, app, ani, channel, command="lapor")
    before = await open_session(db, ani)
    answered = said(await send(db, app, ani, channel, text="data saya"))
    assert TITLE not in answered
    assert (await open_session(db, ani)).id == before.id  # the report goes on


@pytest.mark.parametrize("channel", CHANNELS)
async def test_people_not_active_may_ask_too(world, channel: str) -> None:
    db, app = world
    rina = await waiting_registration(db, channel)
    dodi = await person(db, "Dodi", None, channel, status=UserStatus.REJECTED)
    budi = await person(db, "Budi", Role.PSM, channel, status=UserStatus.SUSPENDED)
    dewi = await person(db, "Dewi", None, channel, kabupaten=None, status=UserStatus.REGISTERING)
    for who in (rina, dodi, budi, dewi):
        read = said(await send(db, app, who, channel, text="hapus data saya"))
        if who is dewi:  # registering: the whole page says what she can do meanwhile
            assert TITLE in read and "90 hari" in read and "/batal" in read
        else:
            assert "tidak bisa disalin atau dihapus sendiri" in read and "Kontak Dinas" in read
            assert "/saya" not in read  # not theirs to use
        read = said(await send(db, app, who, channel, command="privasi"))
        assert TITLE in read and "90 hari" in read
        helped = said(await send(db, app, who, channel, command="bantuan"))
        assert "/privasi - data pribadi Bapak/Ibu dan hak atasnya" in helped


@pytest.mark.parametrize("channel", CHANNELS)
async def test_saya_and_the_help_point_to_privasi(world, channel: str) -> None:
    db, app = world
    ani = await _psm(db, channel)
    profile = said(await send(db, app, ani, channel, command="saya"))
    assert "cara meminta salinan atau penghapusannya: /privasi" in profile
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert "/privasi - data pribadi Bapak/Ibu dan hak atasnya" in helped


@pytest.mark.parametrize("channel", CHANNELS)
async def test_coordinators_read_how_a_request_is_carried_out(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await _psm(db, channel)
    # QA walk 8: the server's commands are jargon for her; the admin's help keeps them.
    asked = "minta admin sistem (yang mengelola server)"
    own = said(await send(db, app, sari, channel, command="privasi"))
    assert TITLE in own and "Untuk koordinator" in own and asked in own
    typed = said(await send(db, app, sari, channel, text="hapus data saya"))
    # the short answer, with how she carries out others' (QA walk 10: the whole page)
    assert WHOLE_PAGE not in typed and "Untuk koordinator" in typed and asked in typed
    helped = said(await send(db, app, sari, channel, command="bantuan"))
    assert f"{asked} menyalin atau menghapus data orang itu" in helped
    page = said(await send(db, app, sari, channel, data=people_data("u", ani.id)))
    assert asked in page and f"nomor pengguna <b>{ani.id}</b>" in page
    for text in (own, typed, helped, page):
        assert "psm-bot" not in text
    admin = await person(db, "Pak Admin", Role.ADMIN, channel)
    admin_help = said(await send(db, app, admin, channel, command="bantuan"))
    assert "psm-bot user export" in admin_help and "psm-bot subject" in admin_help
    psm_own = said(await send(db, app, ani, channel, command="privasi"))
    assert "Untuk koordinator" not in psm_own


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_admins_help_names_the_readme_section_as_a_reference(world, channel) -> None:
    """QA walk 9: '(README, "Personal data on the server")' read as an English aside in an
    Indonesian text; the section keeps its name, said to be one."""
    db, app = world
    admin = await person(db, "Admin", Role.ADMIN, channel, kabupaten=None)
    helped = said(await send(db, app, admin, channel, command="bantuan"))
    assert 'lihat bagian README berjudul "Personal data on the server"' in helped
    async with db.transaction() as repos:
        admin = await repos.users.update(admin.id, now=NOW, language="en")
    helped = said(await send(db, app, admin, channel, command="bantuan"))
    assert 'see the README section "Personal data on the server"' in helped


@pytest.mark.parametrize("channel", CHANNELS)
async def test_in_english(world, channel: str) -> None:
    db, app = world
    ani = await _psm(db, channel)
    async with db.transaction() as repos:
        ani = await repos.users.update(ani.id, now=NOW, language="en")
    short = said(await send(db, app, ani, channel, text="delete my data"))
    assert "You cannot copy or delete your personal data yourself" in short
    assert short.endswith("Type /privasi for the full explanation.")
    read = said(await send(db, app, ani, channel, command="privasi"))
    assert "Your personal data" in read
    assert "your district's Dinas Sosial coordinator" in read
    assert "5 years" in read and "cannot be done yourself in the bot" in read
    profile = said(await send(db, app, ani, channel, command="saya"))
    assert "how to ask for a copy or its deletion: /privasi" in profile
