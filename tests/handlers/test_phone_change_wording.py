"""/nomor (form `phone_change` 3) names only the channel's own way to give a number, says
"belum ada" when there is none, refuses another number in plain words (not saved, which number
this channel accepts: before, "tidak bisa diverifikasi (diketik, atau bukan nomor akun ini)"),
and does not send a coordinator to a coordinator when the number belongs to another account;
sessions of versions 1 and 2 still run. On both channels."""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import pytest

from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V1 = load_form(FIXTURES / "phone_change_v1.yaml")
V2 = load_form(FIXTURES / "phone_change_v2.yaml")
TAKEN = "+6281299998888"
TELEGRAM_WAY = 'Tekan tombol "Bagikan nomor HP saya"'
WHATSAPP_WAY = "Tekan tombol nomor di bawah"
_MESSAGE_IDS = itertools.count(5000)


async def _event(db: Database, app: AppContext, user: User, channel: str, **fields) -> Turn:
    """One event through the router; on WhatsApp written from TAKEN, as the channel says."""
    if channel == "whatsapp":
        fields["sender_phone"] = TAKEN
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        message_id=str(next(_MESSAGE_IDS)),
        **fields,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW)
        await router.handle(turn)
    return turn


async def _own_number(db: Database, app: AppContext, user: User, channel: str) -> Turn:
    """/nomor, then TAKEN given as the channel vouches for it: Telegram's shared contact of
    the person's own account; on WhatsApp, the button of the number they write from."""
    asked = await _event(db, app, user, channel, kind=InboundKind.COMMAND, command="nomor")
    if channel == "telegram":
        fields = {"kind": InboundKind.CONTACT, "contact_phone": TAKEN, "contact_is_sender": True}
    else:
        fields = {"kind": InboundKind.BUTTON, "data": button(asked, TAKEN), "callback_id": "c"}
    return await _event(db, app, user, channel, **fields)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nomor_names_only_the_channels_own_way(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    asked = html.unescape(said(await send(db, app, ani, channel, command="nomor")))
    assert "Nomor HP Bapak/Ibu sekarang: belum ada." in asked and ": -." not in asked
    own, other = (TELEGRAM_WAY, WHATSAPP_WAY) if channel == "telegram" else (WHATSAPP_WAY, "")
    assert own in asked and "Telegram:" not in asked and "WhatsApp:" not in asked
    if other:
        assert other not in asked
    typed = html.unescape(said(await send(db, app, ani, channel, text="081299997777")))
    assert typed.startswith("⚠️ Nomor itu belum disimpan.")
    assert "diverifikasi" not in typed and "diketik, atau bukan" not in typed
    assert "tidak bisa kami pastikan milik Bapak/Ibu" in typed
    if channel == "telegram":
        assert "nomor akun Telegram Bapak/Ibu sendiri" in typed and "Bagikan nomor HP saya" in typed
        assert "WhatsApp" not in typed
    else:
        assert "nomor WhatsApp yang Bapak/Ibu pakai untuk menulis pesan ini" in typed
        assert "Bagikan nomor HP saya" not in typed and "nomor WhatsApp yang baru" in typed
    assert (TELEGRAM_WAY if channel == "telegram" else WHATSAPP_WAY) in typed  # asked again
    async with db.reading() as repos:
        assert (await repos.users.get(ani.id)).phone is None  # type: ignore[union-attr]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_taken_number_sends_only_others_to_the_coordinator(world, channel: str) -> None:
    db, app = world
    owner = await person(db, "Pak Joko", Role.PSM, channel)
    async with db.transaction() as repos:
        await repos.users.update(owner.id, now=NOW, phone=TAKEN, phone_verified=True)
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    told = {}
    for who in (ani, sari):
        told[who.id] = said(await _own_number(db, app, who, channel))
        async with db.reading() as repos:
            assert (await repos.users.get(who.id)).phone is None  # type: ignore[union-attr]
    assert "sudah terdaftar untuk akun lain" in told[ani.id]
    assert "hubungi koordinator Dinas Sosial" in told[ani.id]
    assert "sudah terdaftar untuk akun lain" in told[sari.id]
    assert "koordinator" not in told[sari.id] and "admin bot" in told[sari.id]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_version_2_session_keeps_its_refusal_and_takes_the_own_number(
    world, channel: str
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel)
    async with db.transaction() as repos:
        await repos.forms.save_definition(V2.id, V2.version, V2.model_dump(mode="json"))
        await repos.forms.start(
            user_id=ani.id, form_id=V2.id, form_version=V2.version, state=new_state(), now=NOW
        )
    refused = await _event(db, app, ani, channel, kind=InboundKind.TEXT, text="081299997777")
    typed = html.unescape(said(refused))
    assert "Nomor itu tidak bisa diverifikasi (diketik, atau bukan nomor akun ini)." in typed
    retry = "people.phone.retry_" + ("shared_contact" if channel == "telegram" else "sender_number")
    assert html.unescape(app.catalog.text("id", retry)) in typed
    if channel == "telegram":
        fields = {"kind": InboundKind.CONTACT, "contact_phone": TAKEN, "contact_is_sender": True}
    else:  # the own number's button, under the question asked again
        fields = {"kind": InboundKind.BUTTON, "data": button(refused, TAKEN), "callback_id": "c"}
    done = await _event(db, app, ani, channel, **fields)
    assert f"sekarang {TAKEN} (terverifikasi)" in said(done)
    async with db.reading() as repos:
        assert (await repos.forms.active(ani.id)) is None


async def test_a_version_1_session_still_takes_a_shared_number(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, "telegram")
    async with db.transaction() as repos:
        await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
        await repos.forms.start(
            user_id=ani.id, form_id=V1.id, form_version=V1.version, state=new_state(), now=NOW
        )
    done = await _own_number(db, app, ani, "telegram")
    assert f"sekarang {TAKEN} (terverifikasi)" in said(done)
