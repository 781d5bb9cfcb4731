"""A date question takes dates as people say them, in its direction: /bimtek_baru's day
"besok" is tomorrow and "13/12" the next 13 December, restated as the date understood with
its day name; a follow-up visit's next visit "senin depan", which said on a Sunday is asked:
tomorrow or a week later (two buttons). A refusal's examples are dates the question takes
(they said 17-08-1990 for a training). On Telegram and WhatsApp alike. Today is Sunday
29 November 2026 (NOW, 10.00 WIB)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.review_turns import case_version, review_world, tap
from tests.handlers.review_turns import say as review_say
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import KADUGEDE, NOW

DAY_QUESTION = "Tanggal pelaksanaan?"
START_QUESTION = "Mulai pukul berapa"


async def _at_the_day_question(db: Database, app, user: User, channel: str) -> None:
    await send(db, app, user, channel, command="bimtek_baru")
    for answer in ("Bimtek Dasar PSM", "Aula Dinsos", "Jl. Siliwangi 88", "Lewati"):
        asked = await send(db, app, user, channel, text=answer)
    assert DAY_QUESTION in said(asked), said(asked)


async def _days(db: Database, user: User) -> list[dict]:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state["answers"].get("days", [])


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("besok", "Senin, 30-11-2026"),
        ("Lusa", "Selasa, 01-12-2026"),
        ("13/12", "Minggu, 13-12-2026"),
    ],
)
async def test_a_training_day_as_people_say_it(world, channel: str, typed: str, meant: str):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.TKSK, channel, kecamatan=KADUGEDE)
    await _at_the_day_question(db, app, sari, channel)
    taken = said(await send(db, app, sari, channel, text=typed))
    assert f"✓ Tanggal: {meant}" in taken  # the date understood, restated
    assert START_QUESTION in taken
    iso = "-".join(meant.split(", ")[1].split("-")[::-1])
    assert await _days(db, sari) == [{"day_date": iso}]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_training_day_not_understood_gets_examples_it_takes(world, channel: str):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.TKSK, channel, kecamatan=KADUGEDE)
    await _at_the_day_question(db, app, sari, channel)
    refused = said(await send(db, app, sari, channel, text="besok pagi"))
    assert refused.startswith(
        "⚠️ Mohon ketik tanggal seperti 6-12-2026 atau 6-12, atau tulis besok atau senin depan."
    ), refused
    assert "1990" not in refused and DAY_QUESTION in refused
    assert await _days(db, sari) == []
    past = said(await send(db, app, sari, channel, text="kemarin"))
    assert past.startswith("⚠️ Tanggal itu sudah lewat.") and DAY_QUESTION in past
    taken = said(await send(db, app, sari, channel, text="6-12"))  # the example, as given
    assert "✓ Tanggal: Minggu, 06-12-2026" in taken


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_next_visit_typed_as_a_weekday(world, channel: str):
    db, app = world
    found = await review_world(db, channel, reported_at=NOW - timedelta(days=2), state="approved")
    tksk, case_id = found.tksk, found.case_id
    _, version = await case_version(db, case_id)
    await tap(db, app, tksk, channel, f"ca:f:{case_id}:{version}")
    await review_say(db, app, tksk, channel, "Hari ini")
    await review_say(db, app, tksk, channel, "Rujukan ke puskesmas")
    week = said(await review_say(db, app, tksk, channel, "minggu depan"))
    assert week.startswith("⚠️ “minggu depan” berarti satu pekan, bukan satu hari."), week
    asked = await review_say(db, app, tksk, channel, "senin depan")
    assert said(asked).startswith(
        "⚠️ “senin depan” bisa berarti Senin, 30-11-2026 atau Senin, 07-12-2026."
    ), said(asked)
    assert labels(asked) == ["Senin, 30-11-2026", "Senin, 07-12-2026"]
    summary = said(await tap(db, app, tksk, channel, button(asked, "07-12-2026")))
    assert "✓ Kunjungan berikut: Senin, 07-12-2026" in summary
