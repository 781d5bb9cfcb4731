"""/kontak: a district's coordinators (admins: any district) set the contact line of their
Dinas Sosial office; a rejected registrant, a suspended person and /bantuan show it (a
district without one keeps today's wording), on Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import NOW, make_user, open_database

CHANNELS = ("telegram", "whatsapp")
CONTACT = "Dinsos Kuningan, Bu Rina 0812-3456-7890, Senin-Jumat 08.00-15.00"


@pytest.fixture
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    try:
        yield db, app_context(tmp_path / "media")
    finally:
        await db.close()


async def _person(
    db: Database,
    name: str,
    role: Role | None,
    channel: str,
    *,
    kabupaten: str | None = "32.08",
    status: UserStatus = UserStatus.ACTIVE,
) -> User:
    """Someone who wrote to the bot on `channel` (external id and chat id = user id)."""
    async with db.transaction() as repos:
        user = await make_user(repos, name, role, kabupaten=kabupaten)  # type: ignore[arg-type]
        if status != UserStatus.ACTIVE:
            user = await repos.users.update(user.id, now=NOW, status=status)
        await repos.users.add_identity(
            user_id=user.id,
            channel=channel,
            external_id=str(user.id),
            chat_id=str(user.id),
            now=NOW,
        )
    return user


async def _send(
    db: Database,
    app: AppContext,
    user: User,
    channel: str,
    *,
    text: str | None = None,
    command: str | None = None,
    data: str | None = None,
) -> Turn:
    """One message through the router, as either channel's adapter hands it over."""
    if command is not None:
        kind = InboundKind.COMMAND
    elif data is not None:
        kind = InboundKind.BUTTON
    else:
        kind = InboundKind.TEXT
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        kind=kind,
        text=text,
        command=command,
        command_args="",
        data=data,
        callback_id="cb" if data is not None else None,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW, user=user)
        await router.handle(turn)
    return turn


def _text(turn: Turn) -> str:
    return "\n".join(reply.text or "" for reply in turn.replies if reply.type == "text")


def _button(turn: Turn, label: str) -> str:
    for reply in turn.replies:
        for row in reply.buttons or []:
            for button in row:
                if label in button.label:
                    return button.data
    raise AssertionError(f"no button {label!r} in {_text(turn)!r}")


