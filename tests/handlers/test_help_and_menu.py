"""/bantuan lists exactly the commands a role may use (its command menu, from the permission
table), and /menu offers each role its daily work as buttons that fit every channel, on
Telegram and WhatsApp."""

from __future__ import annotations

import re

import pytest

from bot.channels.whatsapp.outbound import MAX_ROWS, render
from handlers.command_menu import command_names, role_help
from handlers.events import Outbound
from handlers.registration_request import decision_data
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import (
    CHANNELS,
    person,
    queued,
    said,
    send,
    waiting_registration,
)
from tests.storage.seed_cases import BABATAN, KADUGEDE

REGIONS = {
    Role.PSM: {"kecamatan": KADUGEDE, "desa": BABATAN},
    Role.TKSK: {"kecamatan": KADUGEDE},
    Role.COORDINATOR: {},
    Role.ADMIN: {"kabupaten": None},
    Role.CALON: {"kecamatan": KADUGEDE, "desa": BABATAN},
}
# Each role's daily work first (the queue, the people), then reporting.
MENU = {
    Role.PSM: ["lapor", "draf", "laporan_saya"],
    Role.TKSK: ["antrian", "lapor", "draf", "laporan_saya"],
    Role.COORDINATOR: ["antrian", "pengguna", "lapor", "draf", "laporan_saya"],
    Role.ADMIN: ["antrian", "pengguna"],
    Role.CALON: [],
}


def _listed(text: str) -> list[str]:
    """The commands a help text lists, one a line ("/lapor - ...")."""
    return re.findall(r"^/([a-z_]+) - ", text, flags=re.MULTILINE)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("role", list(REGIONS))
async def test_help_lists_exactly_the_roles_commands(world, role, channel) -> None:
    db, app = world
    user = await person(db, "Ibu Sari", role, channel, **REGIONS[role])
    text = said(await send(db, app, user, channel, command="bantuan"))
    assert text.startswith("<b>Yang bisa Bapak/Ibu lakukan</b>")
    assert _listed(text) == command_names(user)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_what_the_old_help_left_out(world, channel) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    admin = await person(db, "Admin", Role.ADMIN, channel, kabupaten=None)
    for_coordinator = said(await send(db, app, coordinator, channel, command="bantuan"))
    assert {"batal", "jadwal", "hadir"} <= set(_listed(for_coordinator))  # forms; training.attend
    # /pengingat sets their own hour first, then the district's WhatsApp reminders.
    assert (
        "/pengingat - atur jam pengingat harian Bapak/Ibu, lalu pengingat WhatsApp kabupaten"
        in for_coordinator
    )
    for_admin = said(await send(db, app, admin, channel, command="bantuan"))
    assert {"batal", "bimtek", "menu"} <= set(_listed(for_admin))
    assert "Sebagai admin" in for_admin  # the role's note stays
    assert "/kontak - kontak Dinas Sosial tiap kabupaten" in for_admin  # the role's own words


def _menu(turn) -> Outbound:
    [reply] = [reply for reply in turn.replies if reply.type == "text"]
    return reply


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("role", list(MENU))
async def test_menu_offers_the_roles_daily_work(world, role, channel) -> None:
    db, app = world
    user = await person(db, "Ibu Sari", role, channel, **REGIONS[role])
    menu = _menu(await send(db, app, user, channel, command="menu"))
    offered = [button.data for row in menu.buttons for button in row]
    assert offered == [f"menu:{name}" for name in MENU[role]]
    assert _listed(menu.text) == command_names(user)  # the help, then the buttons
    if channel == "whatsapp" and offered:
        # Buttons up to 3, a list beyond; never numbered text.
        [*_, body] = render(menu, app.catalog, "id").bodies
        interactive = body["interactive"]
        kind = "button" if len(offered) <= 3 else "list"
        assert interactive["type"] == kind
        if kind == "list":
            [section] = interactive["action"]["sections"]
            assert [row["id"] for row in section["rows"]] == offered
            assert len(offered) <= MAX_ROWS


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_coordinators_daily_work_buttons_open_it(world, channel) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    queue = await send(db, app, coordinator, channel, data="menu:antrian")
    assert said(queue) == app.catalog.text("id", "review.queue_empty")
    people = await send(db, app, coordinator, channel, data="menu:pengguna")
    assert said(people).startswith("<b>Kelola pengguna</b> (Kabupaten Kuningan)")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_approved_person_is_told_their_roles_help(world, channel) -> None:
    db, app = world
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    rina = await waiting_registration(db, channel)
    data = decision_data(await _now(db, rina), "a", from_people=False)
    await send(db, app, coordinator, channel, data=data)
    approved = await _now(db, rina)
    told = (await queued(db, rina))[-1].text or ""
    assert told.startswith("Selamat! Pendaftaran Bapak/Ibu sebagai <b>PSM</b>")
    assert told.endswith(role_help(app.catalog, approved))
    assert _listed(told) == command_names(approved)


async def _now(db: Database, user: User) -> User:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("command", ["bantuan", "menu"])
async def test_the_export_is_said_to_be_on_telegram_only_where_it_refuses(
    world, channel, command
) -> None:
    """/ekspor sends no file on WhatsApp (it points to Telegram): its help line says so
    there, and only there; the command itself agrees."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    text = said(await send(db, app, sari, channel, command=command))
    (line,) = [line for line in text.splitlines() if line.startswith("/ekspor - ")]
    on_telegram_only = "(hanya di Telegram)" in line
    assert on_telegram_only == (channel == "whatsapp"), line
    assert text.count("hanya di Telegram") == int(on_telegram_only)  # no other command
    refused = said(await send(db, app, sari, channel, command="ekspor"))
    assert ("Telegram" in refused) == on_telegram_only, refused
