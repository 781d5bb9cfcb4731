"""A request for one's own data typed in words ("hapus data saya") is answered shortly by
role, nobody sent to themselves (QA walk 10): a coordinator got the whole page telling her to
"hubungi koordinator Dinas Sosial" (herself), a TKSK "tanyakan kepada TKSK kecamatan"
(himself). A TKSK asks the office, the system admin carries it out; a coordinator asks the
system admin, followed by how she carries out others' requests; an admin is told it is done
on the server. The whole page stays on /privasi, its "how to ask" by role too. By role, not by
status: a suspended or pending coordinator got the PSM's answer (ask the office, herself); a
registration waiting for a decision (no role yet) gets the PSM's. On Telegram and WhatsApp
alike."""

from __future__ import annotations

import pytest

from storage.models import Role, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    person,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)

WHOLE_PAGE = "Yang kami simpan"
MORE = "Ketik /privasi untuk penjelasan lengkap."
TO_THE_COORDINATOR = "koordinator Dinas Sosial kabupaten Bapak/Ibu"  # "hubungi {who}"
ASK_ADMIN = "mintalah langsung kepada admin sistem"


async def test_a_coordinator_asking_for_her_data_is_sent_to_the_system_admin(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    short = said(await send(db, app, sari, channel, text="hapus data saya"))
    assert WHOLE_PAGE not in short and short.endswith(MORE), short
    assert ASK_ADMIN in short and "/saya" in short
    assert "Untuk koordinator" in short  # how she carries out a PSM's request
    assert TO_THE_COORDINATOR not in short and "Kontak Dinas Sosial" not in short
    page = said(await send(db, app, sari, channel, command="privasi"))
    assert WHOLE_PAGE in page and ASK_ADMIN in page and "Untuk koordinator" in page
    assert TO_THE_COORDINATOR not in page, page


async def test_a_tksk_asking_for_his_data_is_not_sent_to_the_kecamatans_tksk(world, channel):
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    short = said(await send(db, app, tono, channel, text="minta salinan data saya"))
    assert WHOLE_PAGE not in short and short.endswith(MORE), short
    assert "admin sistem (yang mengelola server)" in short
    assert "Mintalah kepada Dinas Sosial kabupaten (koordinator)" in short
    assert "TKSK" not in short, short  # before: "tanyakan kepada TKSK kecamatan"
    assert "Silakan tanyakan kepada koordinator Dinas Sosial kabupaten." in short
    kontak = said(await send(db, app, tono, channel, command="kontak"))
    assert "belum diatur" in kontak and "TKSK" not in kontak, kontak


async def test_a_tksk_reads_the_offices_contact_when_set(world, channel):
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact(
            "32.08", "Bu Rina 0812-3456-7890", by=tono.id, now=NOW
        )
    short = said(await send(db, app, tono, channel, text="hapus data saya"))
    assert "Kontak Dinas Sosial Kabupaten Kuningan: Bu Rina 0812-3456-7890" in short, short


async def test_an_admin_is_told_it_is_done_on_the_server(world, channel):
    db, app = world
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    short = said(await send(db, app, admin, channel, text="hapus data saya"))
    assert WHOLE_PAGE not in short and short.endswith(MORE), short
    assert "di server oleh admin sistem (caranya ada di /bantuan)" in short
    assert "hubungi" not in short and "Kontak Dinas Sosial" not in short
    page = said(await send(db, app, admin, channel, command="privasi"))
    assert WHOLE_PAGE in page and TO_THE_COORDINATOR not in page, page


async def test_a_coordinator_in_english(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        sari = await repos.users.update(sari.id, now=NOW, language="en")
    short = said(await send(db, app, sari, channel, text="delete my data"))
    assert "For your own data, ask the system admin directly." in short, short
    assert "What we keep" not in short and "Dinas Sosial coordinator" not in short


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.PENDING])
async def test_a_coordinator_not_active_is_still_sent_to_the_system_admin(world, channel, status):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel, status=status)
    short = said(await send(db, app, sari, channel, text="hapus data saya"))
    assert ASK_ADMIN in short and short.endswith(MORE), short
    assert "Mintalah kepada Dinas Sosial kabupaten" not in short, short  # the PSM's answer
    assert TO_THE_COORDINATOR not in short and "Kontak Dinas Sosial" not in short, short
    assert "/saya" not in short  # not hers to use while not active
    page = said(await send(db, app, sari, channel, command="privasi"))
    assert ASK_ADMIN in page and TO_THE_COORDINATOR not in page, page
    assert "/saya" not in page and "/nomor" not in page, page


async def test_a_suspended_tksk_and_admin_get_their_roles_answer(world, channel):
    db, app = world
    tono = await person(
        db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE, status=UserStatus.SUSPENDED
    )
    short = said(await send(db, app, tono, channel, text="hapus data saya"))
    assert "Mintalah kepada Dinas Sosial kabupaten (koordinator)" in short, short
    assert "admin sistem (yang mengelola server)" in short and "/saya" not in short
    admin = await person(
        db, "Pak Admin", Role.ADMIN, channel, kabupaten=None, status=UserStatus.SUSPENDED
    )
    short = said(await send(db, app, admin, channel, text="hapus data saya"))
    assert "di server oleh admin sistem" in short and "Kontak Dinas Sosial" not in short, short
    page = said(await send(db, app, admin, channel, command="privasi"))
    assert "di server oleh admin sistem" in page and TO_THE_COORDINATOR not in page, page


async def test_a_registration_waiting_for_a_decision_asks_the_office(world, channel):
    """No role yet: the PSM's answer, the office's contact line with it."""
    db, app = world
    rina = await waiting_registration(db, channel)
    short = said(await send(db, app, rina, channel, text="hapus data saya"))
    assert "Mintalah kepada Dinas Sosial kabupaten: mereka meneruskannya" in short, short
    assert "Kontak Dinas Sosial" in short and ASK_ADMIN not in short, short
    assert "Untuk koordinator" not in short, short
