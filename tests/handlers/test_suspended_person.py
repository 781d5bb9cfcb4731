"""A suspended person: /bantuan explains the suspension (with the district office's contact),
not the registration's help; the form they were answering waits as a draft (one without an
answer is dropped, and not counted on their page) and is open again once they are
reactivated, so what the coordinator's page counts is what they can resume. On both
channels."""

from __future__ import annotations

import re

import pytest

from bot.channels.whatsapp.outbound import render
from storage.db import Database
from storage.models import Role, User
from tests.e2e.whatsapp import body_of
from tests.handlers.routed_turns import CHANNELS, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

CONTACT = "Dinsos Kuningan, Bu Rina 0812-3456-7890"


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _suspend_and_reactivate(db: Database, app, sari: User, ani: User, channel: str) -> str:
    """Sari suspends Ani, then reactivates her; what Ani is told on reactivation."""
    await send(db, app, sari, channel, data=f"pg:sy:{ani.id}:{await _version(db, ani)}")
    await send(db, app, sari, channel, data=f"pg:a:{ani.id}:{await _version(db, ani)}")
    async with db.reading() as repos:
        return (await repos.outbox.for_user(ani.id))[-1].message["text"]


async def _page(db: Database, app, sari: User, ani: User, channel: str) -> str:
    return said(await send(db, app, sari, channel, data=f"pg:u:{ani.id}"))


async def _people(db: Database, channel: str) -> tuple[User, User]:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    return sari, ani


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_suspended_persons_help_explains_the_suspension(world, channel: str) -> None:
    db, app = world
    sari, ani = await _people(db, channel)
    async with db.transaction() as repos:
        await repos.district_contacts.set_contact("32.08", CONTACT, by=sari.id, now=NOW)
    await send(db, app, sari, channel, data=f"pg:sy:{ani.id}:{await _version(db, ani)}")
    for asked in ({"command": "bantuan"}, {"command": "tidakada"}):
        helped = said(await send(db, app, ani, channel, **asked))
        assert "sedang dinonaktifkan" in helped, asked
        assert "pendaftaran" not in helped and "/start" not in helped, asked
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert helped.endswith(f"📞 Kontak Dinas Sosial: {CONTACT}")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_form_open_at_the_suspension_is_open_again_after_it(world, channel: str) -> None:
    db, app = world
    sari, ani = await _people(db, channel)
    await send(db, app, ani, channel, command="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")  # one answer
    told = await _suspend_and_reactivate(db, app, sari, ani, channel)
    assert "aktif kembali" in told and "masih tersimpan" in told
    assert "Draf: 1" in await _page(db, app, sari, ani, channel)

    cancel = said(await send(db, app, ani, channel, command="batal"))
    assert cancel.startswith("Yakin ingin membatalkan laporan <b>Slamet Riyadi</b>?")  # a form
    drafts = said(await send(db, app, ani, channel, command="draf"))
    assert "belum selesai (1)" in drafts
    assert app.catalog.text("id", "case.no_drafts") not in drafts
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.state["answers"]["head_name"] == "Slamet Riyadi"
    assert "open_when_suspended" not in session.state
    answered = said(await send(db, app, ani, channel, text="3208011210190005"))  # the KK
    assert app.catalog.text("id", "errors.not_understood") not in answered
    assert "Yakin ingin membatalkan" not in answered  # /draf ended "cancel?"
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.state["answers"]["no_kk"] == "3208011210190005"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_choice_held_at_the_suspension_is_not_asked_after_it(world, channel) -> None:
    db, app = world
    sari, ani = await _people(db, channel)
    await send(db, app, ani, channel, command="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    await send(db, app, ani, channel, command="batal")  # "cancel?" waits, then the suspension
    await _suspend_and_reactivate(db, app, sari, ani, channel)
    answered = said(await send(db, app, ani, channel, text="3208011210190005"))
    assert app.catalog.text("id", "cancel.need_yes_no") not in answered
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.state["answers"]["no_kk"] == "3208011210190005"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_form_without_an_answer_is_dropped_and_not_counted(world, channel: str) -> None:
    db, app = world
    sari, ani = await _people(db, channel)
    await send(db, app, ani, channel, command="lapor")  # open at its first question
    assert "Draf: 0" in await _page(db, app, sari, ani, channel)
    told = await _suspend_and_reactivate(db, app, sari, ani, channel)
    assert "masih tersimpan" not in told and "/lapor" in told
    assert "Draf: 0" in await _page(db, app, sari, ani, channel)
    async with db.reading() as repos:
        assert await repos.forms.of_user(ani.id, ("active", "paused")) == []
    assert said(await send(db, app, ani, channel, command="draf")) == app.catalog.text(
        "id", "case.no_drafts"
    )


async def test_the_words_the_reactivation_names_work_on_whatsapp_amid_the_form(world) -> None:
    """The notice says "Ketik *start* bila pertanyaan itu tidak terlihat, atau *batal*" on
    WhatsApp: each, typed as shown amid the form kept, is its command there (not the answer to
    the KK question): "start" shows the question, "batal" asks to cancel the form."""
    db, app = world
    sari, ani = await _people(db, "whatsapp")
    await send(db, app, ani, "whatsapp", command="lapor")
    await send(db, app, ani, "whatsapp", text="Slamet Riyadi")
    await _suspend_and_reactivate(db, app, sari, ani, "whatsapp")
    notice = (await queued(db, ani))[-1]
    shown = "\n".join(body_of(body) for body in render(notice, app.catalog, "id").bodies)
    kept = shown[shown.index("masih tersimpan") :]
    assert re.findall(r"\*([a-z_]+)\*", kept) == ["start", "batal"], kept

    started = await send(db, app, ani, "whatsapp", text="start")
    assert started.event.command == "start"
    assert app.catalog.text("id", "form.continue_hint") in said(started)
    assert "Berapa nomor Kartu Keluarga" in said(started)
    cancel = await send(db, app, ani, "whatsapp", text="batal")
    assert said(cancel).startswith("Yakin ingin membatalkan laporan <b>Slamet Riyadi</b>?")
