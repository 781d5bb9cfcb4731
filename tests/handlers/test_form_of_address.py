"""People are addressed as "Bapak/Ibu" everywhere, once: "Selamat datang kembali, Bapak/Ibu
Pak Tono." doubled the honorific a name already held, and the queue said "Anda"."""

from __future__ import annotations

import re

import pytest

from handlers.account import has_honorific
from handlers.i18n import Catalog
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, make_user
from tests.storage.statements import statements_run


@pytest.mark.parametrize(
    ("name", "titled"),
    [
        ("Pak Tono", True),
        ("Ibu Wati", True),
        ("bu wati", True),
        ("Bpk. Slamet", True),
        ("Teh Iis", True),
        ("Tono", False),
        ("Bunga Lestari", False),  # a name that only starts like "Bu"
        ("Pakerti Widodo", False),
        ("", False),
    ],
)
def test_a_name_that_addresses_its_bearer(name: str, titled: bool) -> None:
    assert has_honorific(name) is titled


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        ("Pak Tono", "Selamat datang kembali, Pak Tono."),
        ("Ibu Wati", "Selamat datang kembali, Ibu Wati."),
        ("Wati Lestari", "Selamat datang kembali, Bapak/Ibu Wati Lestari."),
    ],
)
async def test_the_welcome_back_says_bapak_ibu_once(
    world, channel: str, name: str, greeting: str
) -> None:
    db, app = world
    someone = await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    assert said(await send(db, app, someone, channel, text="halo")).startswith(greeting)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_someone_added_on_the_server_is_welcomed_as_new_then_back(world, channel) -> None:
    """`psm-bot user add` makes an account that never wrote to the bot: its first /start is
    no "Selamat datang kembali" (QA walk 14), the next one is."""
    db, app = world
    async with db.transaction() as repos:
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await repos.users.add_identity(user_id=sari.id, channel=channel, external_id=str(sari.id))
    first = said(await send(db, app, sari, channel, command="start"))
    assert first.startswith(
        "Selamat datang di <b>psm-bot</b>, Ibu Sari. Akun Bapak/Ibu sudah aktif sebagai Koordinator"
        " Dinas Sosial."
    )
    again = said(await send(db, app, sari, channel, command="start"))
    assert again.startswith("Selamat datang kembali, Ibu Sari.")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_someone_added_on_the_server_saying_halo_first_is_welcomed_as_new(
    world, channel
) -> None:
    """Review 16: on WhatsApp the first message of someone added by `psm-bot user add` is
    rarely /start: their "halo" was greeted "Selamat datang kembali"."""
    db, app = world
    async with db.transaction() as repos:
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await repos.users.add_identity(user_id=sari.id, channel=channel, external_id=str(sari.id))
    first = said(await send(db, app, sari, channel, text="halo"))
    assert "Selamat datang di <b>psm-bot</b>, Ibu Sari." in first and "kembali" not in first
    again = said(await send(db, app, sari, channel, text="halo"))
    assert "Selamat datang kembali, Ibu Sari." in again, again


@pytest.mark.parametrize("channel", CHANNELS)
async def test_only_a_first_event_pays_for_telling_it_apart(world, channel) -> None:
    """Telling a never-started account apart costs a second statement on its first event
    only: someone who wrote before is found and touched in one, /start included."""
    db, app = world
    async with db.transaction() as repos:
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        await repos.users.add_identity(user_id=sari.id, channel=channel, external_id=str(sari.id))

    def looks(statements: list[str]) -> list[str]:
        return [s for s in statements if re.search(r"(FROM|UPDATE) channel_identities", s)]

    async with statements_run(db) as first:
        await send(db, app, sari, channel, text="halo")
    async with statements_run(db) as again:
        await send(db, app, sari, channel, command="start")
    touches = [s for s in looks(first) if s.startswith("UPDATE channel_identities SET chat_id")]
    assert len(touches) == 2, looks(first)  # the started one's, then the never-started one's
    found = [s for s in looks(again) if f"external_id = '{sari.id}'" in s]
    assert len(found) == 1 and found[0].startswith("UPDATE"), found


def test_no_indonesian_text_says_anda() -> None:
    """The approved WhatsApp template (README, WhatsApp) is Meta's text, not the catalogue's."""
    texts = Catalog.load().texts["id"]
    assert [key for key, text in texts.items() if re.search(r"\bAnda\b", text)] == []
