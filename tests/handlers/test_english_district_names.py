"""A district in English titles says "District Kuningan", never the region list's "Kabupaten
Kuningan" (QA walk 10): statistics (period line, chart caption), /pengguna's title and its
"by sub-district" row, a person's sub-district picker, /kontak. Indonesian keeps "Kabupaten
Kuningan". On Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from handlers.i18n import Catalog
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import run_background
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case


async def _english(db: Database, user: User) -> User:
    async with db.transaction() as repos:
        return await repos.users.update(user.id, now=NOW, language="en")


async def _coordinator(db: Database, channel: str, language: str) -> User:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    return await _english(db, sari) if language == "en" else sari


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("language", "district"), [("en", "District Kuningan"), ("id", "Kabupaten Kuningan")]
)
async def test_statistics_name_the_district_in_the_readers_language(
    world, channel: str, language: str, district: str
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number="KNG-2026-000001")
    sari = await _coordinator(db, channel, language)
    turn = await send(db, app, sari, channel, command="statistik", command_args="30")
    replies = await run_background(db, turn)
    text = "\n".join(reply.text or "" for reply in replies if reply.type != "image")
    (chart,) = [reply for reply in replies if reply.type == "image"]
    assert f"2026 · {district}\n" in text, text  # the period's line
    assert chart.text is not None and chart.text.endswith(f"({district})"), chart.text
    if language == "en":
        assert "Kabupaten" not in text + chart.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_people_menu_and_picker_say_district_in_english(world, channel: str) -> None:
    db, app = world
    sari = await _coordinator(db, channel, "en")
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    menu = await send(db, app, sari, channel, command="pengguna")
    assert said(menu).startswith("<b>Manage people</b> (District Kuningan)"), said(menu)
    assert "By sub-district · District Kuningan" in labels(menu), labels(menu)
    found = await send(db, app, sari, channel, text="pengguna ani")
    card = await send(db, app, sari, channel, data=button(found, "Bu Ani"))
    picker = await send(db, app, sari, channel, data=button(card, "Change region"))
    assert "Choose the sub-district for Bu Ani (District Kuningan):" in said(picker)
    typed = await send(db, app, sari, channel, text="Zzzyx")  # no sub-district of that name
    assert "There is no sub-district of that name in District Kuningan" in said(typed)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_office_contact_names_the_district_in_english(world, channel: str) -> None:
    db, app = world
    ani = await _english(db, await person(db, "Bu Ani", Role.PSM, channel))
    read = await send(db, app, ani, channel, command="kontak")
    assert said(read).startswith("The social office contact of District Kuningan is not set")


def test_only_a_kabupaten_gets_the_languages_word() -> None:
    from handlers.regions import district_said  # here: the old code had none (tested to fail)

    catalog = Catalog.load()
    assert district_said(catalog, "en", "Kabupaten Tuban") == "District Tuban"
    assert district_said(catalog, "id", "Kabupaten Tuban") == "Kabupaten Tuban"
    for name in ("Kota Cirebon", "Kadugede", "Kabupaten"):  # a city, a kecamatan, no name
        assert district_said(catalog, "en", name) == name
