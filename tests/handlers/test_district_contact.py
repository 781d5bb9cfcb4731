"""/kontak: a district's coordinators (admins: any district) set the contact line of their
Dinas Sosial office; a rejected registrant, a suspended person and /bantuan show it (a
district without one keeps today's wording); PSM, TKSK and someone waiting for approval read
it with /kontak; on Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import (
    CHANNELS,
    button,
    person,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import NOW

CONTACT = "Dinsos Kuningan, Bu Rina 0812-3456-7890, Senin-Jumat 08.00-15.00"


async def _set_contact(
    db: Database, app: AppContext, user: User, channel: str, contact: str
) -> Turn:
    """/kontak, the contact typed, then Kirim on the summary."""
    asked = await send(db, app, user, channel, command="kontak")
    assert "Kontak Dinas Sosial" in said(asked)
    summary = await send(db, app, user, channel, text=contact)
    return await send(
        db, app, user, channel, data=button(summary, app.catalog.text("id", "form.submit"))
    )


async def _contact(db: Database, kabupaten: str) -> str | None:
    async with db.reading() as repos:
        return await repos.district_contacts.contact(kabupaten)


async def _audit(db: Database, action: str) -> list[tuple[int, str]]:
    async with db.reading() as repos:
        rows = await repos.audit._all(
            "SELECT actor_id, subject FROM audit_log WHERE action = ? ORDER BY id", (action,)
        )
    return [(row[0], row[1]) for row in rows]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_coordinator_sets_her_districts_contact_and_a_rejected_person_sees_it(
    world, channel: str
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    dodi = await person(db, "Dodi", None, channel, status=UserStatus.REJECTED)
    joko = await person(db, "Joko", None, channel, kabupaten="35.23", status=UserStatus.REJECTED)
    rejected = app.catalog.text("id", "status_explained.rejected")

    before = await send(db, app, dodi, channel, text="Kenapa saya ditolak?")
    assert said(before) == rejected  # nothing set yet: today's wording

    saved = await _set_contact(db, app, sari, channel, CONTACT)
    assert f"✅ Kontak Dinas Sosial Kabupaten Kuningan sekarang: {CONTACT}" in said(saved)
    assert await _contact(db, "32.08") == CONTACT
    assert await _audit(db, "district.contact_set") == [(sari.id, "kabupaten:32.08")]

    after = await send(db, app, dodi, channel, text="Kenapa saya ditolak?")
    assert said(after) == f"{rejected}\n\n📞 Kontak Dinas Sosial: {CONTACT}"
    other = await send(db, app, joko, channel, text="Kenapa saya ditolak?")
    assert said(other) == rejected  # Tuban set none


@pytest.mark.parametrize("channel", CHANNELS)
async def test_too_long_empty_or_short_contacts_are_asked_again(world, channel: str) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="kontak")
    label = "Tulis kontak yang bisa dihubungi"
    for typed, told in (
        (
            "Dinsos " + "a" * 200,
            "terlalu panjang (207 karakter, termasuk spasi). Paling banyak 200",
        ),
        ("   ", "masih kosong"),
        ("Rina", "Kontak minimal 5 huruf"),
    ):
        again = await send(db, app, sari, channel, text=typed)
        assert told in said(again) and label in said(again)
    assert await _contact(db, "32.08") is None
    done = await send(db, app, sari, channel, text="Bu Rina 0812-3456-7890")
    await send(db, app, sari, channel, data=button(done, app.catalog.text("id", "form.submit")))
    assert await _contact(db, "32.08") == "Bu Rina 0812-3456-7890"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_psm_tksk_and_a_waiting_registrant_read_the_contact_without_a_form(
    world, channel: str
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    tono = await person(db, "Pak Tono", Role.TKSK, channel)
    rina = await waiting_registration(db, channel)
    unset = "Kontak Dinas Sosial Kabupaten Kuningan belum diatur."
    before = await send(db, app, ani, channel, command="kontak")
    assert said(before).startswith(unset)

    await _set_contact(db, app, sari, channel, CONTACT)
    shown = f"📞 Kontak Dinas Sosial Kabupaten Kuningan: {CONTACT}"
    for who in (ani, tono, rina):
        for typed in ({"command": "kontak"}, {"text": "kontak"}):
            read = await send(db, app, who, channel, **typed)
            assert said(read) == shown
            assert "tidak berwenang" not in said(read)
            async with db.reading() as repos:
                assert await repos.forms.active(who.id) is None  # nothing to fill in
    async with db.reading() as repos:
        assert await repos.district_contacts.contact("32.08") == CONTACT  # unchanged


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_psm_amid_a_report_reads_the_contact_and_is_asked_the_question_again(
    world, channel: str
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    asked = await send(db, app, ani, channel, command="lapor")
    question = "Siapa nama kepala keluarga"
    assert question in said(asked)
    read = await send(db, app, ani, channel, command="kontak")
    assert "belum diatur" in said(read) and question in said(read)
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.form_id == "case_report"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_refusal_points_to_bantuan(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    refused = await send(db, app, ani, channel, command="statistik")
    assert said(refused) == app.catalog.text("id", "errors.not_allowed")
    assert "tidak berwenang" in said(refused) and "/bantuan" in said(refused)


async def test_a_coordinator_sets_only_her_own_kabupaten(world) -> None:
    db, app = world
    hadi = await person(db, "Pak Hadi", Role.COORDINATOR, "telegram", kabupaten="35.23")
    await _set_contact(db, app, hadi, "telegram", "Dinsos Tuban 0355-791234")
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None

    # Moved to Kuningan while answering: the Tuban contact is no longer hers to set.
    await send(db, app, hadi, "telegram", command="kontak")
    async with db.transaction() as repos:
        await repos.users.update(hadi.id, now=NOW, kabupaten_code="32.08")
    summary = await send(db, app, hadi, "telegram", text="Pak Hadi 0812-0000-1111")
    sent = await send(
        db, app, hadi, "telegram", data=button(summary, app.catalog.text("id", "form.submit"))
    )
    assert app.catalog.text("id", "errors.not_allowed") in said(sent)
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None
    assert await _audit(db, "district.contact_refused") == [(hadi.id, "kabupaten:35.23")]


async def test_an_admin_picks_the_district(world) -> None:
    db, app = world
    admin = await person(db, "Admin", Role.ADMIN, "whatsapp", kabupaten=None)
    asked = await send(db, app, admin, "whatsapp", command="kontak")
    assert "Kabupaten Kuningan: (belum diatur)" in said(asked)
    assert "Kabupaten Tuban: (belum diatur)" in said(asked)
    picked = await send(db, app, admin, "whatsapp", data=button(asked, "Tuban"))
    summary = await send(db, app, admin, "whatsapp", text="Dinsos Tuban 0355-791234")
    assert "Tuban" in said(summary)
    assert "Tulis kontak" in said(picked)
    await send(
        db, app, admin, "whatsapp", data=button(summary, app.catalog.text("id", "form.submit"))
    )
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_rejection_and_suspension_notices_and_bantuan_show_the_contact(
    world, channel: str
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await person(db, "Rina", None, channel, status=UserStatus.PENDING)
    tono = await person(db, "Pak Tono", Role.TKSK, channel)
    async with db.transaction() as repos:
        await repos.users.update(rina.id, now=NOW, requested_role=Role.PSM)
        await repos.district_contacts.set_contact(
            "32.08", "Bu Rina <b>0812</b>", by=sari.id, now=NOW
        )
    line = "\n\n📞 Kontak Dinas Sosial: Bu Rina &lt;b&gt;0812&lt;/b&gt;"

    await send(db, app, sari, channel, data=f"ap:{rina.id}:y")
    async with db.reading() as repos:
        told = [item.message["text"] for item in await repos.outbox.for_user(rina.id)]
        version = (await repos.users.get(tono.id)).version  # type: ignore[union-attr]
    rejected = app.catalog.text("id", "registration.you_are_rejected", by=sari.full_name)
    assert told == [rejected + line]

    await send(db, app, sari, channel, data=f"pg:sy:{tono.id}:{version}")
    async with db.reading() as repos:
        told = [item.message["text"] for item in await repos.outbox.for_user(tono.id)]
    assert told[-1] == app.catalog.text("id", "people.you_suspended", by=sari.full_name) + line

    helped = await send(db, app, tono, channel, command="bantuan")
    assert said(helped) == app.catalog.text("id", "help.suspended_by", by=sari.full_name) + line
    sari_help = await send(db, app, sari, channel, command="bantuan")
    assert said(sari_help).endswith(line) and "/kontak" in said(sari_help)
