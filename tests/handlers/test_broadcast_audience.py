"""/siaran: each role is offered only the audiences it may use and the broadcast goes to the
audience the summary showed, never another; with nobody to reach there is no Kirim, only
another audience or cancel. A draft of version 1 (which offered a TKSK all four audiences)
is asked the audience again instead of being sent elsewhere. On both channels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU, CINIRU_DESA, KADUGEDE, NOW, open_database

V1 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "broadcast_v1.yaml")
MESSAGE = "Rapat PSM hari Sabtu di kantor kecamatan."


@pytest.fixture
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")  # stores the current version
    async with db.transaction() as repos:
        await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
    try:
        yield db, app_context(tmp_path / "media")
    finally:
        await db.close()


async def _kadugede(db: Database, channel: str) -> dict[str, User]:
    """A TKSK and a PSM of Kadugede, a PSM of Ciniru, a TKSK of Ciniru."""
    return {
        "tksk": await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE),
        "ani": await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN),
        "joko": await person(db, "Pak Joko", Role.PSM, channel, kecamatan=CINIRU, desa=CINIRU_DESA),
        "dedi": await person(db, "Pak Dedi", Role.TKSK, channel, kecamatan=CINIRU),
    }


async def _recipients(db: Database) -> list[int]:
    async with db.reading() as repos:
        rows = await repos.audit._all(
            "SELECT user_id FROM outbox WHERE broadcast_id IS NOT NULL ORDER BY user_id", ()
        )
    return [row[0] for row in rows]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_tksk_is_offered_only_the_psm_of_their_kecamatan(world, channel: str) -> None:
    db, app = world
    people = await _kadugede(db, channel)
    tksk = people["tksk"]
    await send(db, app, tksk, channel, command="siaran")
    summary = await send(db, app, tksk, channel, text=MESSAGE)
    assert "Semua TKSK" not in labels(summary) and "Semua TKSK" not in said(summary)
    assert "Penerima: PSM kecamatan saya" in said(summary)
    preview = await send(db, app, tksk, channel, data=button(summary, "Kirim"))
    assert "<b>1</b> orang" in said(preview)
    sent = await send(db, app, tksk, channel, data=button(preview, "📣 Kirim"))
    assert "dikirim ke 1 orang" in said(sent)
    assert await _recipients(db) == [people["ani"].id]

    # The audience picked again from the summary is the only one there is: back to it.
    await send(db, app, tksk, channel, command="siaran")
    summary = await send(db, app, tksk, channel, text=MESSAGE)
    menu = await send(db, app, tksk, channel, data=button(summary, "Ubah jawaban"))
    again = await asyncio.wait_for(
        send(db, app, tksk, channel, data=button(menu, "Penerima")), timeout=10
    )
    assert "Penerima: PSM kecamatan saya" in said(again) and "✅ Kirim" in labels(again)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_tksk_draft_of_version_1_for_all_tksk_is_not_sent_to_psm(
    world, channel: str
) -> None:
    db, app = world
    people = await _kadugede(db, channel)
    tksk = people["tksk"]
    answers = {
        "message": MESSAGE,
        "audience": {"name": "tksk", "label": "Semua TKSK"},
    }
    async with db.transaction() as repos:
        state = {**new_state(), "answers": answers, "phase": "summary"}
        await repos.forms.start(
            user_id=tksk.id, form_id="broadcast", form_version=1, state=state, now=NOW
        )
    summary = await send(db, app, tksk, channel, text="lanjut")
    assert "Penerima: Semua TKSK" in said(summary)
    refused = await send(db, app, tksk, channel, data=button(summary, "Kirim"))
    assert "tidak bisa dipakai" in said(refused)
    assert "📣 Kirim" not in labels(refused) and "Ganti penerima" not in labels(refused)
    assert await _recipients(db) == []
    cancelled = await send(db, app, tksk, channel, data=button(refused, "Batal"))
    assert "Siaran dibatalkan" in said(cancelled)
    assert await _recipients(db) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_broadcast_to_nobody_offers_another_audience_not_kirim(world, channel: str) -> None:
    db, app = world
    people = await _kadugede(db, channel)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    asked = await send(db, app, sari, channel, text=MESSAGE)
    assert {"Semua PSM & TKSK", "Semua PSM", "Semua TKSK", "PSM satu kecamatan"} <= set(
        labels(asked)
    )
    assert "PSM kecamatan saya" not in labels(asked)
    where = await send(db, app, sari, channel, data=button(asked, "PSM satu kecamatan"))
    summary = await send(db, app, sari, channel, text="Cigugur")  # no PSM there
    nobody = await send(db, app, sari, channel, data=button(summary, "Kirim"))
    assert "(0 orang)" in said(nobody) and "Pilih penerima lain" in said(nobody), said(where)
    assert "📣 Kirim" not in labels(nobody)
    assert {"Ganti penerima", "Batal"} <= set(labels(nobody))

    again = await send(db, app, sari, channel, data=button(nobody, "Ganti penerima"))
    assert "Untuk siapa?" in said(again) and "Semua TKSK" in labels(again)
    summary = await send(db, app, sari, channel, data=button(again, "Semua TKSK"))
    assert MESSAGE in said(summary)  # the message is kept
    preview = await send(db, app, sari, channel, data=button(summary, "Kirim"))
    assert "<b>2</b> orang" in said(preview)
    await send(db, app, sari, channel, data=button(preview, "📣 Kirim"))
    assert await _recipients(db) == sorted([people["tksk"].id, people["dedi"].id])


async def _copies(db: Database, user: User) -> list[str]:
    async with db.reading() as repos:
        return [item.message["text"] for item in await repos.outbox.for_user(user.id)]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_each_copy_says_replies_are_not_read_and_how_to_reach_the_office(
    world, channel: str
) -> None:
    db, app = world
    people = await _kadugede(db, channel)
    tksk, ani = people["tksk"], people["ani"]
    previews = []
    for contact in (None, "Dinsos Kuningan <0812-3456-7890>"):
        if contact is not None:
            async with db.transaction() as repos:
                await repos.district_contacts.set_contact("32.08", contact, by=tksk.id, now=NOW)
        await send(db, app, tksk, channel, command="siaran")
        summary = await send(db, app, tksk, channel, text=MESSAGE)
        preview = await send(db, app, tksk, channel, data=button(summary, "Kirim"))
        previews.append(said(preview))
        await send(db, app, tksk, channel, data=button(preview, "📣 Kirim"))
    without, with_contact = await _copies(db, ani)
    # Without the office's contact the copy points to /kontak (never a bare "call him"), and
    # the sender was told beforehand that no number goes out (a TKSK cannot set it).
    assert without == (
        f"📣 Pesan dari Pak Tono:\n{MESSAGE}\n\n"
        "ℹ️ Balasan di chat ini tidak dibaca. Bila perlu, ketik /kontak untuk kontak Dinas "
        "Sosial, atau hubungi Pak Tono langsung."
    )
    no_number = "Kontak Dinas Sosial kabupaten belum diatur"
    assert no_number in previews[0] and "atur kontaknya" not in previews[0]
    assert no_number not in previews[1]
    assert with_contact.endswith(
        "\n\nℹ️ Balasan di chat ini tidak dibaca. "
        "Kontak Dinas Sosial: Dinsos Kuningan &lt;0812-3456-7890&gt;"
    )
    # Outside WhatsApp's window the template says a broadcast waits, naming nobody.
    async with db.reading() as repos:
        summaries = [item.message.get("summary") for item in await repos.outbox.for_user(ani.id)]
    assert summaries == ["Siaran Dinas Sosial"] * 2


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_coordinator_is_told_the_copies_carry_no_number_and_how_to_set_it(
    world, channel: str
) -> None:
    db, app = world
    await _kadugede(db, channel)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="siaran")
    asked = await send(db, app, sari, channel, text=MESSAGE)
    summary = await send(db, app, sari, channel, data=button(asked, "Semua TKSK"))
    preview = said(await send(db, app, sari, channel, data=button(summary, "Kirim")))
    assert "Kontak Dinas Sosial kabupaten belum diatur" in preview
    assert "atur kontaknya dulu dengan /kontak" in preview
