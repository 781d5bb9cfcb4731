"""A region typed at the button pickers outside forms (handlers/region_pickers.py): /pengguna's
people by kecamatan, a person's new kecamatan and desa, /ekspor's kecamatan filter. Read as
a form's region question reads it: exact (level word or not) is that button's tap, a close
spelling is offered to confirm, several are listed, none is said with the picker again; only
the picker's own regions (the coordinator's kabupaten, the chosen kecamatan's desa), and only
while the picker is the last thing of its feature shown. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import Turn
from handlers.list_replies import TTL as NAME_TTL
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import run_background
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    labels,
    one_message,
    person,
    said,
    send,
)
from tests.storage.seed_cases import BABATAN, CINIRU, KADUGEDE, NOW, make_user, seed_case

NOT_UNDERSTOOD = "belum mengerti"


async def _kecamatan_picker(db: Database, app, channel: str) -> tuple[User, Turn]:
    """A coordinator of Kuningan (with Bu Ani, PSM of Babatan) at /pengguna's kecamatan."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    menu = await send(db, app, sari, channel, command="pengguna")
    picker = await send(db, app, sari, channel, data=button(menu, "Per kecamatan"))
    assert "ketik nama kecamatannya" in said(picker)
    return sari, picker


async def _region_of(db: Database, user: User) -> tuple[str | None, str | None]:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.kecamatan_code, found.desa_code


@pytest.mark.parametrize("channel", CHANNELS)
async def test_people_by_a_typed_kecamatan(world, channel: str) -> None:
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    listed = await send(db, app, sari, channel, text="Kec. Kadugede")
    assert "Pengguna di Kecamatan Kadugede" in said(listed)
    assert any("Bu Ani" in label for label in labels(listed))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_close_spelling_is_offered_to_confirm(world, channel: str) -> None:
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    offered = await send(db, app, sari, channel, text="kadugde")
    assert "Maksud Bapak/Ibu: Kecamatan <b>Kadugede</b>?" in said(offered)
    assert "Pengguna di" not in said(offered)  # nothing chosen yet
    listed = await send(db, app, sari, channel, data=button(offered, "Kadugede"))
    assert "Pengguna di Kecamatan Kadugede" in said(listed)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_several_close_names_are_listed(world, channel: str) -> None:
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    offered = await send(db, app, sari, channel, text="Cib")
    assert "beberapa kecamatan" in said(offered)
    assert sorted(labels(offered)) == ["Cibeureum", "Cibingbin", "« Daftar lengkap"]
    whole = await send(db, app, sari, channel, data=button(offered, "Daftar lengkap"))
    assert "Pilih kecamatan." in said(whole)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_such_kecamatan_shows_the_picker_again(world, channel: str) -> None:
    db, app = world
    sari, picker = await _kecamatan_picker(db, app, channel)
    # A kecamatan of another district (Tuban's Jatirogo) is none of a Kuningan coordinator's.
    for typed in ("Jatirogo", "3208011234567890"):
        again = await send(db, app, sari, channel, text=typed)
        text = one_message(again)  # the refusal above the picker, as a form's
        assert "Tidak ada kecamatan dengan nama itu di Kabupaten Kuningan" in text
        assert typed not in text  # the typed text is never echoed (it may be a NIK)
        assert "Pilih kecamatan." in text and labels(again) == labels(picker)
    # The picker shown again still takes a name.
    listed = await send(db, app, sari, channel, text="kadugede")
    assert "Pengguna di Kecamatan Kadugede" in said(listed)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_name_typed_after_the_picker_was_left_is_not_a_pick(world, channel: str) -> None:
    db, app = world
    sari, picker = await _kecamatan_picker(db, app, channel)
    late = await send(db, app, sari, channel, text="Kadugede", now=NOW + NAME_TTL * 2)
    assert NOT_UNDERSTOOD in said(late) and "Pengguna di" not in said(late)
    await send(db, app, sari, channel, data=button(picker, "Menu pengguna"))
    after_menu = await send(db, app, sari, channel, text="Kadugede")
    assert NOT_UNDERSTOOD in said(after_menu) and "Pengguna di" not in said(after_menu)
    # Nor after a command: the picker shown again, then /antrian.
    menu = await send(db, app, sari, channel, command="pengguna")
    await send(db, app, sari, channel, data=button(menu, "Per kecamatan"))
    await send(db, app, sari, channel, command="antrian")
    after_command = await send(db, app, sari, channel, text="Kadugede")
    assert NOT_UNDERSTOOD in said(after_command) and "Pengguna di" not in said(after_command)


