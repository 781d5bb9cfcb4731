"""/ekspor as a dialogue through the router: "being prepared" only once the file is asked
for, and one file per dialogue: a tap after the file was asked for (a double tap on a slow
connection, handled in its own transaction a moment later, or an old message's button) makes
no second file of personal data, and says when the first was made."""

from __future__ import annotations

from datetime import timedelta

from handlers.context import Turn
from handlers.export import RUN_KIND
from handlers.export_choice import DIALOGUE_TTL
from handlers.run_keys import HORIZONS
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import run_background
from tests.handlers.routed_turns import button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, query, seed_case

PREPARING = "Sedang disiapkan"
ALREADY = "File ekspor ini sudah dibuat pada 29-11-2026 10.00 WIB"


async def _coordinator_with_a_case(db: Database) -> User:
    coordinator = await person(db, "Ibu Sari", Role.COORDINATOR, "telegram")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await seed_case(
            repos, reporter=psm, desa=BABATAN, at=NOW - timedelta(days=2), number="KNG-2026-1"
        )
    return coordinator


def _documents(replies) -> list:
    return [reply for reply in replies if reply.type == "document"]


def _exports(db: Database) -> int:
    return len(query(db.path, "SELECT id FROM audit_log WHERE action = 'case.export'"))


async def _tap(db, app, user: User, data: str, **when) -> tuple[Turn, list]:
    """A tap through the router; its answer, then what its background jobs sent."""
    turn = await send(db, app, user, "telegram", data=data, **when)
    return turn, await run_background(db, turn)


async def test_being_prepared_only_when_the_file_is_made(world) -> None:
    db, app = world
    coordinator = await _coordinator_with_a_case(db)
    start = await send(db, app, coordinator, "telegram", command="ekspor")
    period, kecamatan = await _tap(db, app, coordinator, button(start, "30 hari"))
    assert PREPARING not in said(period)  # the next message is only a question
    assert "Pilih kecamatan" in kecamatan[-1].text
    district, category = await _tap(db, app, coordinator, button(kecamatan[-1], "Semua kec"))
    assert PREPARING not in said(district)
    assert "Pilih kategori" in category[-1].text
    state, _ = await _tap(db, app, coordinator, button(category[-1], "Semua kategori"))
    assert PREPARING not in said(state) and "Pilih status" in said(state)
    made, sent = await _tap(db, app, coordinator, button(state, "Semua status"))
    assert PREPARING in said(made)
    assert len(_documents(sent)) == 1 and _exports(db) == 1


async def test_a_finished_exports_buttons_are_used(world) -> None:
    db, app = world
    coordinator = await _coordinator_with_a_case(db)
    start = await send(db, app, coordinator, "telegram", command="ekspor")
    _, kecamatan = await _tap(db, app, coordinator, button(start, "Semua waktu"))
    build_now = button(kecamatan[-1], "Buat file sekarang")
    _, sent = await _tap(db, app, coordinator, build_now)
    assert len(_documents(sent)) == 1

    # The file arrived; the same button, tapped again later, and another button of the
    # same dialogue make nothing.
    later = {"now": NOW + timedelta(minutes=20)}
    again, sent = await _tap(db, app, coordinator, build_now, **later)
    assert ALREADY in said(again) and "/ekspor" in said(again)
    assert PREPARING not in said(again) and not again.background and not _documents(sent)
    other, _ = await _tap(db, app, coordinator, button(kecamatan[-1], "Semua kec"), **later)
    assert ALREADY in said(other) and not other.background
    assert _exports(db) == 1

    # A new /ekspor is a new dialogue, with a file of its own.
    fresh = await send(db, app, coordinator, "telegram", command="ekspor", **later)
    _, kecamatan = await _tap(db, app, coordinator, button(fresh, "Semua waktu"), **later)
    _, sent = await _tap(db, app, coordinator, button(kecamatan[-1], "Buat file"), **later)
    assert len(_documents(sent)) == 1 and _exports(db) == 2


async def test_a_double_tap_makes_one_file(world) -> None:
    """Both taps are handled before the first file is made, each in its own transaction."""
    db, app = world
    coordinator = await _coordinator_with_a_case(db)
    start = await send(db, app, coordinator, "telegram", command="ekspor")
    _, kecamatan = await _tap(db, app, coordinator, button(start, "Semua waktu"))
    build_now = button(kecamatan[-1], "Buat file sekarang")
    first = await send(db, app, coordinator, "telegram", data=build_now)
    second = await send(db, app, coordinator, "telegram", data=build_now)
    assert PREPARING in said(first) and len(first.background) == 1
    assert ALREADY in said(second) and not second.background
    assert len(_documents(await run_background(db, first))) == 1
    assert _exports(db) == 1


def test_the_dialogues_key_outlives_its_buttons() -> None:
    assert HORIZONS[RUN_KIND] > DIALOGUE_TTL