async def _set_contact(
    db: Database, app: AppContext, user: User, channel: str, contact: str
) -> Turn:
    """/kontak, the contact typed, then Kirim on the summary."""
    asked = await _send(db, app, user, channel, command="kontak")
    assert "Kontak Dinas Sosial" in _text(asked)
    summary = await _send(db, app, user, channel, text=contact)
    return await _send(
        db, app, user, channel, data=_button(summary, app.catalog.text("id", "form.submit"))
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
    sari = await _person(db, "Ibu Sari", Role.COORDINATOR, channel)
    dodi = await _person(db, "Dodi", None, channel, status=UserStatus.REJECTED)
    joko = await _person(db, "Joko", None, channel, kabupaten="35.23", status=UserStatus.REJECTED)
    rejected = app.catalog.text("id", "status_explained.rejected")

    before = await _send(db, app, dodi, channel, text="Kenapa saya ditolak?")
    assert _text(before) == rejected  # nothing set yet: today's wording

    saved = await _set_contact(db, app, sari, channel, CONTACT)
    assert f"✅ Kontak Dinas Sosial Kabupaten Kuningan sekarang: {CONTACT}" in _text(saved)
    assert await _contact(db, "32.08") == CONTACT
    assert await _audit(db, "district.contact_set") == [(sari.id, "kabupaten:32.08")]

    after = await _send(db, app, dodi, channel, text="Kenapa saya ditolak?")
    assert _text(after) == f"{rejected}\n\n📞 Kontak Dinas Sosial: {CONTACT}"
    other = await _send(db, app, joko, channel, text="Kenapa saya ditolak?")
    assert _text(other) == rejected  # Tuban set none


@pytest.mark.parametrize("channel", CHANNELS)
async def test_too_long_empty_or_short_contacts_are_asked_again(world, channel: str) -> None:
    db, app = world
    sari = await _person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await _send(db, app, sari, channel, command="kontak")
    label = "Tulis kontak yang bisa dihubungi"
    for typed, said in (
        (
            "Dinsos " + "a" * 200,
            "terlalu panjang (207 karakter, termasuk spasi). Paling banyak 200",
        ),
        ("   ", "masih kosong"),
        ("Rina", "Kontak minimal 5 huruf"),
    ):
        again = await _send(db, app, sari, channel, text=typed)
        assert said in _text(again) and label in _text(again)
    assert await _contact(db, "32.08") is None
    done = await _send(db, app, sari, channel, text="Bu Rina 0812-3456-7890")
    await _send(db, app, sari, channel, data=_button(done, app.catalog.text("id", "form.submit")))
    assert await _contact(db, "32.08") == "Bu Rina 0812-3456-7890"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_psm_may_not_set_the_contact(world, channel: str) -> None:
    db, app = world
    ani = await _person(db, "Bu Ani", Role.PSM, channel)
    refused = await _send(db, app, ani, channel, command="kontak")
    assert _text(refused).startswith(app.catalog.text("id", "errors.not_allowed"))
    async with db.reading() as repos:
        assert await repos.forms.active(ani.id) is None


async def test_a_coordinator_sets_only_her_own_kabupaten(world) -> None:
    db, app = world
    hadi = await _person(db, "Pak Hadi", Role.COORDINATOR, "telegram", kabupaten="35.23")
    await _set_contact(db, app, hadi, "telegram", "Dinsos Tuban 0355-791234")
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None

    # Moved to Kuningan while answering: the Tuban contact is no longer hers to set.
    await _send(db, app, hadi, "telegram", command="kontak")
    async with db.transaction() as repos:
        await repos.users.update(hadi.id, now=NOW, kabupaten_code="32.08")
    summary = await _send(db, app, hadi, "telegram", text="Pak Hadi 0812-0000-1111")
    sent = await _send(
        db, app, hadi, "telegram", data=_button(summary, app.catalog.text("id", "form.submit"))
    )
    assert app.catalog.text("id", "errors.not_allowed") in _text(sent)
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None
    assert await _audit(db, "district.contact_refused") == [(hadi.id, "kabupaten:35.23")]


async def test_an_admin_picks_the_district(world) -> None:
    db, app = world
    admin = await _person(db, "Admin", Role.ADMIN, "whatsapp", kabupaten=None)
    asked = await _send(db, app, admin, "whatsapp", command="kontak")
    assert "Kabupaten Kuningan: (belum diatur)" in _text(asked)
    assert "Kabupaten Tuban: (belum diatur)" in _text(asked)
    picked = await _send(db, app, admin, "whatsapp", data=_button(asked, "Tuban"))
    summary = await _send(db, app, admin, "whatsapp", text="Dinsos Tuban 0355-791234")
    assert "Tuban" in _text(summary)
    assert "Tulis kontak" in _text(picked)
    await _send(
        db, app, admin, "whatsapp", data=_button(summary, app.catalog.text("id", "form.submit"))
    )
    assert await _contact(db, "35.23") == "Dinsos Tuban 0355-791234"
    assert await _contact(db, "32.08") is None


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_rejection_and_suspension_notices_and_bantuan_show_the_contact(
    world, channel: str
) -> None:
    db, app = world
    sari = await _person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await _person(db, "Rina", None, channel, status=UserStatus.PENDING)
    tono = await _person(db, "Pak Tono", Role.TKSK, channel)
    async with db.transaction() as repos:
        await repos.users.update(rina.id, now=NOW, requested_role=Role.PSM)
        await repos.district_contacts.set_contact(
            "32.08", "Bu Rina <b>0812</b>", by=sari.id, now=NOW
        )
    line = "\n\n📞 Kontak Dinas Sosial: Bu Rina &lt;b&gt;0812&lt;/b&gt;"

    await _send(db, app, sari, channel, data=f"ap:{rina.id}:y")
    async with db.reading() as repos:
        told = [item.message["text"] for item in await repos.outbox.for_user(rina.id)]
        version = (await repos.users.get(tono.id)).version  # type: ignore[union-attr]
    assert told == [app.catalog.text("id", "registration.you_are_rejected") + line]

    await _send(db, app, sari, channel, data=f"pg:sy:{tono.id}:{version}")
    async with db.reading() as repos:
        told = [item.message["text"] for item in await repos.outbox.for_user(tono.id)]
    assert told[-1] == app.catalog.text("id", "people.you_suspended") + line

    helped = await _send(db, app, tono, channel, command="bantuan")
    assert _text(helped) == app.catalog.text("id", "help.suspended") + line
    sari_help = await _send(db, app, sari, channel, command="bantuan")
    assert _text(sari_help).endswith(line) and "/kontak" in _text(sari_help)