async def _region_picker(db: Database, app, channel: str) -> tuple[User, User, Turn]:
    """A coordinator at Bu Ani's "Ubah wilayah" (the kecamatan question)."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = await send(db, app, sari, channel, data=button(found, "Bu Ani"))
    picker = await send(db, app, sari, channel, data=button(card, "Ubah wilayah"))
    assert "Pilih kecamatan untuk Bu Ani" in said(picker)
    assert "ketik nama kecamatannya" in said(picker)
    return sari, ani, picker


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_new_kecamatan_and_desa_typed(world, channel: str) -> None:
    db, app = world
    sari, ani, _ = await _region_picker(db, app, channel)
    desas = await send(db, app, sari, channel, text="Kecamatan Ciniru")
    assert "Pilih desa/kelurahan untuk Bu Ani (Kecamatan Ciniru)" in said(desas)
    assert "ketik nama desa/kelurahannya" in said(desas)
    # A desa of another kecamatan is none of this picker's: Windujanten lies in Kadugede.
    refused = one_message(await send(db, app, sari, channel, text="Windujanten"))
    assert "Tidak ada desa/kelurahan dengan nama itu di Kecamatan Ciniru" in refused
    assert "Pilih desa/kelurahan untuk Bu Ani (Kecamatan Ciniru)" in refused
    assert await _region_of(db, ani) == (KADUGEDE, BABATAN)
    done = await send(db, app, sari, channel, text="Ds. Ciniru")
    assert "Ciniru" in said(done) and "Pilih desa" not in said(done)
    kecamatan, desa = await _region_of(db, ani)
    assert kecamatan == CINIRU and desa is not None and desa.startswith(CINIRU + ".")
    async with db.reading() as repos:
        assert await repos.regions.name_of(desa) == "Ciniru"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_region_applies_only_as_the_person_was_seen(world, channel: str) -> None:
    db, app = world
    sari, ani, _ = await _region_picker(db, app, channel)
    admin = await person(db, "Admin", Role.ADMIN, channel)
    # Meanwhile an admin suspends Bu Ani (her version goes up).
    found = await send(db, app, admin, channel, text="pengguna ani")
    card = await send(db, app, admin, channel, data=button(found, "Bu Ani"))
    asked = await send(db, app, admin, channel, data=button(card, "Nonaktifkan"))
    await send(db, app, admin, channel, data=button(asked, "Ya"))
    typed = await send(db, app, sari, channel, text="Ciniru")
    assert "Pilih desa" not in said(typed)
    assert "baru saja diubah orang lain" in said(typed)  # with her page as it is now
    assert await _region_of(db, ani) == (KADUGEDE, BABATAN)


async def test_an_export_kecamatan_typed(world) -> None:
    db, app = world
    channel = "telegram"  # /ekspor sends files only where they can be deleted later
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=2), number="KNG-2026-1"
        )
    start = await send(db, app, sari, channel, command="ekspor")
    period = await send(db, app, sari, channel, data=button(start, "30 hari"))
    question = await run_background(db, period)
    assert "Pilih kecamatan" in question[-1].text and "ketik nama kecamatannya" in question[-1].text
    # Its buttons were drawn in the background: a number counts none of them, and is neither
    # "no kecamatan with that name" nor "not in the list".
    # Said above the picker drawn again, in one message (as a form's refusal).
    number = await send(db, app, sari, channel, text="1")
    assert said(number) == "", said(number)
    (again,) = await run_background(db, number)
    assert again.text.startswith("⚠️ Mohon pilih salah satu pilihan"), again.text
    assert "Pilih kecamatan" in again.text and again.buttons
    close = await send(db, app, sari, channel, text="kec kadugde")
    assert "Maksud Bapak/Ibu: Kecamatan <b>Kadugede</b>?" in said(close)
    typed = await send(db, app, sari, channel, text="Kec. Kadugede")
    category = await run_background(db, typed)
    assert "Pilih kategori" in category[-1].text
    assert "Kadugede" in category[-1].text  # the filter chosen, named
    # Past the kecamatan question a name is no pick any more.
    late = await send(db, app, sari, channel, text="Ciniru")
    assert NOT_UNDERSTOOD in said(late)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_admin_types_a_kecamatan_of_the_district_switched_to(world, channel: str) -> None:
    db, app = world
    admin = await person(db, "Admin", Role.ADMIN, channel, kabupaten=None)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    found = await send(db, app, admin, channel, text="pengguna ani")
    card = await send(db, app, admin, channel, data=button(found, "Bu Ani"))
    kuningan = await send(db, app, admin, channel, data=button(card, "Ubah wilayah"))
    tuban = await send(db, app, admin, channel, data=button(kuningan, "Kabupaten Tuban"))
    assert "(Kabupaten Tuban)" in said(tuban)
    typed = await send(db, app, admin, channel, text="Kadugede")  # Kuningan's, not Tuban's
    assert "Tidak ada kecamatan dengan nama itu di Kabupaten Tuban" in said(typed)
    desas = await send(db, app, admin, channel, text="kec. jatirogo")
    assert "Pilih desa/kelurahan untuk Bu Ani (Kecamatan Jatirogo)" in said(desas)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_name_is_refused_as_its_tap_would_be(world, channel: str) -> None:
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    async with db.transaction() as repos:  # no longer a coordinator meanwhile
        await repos.users.update(sari.id, now=NOW, role=Role.PSM)
    refused = await send(db, app, sari, channel, text="Kadugede")
    assert "tidak berwenang" in said(refused)
    assert "Pengguna di" not in said(refused) and "Bu Ani" not in said(refused)
    async with db.reading() as repos:
        entries = await repos.audit.entries("people.refused")
    assert [(e["actor_id"], e["detail"]) for e in entries] == [
        (sari.id, '{"data": "pg:kp:32.08.01:0"}')
    ]


def _kecamatan_labels(turn: Turn) -> list[str]:
    """The kecamatan buttons of a picker, in the order shown (not its pages nor "back")."""
    return [
        b.label
        for reply in turn.replies
        for row in reply.buttons or []
        for b in row
        if b.data.startswith("pg:kp:")
    ]


HIDDEN = (
    "⚠️ Pilihan di sini tidak bernomor, jadi nomor {number} belum dicatat. Silakan pilih dari"
    " daftar (tekan <b>Pilih</b>), atau ketik namanya."
)


async def test_a_typed_number_counts_the_kecamatan_buttons_of_the_page(world) -> None:
    """As at a form's question: "2" is the second button of the page on screen; on the next
    page "1" is its first; a number beyond the page is refused by its number with the picker
    again (before, any number was "no kecamatan with that name"). On Telegram, whose buttons
    are in sight (WhatsApp's list: the next test)."""
    db, app = world
    channel = "telegram"
    sari, picker = await _kecamatan_picker(db, app, channel)
    first_page = _kecamatan_labels(picker)
    listed = await send(db, app, sari, channel, text="2")
    assert f"Pengguna di Kecamatan {first_page[1]}" in said(listed), said(listed)

    picker = await send(db, app, sari, channel, command="pengguna")
    picker = await send(db, app, sari, channel, data=button(picker, "Per kecamatan"))
    refused = await send(db, app, sari, channel, text="12")
    assert one_message(refused).startswith("⚠️ Nomor 12 tidak ada di daftar"), said(refused)
    assert "Pilih kecamatan." in said(refused) and labels(refused) == labels(picker)
    second = await send(db, app, sari, channel, data=button(refused, "Berikutnya"))
    second_page = _kecamatan_labels(second)
    assert second_page and second_page[0] not in first_page
    listed = await send(db, app, sari, channel, text="1")
    assert f"Pengguna di Kecamatan {second_page[0]}" in said(listed), said(listed)


async def test_a_number_landing_on_a_page_button_is_said_so(world) -> None:
    """QA walk 10 (a form's question; the pickers the same): the number of the button after
    the page's kecamatan is "press Berikutnya", not "not in the list"; the one after it,
    "Menu pengguna"."""
    db, app = world
    channel = "telegram"
    sari, picker = await _kecamatan_picker(db, app, channel)
    counted = len(_kecamatan_labels(picker))
    assert labels(picker)[counted:] == ["Berikutnya ›", "« Menu pengguna"]
    for number, pressed in ((counted + 1, "Berikutnya"), (counted + 2, "Menu pengguna")):
        refused = await send(db, app, sari, channel, text=str(number))
        assert one_message(refused).startswith(
            f"⚠️ Nomor {number} bukan pilihan: pilih salah satu nomor 1–{counted}, atau"
            f" tekan {pressed}."
        ), said(refused)
        assert "Pilih kecamatan." in said(refused) and labels(refused) == labels(picker)


async def test_a_number_at_a_whatsapp_list_counts_nothing_unseen(world) -> None:
    """On WhatsApp the page of kecamatan is a list: its rows behind "Pilih", unnumbered. A
    number typed there counted them blind (QA walk 10, a form's question): refused, pick from
    the list or type the name, the picker again; a name still picks."""
    db, app = world
    channel = "whatsapp"
    sari, picker = await _kecamatan_picker(db, app, channel)
    first_page = _kecamatan_labels(picker)
    for typed in ("2", "8", "12"):
        refused = await send(db, app, sari, channel, text=typed)
        text = one_message(refused)
        assert text.startswith(HIDDEN.format(number=typed)), text
        assert "Pengguna di" not in text and labels(refused) == labels(picker)
    listed = await send(db, app, sari, channel, text=first_page[1])
    assert f"Pengguna di Kecamatan {first_page[1]}" in said(listed), said(listed)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_number_after_close_names_counts_those(world, channel) -> None:
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    offered = await send(db, app, sari, channel, text="Cib")
    names = _kecamatan_labels(offered)
    assert len(names) == 2, labels(offered)
    listed = await send(db, app, sari, channel, text="2")
    assert f"Pengguna di Kecamatan {names[1]}" in said(listed), said(listed)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_number_past_close_names_names_the_whole_list_button(world, channel) -> None:
    """Two close names and "« Daftar lengkap" are three buttons in sight on both channels
    (WhatsApp's reply buttons): "3" is that button's number, said so."""
    db, app = world
    sari, _ = await _kecamatan_picker(db, app, channel)
    offered = await send(db, app, sari, channel, text="Cib")
    refused = await send(db, app, sari, channel, text="3")
    text = said(refused)
    assert text.startswith(
        "⚠️ Nomor 3 bukan pilihan: pilih salah satu nomor 1–2, atau tekan Daftar lengkap."
    ), text
    # The close names again (not the whole list): the next number still counts them.
    assert "beberapa kecamatan" in text and labels(refused) == labels(offered), text
    listed = await send(db, app, sari, channel, text="2")
    name = _kecamatan_labels(offered)[1]
    assert f"Pengguna di Kecamatan {name}" in said(listed), said(listed)
