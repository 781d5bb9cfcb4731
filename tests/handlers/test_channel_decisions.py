"""What handlers decide from a channel's traits, never from its name: the same turn on
Telegram, WhatsApp and a channel missing from the table (which must not crash)."""

from __future__ import annotations

import pytest
import pytest_asyncio

from handlers import district_reminders, export, phone_number
from handlers.channel_traits import ChannelTraits
from handlers.command_menu import refresh_menu
from storage.models import Role
from tests.handlers.chat_turns import app_context, command, tap
from tests.storage.seed_cases import NOW, make_user, open_database

UNLISTED = "sms"  # a channel no adapter declared


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
    yield db, app_context(tmp_path / "media"), coordinator, psm
    await db.close()


@pytest.mark.parametrize(
    ("channel", "file_offered"), [("telegram", True), ("whatsapp", False), (UNLISTED, False)]
)
async def test_export_only_where_the_file_can_be_deleted(world, channel, file_offered) -> None:
    db, app, coordinator, _ = world
    async with db.transaction() as repos:
        turn = command(app, repos, coordinator, "ekspor", channel=channel)
        await export.start_export(turn)
    [reply] = turn.replies
    assert (reply.text == turn.t("audit.export.not_here")) is not file_offered
    assert bool(reply.buttons) is file_offered


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        ("telegram", "people.phone.intro_shared_contact"),
        ("whatsapp", "people.phone.intro_sender_number"),
        (UNLISTED, "people.phone.intro_shared_contact"),
    ],
)
async def test_nomor_explains_how_the_channel_verifies(world, channel, key) -> None:
    db, app, _, psm = world
    async with db.transaction() as repos:
        turn = command(app, repos, psm, "nomor", channel=channel)
        await phone_number.ask(turn)
    assert turn.replies[0].text.startswith(turn.t(key, current="belum ada"))


@pytest.mark.parametrize(("channel", "menu"), [("telegram", True), ("whatsapp", False)])
async def test_a_menu_only_where_the_channel_has_one(world, channel, menu) -> None:
    db, app, _, psm = world
    for name in (channel, UNLISTED):
        async with db.transaction() as repos:
            identity = await repos.users.add_identity(
                user_id=psm.id, channel=name, external_id=f"{name}-{psm.id}", chat_id="1", now=NOW
            )
            turn = command(app, repos, psm, "saya", channel=name)
            turn.identity = identity
            await refresh_menu(turn)
            stored = await repos.users.identity(name, identity.external_id)
        has_menu = menu and name == channel
        assert [reply.type for reply in turn.replies] == (["menu"] if has_menu else [])
        assert stored is not None and (stored.menu_key is not None) is has_menu


async def test_weekly_reminders_apply_to_every_paid_channel(world) -> None:
    db, app, coordinator, _ = world
    paid = ChannelTraits(charges_for_templates=True)
    app.channels = {"telegram": ChannelTraits(), "pay-a": paid, "pay-b": paid}
    async with db.transaction() as repos:
        await district_reminders.choose(tap(app, repos, coordinator, "pd:w:3"), "pd:w:3")
    async with db.reading() as repos:
        schedules = {
            channel: await repos.district_reminders.schedule("32.08", channel)
            for channel in app.channels
        }
    assert {c: (s.frequency, s.weekday) for c, s in schedules.items()} == {
        "telegram": ("daily", None),
        "pay-a": ("weekly", 3),
        "pay-b": ("weekly", 3),
    }


async def test_no_paid_channel_leaves_nothing_to_choose(world) -> None:
    db, app, coordinator, _ = world
    app.channels = {"telegram": ChannelTraits()}
    async with db.transaction() as repos:
        asked = command(app, repos, coordinator, "pengingat")
        await district_reminders.ask(asked)
        tapped = tap(app, repos, coordinator, "pd:w:3")
        await district_reminders.choose(tapped, "pd:w:3")
    nothing = asked.t("whatsapp.schedule.nothing_to_choose")
    assert [r.text for r in asked.replies] == [nothing]
    assert [r.text for r in tapped.replies] == [nothing]
    async with db.reading() as repos:
        assert (await repos.district_reminders.schedule("32.08", "telegram")).frequency == "daily"


@pytest.mark.parametrize(
    ("language", "telegram", "staff"),
    [
        (
            "id",
            "ketik /start lalu tekan tombol 📱 Bagikan nomor HP saya: akun tersambung otomatis",
            "staf teknis kantor",
        ),
        (
            "en",
            "type /start and tap 📱 Share my phone number: the accounts connect by themselves",
            "office's technical staff",
        ),
    ],
)
async def test_the_whatsapp_refusal_of_an_export_speaks_plainly(
    world, language, telegram, staff
) -> None:
    """A coordinator is told where to get the file, how her Telegram account joins this one
    (QA walk 12), and whom to ask for the full export, in plain words: no server command, no
    README (QA walk 5)."""
    db, app, coordinator, _ = world
    async with db.transaction() as repos:
        coordinator = await repos.users.update(coordinator.id, now=NOW, language=language)
        turn = command(app, repos, coordinator, "ekspor", channel="whatsapp")
        await export.start_export(turn)
    [reply] = turn.replies
    assert reply.text is not None and telegram in reply.text and staff in reply.text
    for jargon in ("psm-bot", "README", "server"):
        assert jargon not in reply.text
