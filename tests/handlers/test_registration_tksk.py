"""One TKSK per kecamatan, told where the person chooses: registering as TKSK of a kecamatan
that has an active TKSK is stopped once the role and the kecamatan are known (also when either
is changed from the summary), without the other TKSK's name or number, with their office's
contact and three ways on: another kecamatan, PSM there instead, cancel. The approver who
taps "Setujui" on a TKSK whose kecamatan got its TKSK meanwhile is told why, with the reasons
to reject and "Kembali", not a dead end. On both channels."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
TAKEN = "Kecamatan <b>Kadugede</b> sudah punya TKSK yang aktif"
OFFICE = "Bidang Linjamsos, 0232-871234 (Senin-Jumat 08.00-15.00)"
CHOICES = ["Pilih kecamatan lain", "Daftar sebagai PSM", "Batal mendaftar"]
KECAMATAN_QUESTION = "Di kecamatan mana?"
DESA_QUESTION = "Di desa/kelurahan mana?"
SUMMARY = "Periksa kembali"


async def _kadugede_has_its_tksk(db: Database, channel: str) -> User:
    """Pak Joko, the active TKSK of Kadugede, and the office's contact line of Kuningan."""
    joko = await person(db, "Pak Joko Widodo", Role.TKSK, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        joko = await repos.users.update(joko.id, now=NOW, phone="+6281299990000")
        await repos.district_contacts.set_contact("32.08", OFFICE, by=joko.id, now=NOW)
    return joko


async def _to_the_kecamatan(db: Database, app: AppContext, channel: str, role: str) -> User:
    """Dedi registers up to the kecamatan question, as `role`."""
    dedi = await person(db, "", None, channel, kabupaten=None, status=UserStatus.REGISTERING)
    await send(db, app, dedi, channel, command="start")
    await send(db, app, dedi, channel, text="Dedi Sumarna")
    await send(db, app, dedi, channel, text="081234567890")
    asked = await send(db, app, dedi, channel, text=role)
    if KECAMATAN_QUESTION not in said(asked):  # more than one district served
        asked = await send(db, app, dedi, channel, text="Kuningan")
    assert KECAMATAN_QUESTION in said(asked), said(asked)
    return dedi


async def _state(db: Database, user: User) -> dict[str, Any]:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state


def _told_taken(turn: Turn) -> None:
    text = said(turn)
    assert TAKEN in text and OFFICE in text
    assert "Joko" not in text and "9999" not in text  # never the other TKSK's name or number
    assert labels(turn) == CHOICES
    assert SUMMARY not in text


async def test_a_tksk_choosing_a_kecamatan_with_its_tksk_is_told_there(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    _told_taken(told)
    state = await _state(db, dedi)
    assert "kecamatan" not in state["answers"] and state["phase"] == "ask"

    # Another kecamatan: its question again, and a free one goes on to the summary.
    again = await send(db, app, dedi, channel, data=button(told, "Pilih kecamatan lain"))
    assert KECAMATAN_QUESTION in said(again)
    summary = await send(db, app, dedi, channel, text="Ciniru")
    assert SUMMARY in said(summary) and "Kecamatan: Ciniru" in said(summary)
    sent = await send(db, app, dedi, channel, data=button(summary, "Kirim"))
    assert "menunggu persetujuan" in said(sent)
    async with db.reading() as repos:
        stored = await repos.users.get(dedi.id)
    assert stored is not None
    assert (stored.requested_role, stored.kecamatan_code) == (Role.TKSK, CINIRU)


async def test_register_as_psm_instead_goes_on_at_the_desa(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    psm = await send(db, app, dedi, channel, data=button(told, "Daftar sebagai PSM"))
    assert "✓ Peran: PSM (desa)\n✓ Kecamatan: Kadugede" in said(psm)
    assert DESA_QUESTION in said(psm)
    summary = await send(db, app, dedi, channel, text="Babatan")
    assert "Peran: PSM (desa)" in said(summary) and "Kecamatan: Kadugede" in said(summary)
    await send(db, app, dedi, channel, data=button(summary, "Kirim"))
    async with db.reading() as repos:
        stored = await repos.users.get(dedi.id)
    assert stored is not None and stored.status == UserStatus.PENDING
    assert (stored.requested_role, stored.desa_code) == (Role.PSM, BABATAN)

    # The button is of a choice made: it changes nothing now.
    late = await send(db, app, dedi, channel, data=button(told, "Daftar sebagai PSM"))
    assert "Tombol itu sudah tidak berlaku" in said(late)


async def test_cancel_ends_the_registration_once_confirmed(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, data=None, text="Kadugede")
    asked = await send(db, app, dedi, channel, data=button(told, "Batal mendaftar"))
    assert "Yakin ingin membatalkan" in said(asked), said(asked)
    async with db.reading() as repos:
        assert await repos.forms.active(dedi.id) is not None  # asked first, as /batal
    cancelled = await send(db, app, dedi, channel, data=button(asked, "Ya, batalkan"))
    assert "Pendaftaran dibatalkan" in said(cancelled)
    async with db.reading() as repos:
        assert await repos.forms.active(dedi.id) is None


async def test_a_psm_of_that_kecamatan_is_not_stopped(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "PSM")
    asked = await send(db, app, dedi, channel, text="Kadugede")
    assert DESA_QUESTION in said(asked) and TAKEN not in said(asked)


async def test_changing_the_role_to_tksk_from_the_summary_is_stopped(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "PSM")
    await send(db, app, dedi, channel, text="Kadugede")
    summary = await send(db, app, dedi, channel, text="Babatan")
    editing = await send(db, app, dedi, channel, data=button(summary, "Ubah jawaban"))
    role = await send(db, app, dedi, channel, data=button(editing, "Peran"))
    told = await send(db, app, dedi, channel, data=button(role, "TKSK"))
    _told_taken(told)
    state = await _state(db, dedi)
    assert "kecamatan" not in state["answers"] and "desa" not in state["answers"]


async def test_someone_else_cannot_use_the_buttons(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    other = await _to_the_kecamatan(db, app, channel, "PSM")
    refused = await send(db, app, other, channel, data=button(told, "Batal mendaftar"))
    assert "Tombol itu sudah tidak berlaku" in said(refused)
    async with db.reading() as repos:
        assert await repos.forms.active(dedi.id) is not None


async def test_the_approver_of_a_tksk_whose_kecamatan_got_one_meanwhile(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    dedi = await person(
        db, "Dedi Sumarna", None, channel, kecamatan=KADUGEDE, status=UserStatus.PENDING
    )
    async with db.transaction() as repos:
        dedi = await repos.users.update(
            dedi.id, now=NOW, requested_role=Role.TKSK, phone="+6281234567890"
        )
    page = await send(db, app, sari, channel, data=f"pg:u:{dedi.id}")
    await _kadugede_has_its_tksk(db, channel)  # approved by another meanwhile

    pressed = await send(db, app, sari, channel, data=button(page, "Setujui"))
    text = said(pressed) + "".join(r.text or "" for r in pressed.replies if r.type == "edit")
    assert "belum bisa disetujui sebagai TKSK" in text
    assert "Kecamatan Kadugede sudah punya TKSK aktif, Pak Joko Widodo" in text
    shown = labels(pressed)
    assert {"Wilayah salah", "Bukan PSM/TKSK di sini", "‹ Kembali"} <= set(shown)
    async with db.reading() as repos:
        still = await repos.users.get(dedi.id)
    assert still is not None and still.status == UserStatus.PENDING

    # The way to the TKSK there, as a change of role to TKSK there offers (QA walk 12).
    assert "Pak Joko Widodo" in shown
    joko_page = said(await send(db, app, sari, channel, data=button(pressed, "Pak Joko Widodo")))
    assert "Pak Joko Widodo" in joko_page and "TKSK" in joko_page
    rejected = await send(db, app, sari, channel, data=button(pressed, "Wilayah salah"))
    async with db.reading() as repos:
        decided = await repos.users.get(dedi.id)
    assert decided is not None and decided.status == UserStatus.REJECTED, said(rejected)


async def test_a_tksk_request_says_the_kecamatan_has_its_tksk(world, channel):
    """The waiting request of a TKSK for a kecamatan with an active TKSK says so before
    "Setujui" is tried, with a button to that TKSK's page; a PSM's request there does not."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    joko = await _kadugede_has_its_tksk(db, channel)
    dedi = await person(
        db, "Dedi Sumarna", None, channel, kecamatan=KADUGEDE, status=UserStatus.PENDING
    )
    async with db.transaction() as repos:
        dedi = await repos.users.update(
            dedi.id, now=NOW, requested_role=Role.TKSK, phone="+6281234567890"
        )
    page = await send(db, app, sari, channel, data=f"pg:u:{dedi.id}")
    assert "Kec. Kadugede sudah punya TKSK: <b>Pak Joko Widodo</b>" in said(page)
    assert "Pak Joko Widodo" in labels(page) and button(page, "Setujui")
    assert button(page, "Pak Joko Widodo") == f"pg:u:{joko.id}"
    async with db.transaction() as repos:
        await repos.users.update(dedi.id, now=NOW, requested_role=Role.PSM)
    as_psm = await send(db, app, sari, channel, data=f"pg:u:{dedi.id}")
    assert "sudah punya TKSK" not in said(as_psm) and "Pak Joko Widodo" not in labels(as_psm)


async def test_another_kecamatan_may_be_typed_without_the_button(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    await send(db, app, dedi, channel, text="Kadugede")
    summary = await send(db, app, dedi, channel, text="Ciniru")
    assert SUMMARY in said(summary) and "Kecamatan: Ciniru" in said(summary)


async def _ciniru_has_its_tksk(db: Database, channel: str) -> None:
    await person(db, "Ibu Tati", Role.TKSK, channel, kecamatan=CINIRU)


async def test_each_notice_acts_on_its_own_kecamatan(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    await _ciniru_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    kadugede = await send(db, app, dedi, channel, text="Kadugede")
    ciniru = await send(db, app, dedi, channel, text="Ciniru")
    assert "Kecamatan <b>Ciniru</b> sudah punya TKSK" in said(ciniru)

    psm = await send(db, app, dedi, channel, data=button(kadugede, "Daftar sebagai PSM"))
    assert "✓ Kecamatan: Kadugede" in said(psm) and DESA_QUESTION in said(psm)
    assert (await _state(db, dedi))["answers"]["kecamatan"]["name"] == KADUGEDE
    # Notice 2's buttons are of a choice made now.
    late = await send(db, app, dedi, channel, data=button(ciniru, "Daftar sebagai PSM"))
    assert "Tombol itu sudah tidak berlaku" in said(late) and DESA_QUESTION in said(late)
    assert (await _state(db, dedi))["answers"]["kecamatan"]["name"] == KADUGEDE


async def test_a_typo_at_the_question_keeps_the_notice_buttons(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    await send(db, app, dedi, channel, text="Zzzqq")
    psm = await send(db, app, dedi, channel, data=button(told, "Daftar sebagai PSM"))
    assert "✓ Kecamatan: Kadugede" in said(psm) and DESA_QUESTION in said(psm)


async def test_an_old_cancel_after_the_summary_keeps_the_registration(world, channel):
    db, app = world
    await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    await send(db, app, dedi, channel, text="Ciniru")
    late = await send(db, app, dedi, channel, data=button(told, "Batal mendaftar"))
    assert "Tombol itu sudah tidak berlaku" in said(late) and SUMMARY in said(late)
    assert "Yakin ingin membatalkan" not in said(late)
    assert (await _state(db, dedi))["answers"]["kecamatan"]["name"] == CINIRU


async def test_a_notice_whose_tksk_left_is_old(world, channel):
    db, app = world
    joko = await _kadugede_has_its_tksk(db, channel)
    dedi = await _to_the_kecamatan(db, app, channel, "TKSK")
    told = await send(db, app, dedi, channel, text="Kadugede")
    async with db.transaction() as repos:
        await repos.users.update(joko.id, now=NOW, status=UserStatus.SUSPENDED)
    late = await send(db, app, dedi, channel, data=button(told, "Daftar sebagai PSM"))
    assert "Tombol itu sudah tidak berlaku" in said(late) and KECAMATAN_QUESTION in said(late)
    assert "kecamatan" not in (await _state(db, dedi))["answers"]
