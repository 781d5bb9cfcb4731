"""QA walk 5: the notice of a suspension (or a reactivation) held for the person (behind
WhatsApp's closed window, or until they first write) is released by their next message. It
goes before the answer to that message, and the answer does not say it again: no "sedang
dinonaktifkan" refusal under "dinonaktifkan oleh", no welcome under "aktif kembali". A later
message is refused as ever. On both channels."""

from __future__ import annotations

import pytest

from handlers.delivery import PRIORITY, DeliveryKind
from handlers.status_explained import STATUS_THREAD
from storage.db import Database
from storage.models import OutboxItem, Role, User
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, make_user

HELD = ("window", "never_wrote")  # behind WhatsApp's closed window; before their first message
MESSAGES = ({"text": "halo"}, {"command": "laporan_saya"}, {"data": "menu:lapor"})


async def _people(db: Database, channel: str, held: str) -> tuple[User, User]:
    """Ibu Sari, coordinator, and Bu Ani, PSM of Babatan: one who wrote before, or one known
    on the channel who never wrote to the bot (no chat yet: notices wait for her)."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    if held == "window":
        return sari, await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await repos.users.add_identity(user_id=ani.id, channel=channel, external_id=str(ani.id))
    return sari, ani


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _unsent(db: Database, user: User) -> list[OutboxItem]:
    async with db.reading() as repos:
        items = await repos.outbox.for_user(user.id)
    return [item for item in items if item.status in ("pending", "waiting")]


async def _change_status(db: Database, app, sari: User, ani: User, channel: str, verb: str, held):
    """Sari suspends ("sy") or reactivates ("a") Ani; the notice is held for her."""
    await send(db, app, sari, channel, data=f"pg:{verb}:{ani.id}:{await _version(db, ani)}")
    (notice,) = await _unsent(db, ani)
    if held == "window":  # what WhatsApp's sender does after the template
        async with db.transaction() as repos:
            assert await repos.outbox.hold(notice.id, error="window closed")
    (notice,) = await _unsent(db, ani)
    assert notice.status == "waiting" and notice.message["thread"] == STATUS_THREAD


def _goes_first(notice: OutboxItem) -> None:
    """Released with a reply's priority and older: before the answer queued after it."""
    assert notice.status == "pending"
    assert notice.priority <= PRIORITY[DeliveryKind.REPLY]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_released_suspension_notice_is_the_one_answer(
    world, channel: str, held: str, message: dict
) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)

    turn = await send(db, app, ani, channel, **message)
    assert said(turn) == ""  # not "Akun Bapak/Ibu sedang dinonaktifkan" under the notice
    assert STATUS_THREAD in turn.released.threads
    (notice,) = await _unsent(db, ani)
    assert notice.message["text"].startswith("Akun Bapak/Ibu dinonaktifkan oleh Ibu Sari")
    _goes_first(notice)

    later = said(await send(db, app, ani, channel, **message))
    assert "sedang dinonaktifkan oleh Ibu Sari" in later  # nothing released now: refused


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_help_asked_while_the_notice_waits_comes_after_it(world, channel, held) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert "sedang dinonaktifkan" in helped  # asked for: given
    (notice,) = await _unsent(db, ani)
    _goes_first(notice)


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_released_reactivation_notice_is_the_welcome(world, channel, held) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)
    await send(db, app, sari, channel, data=f"pg:a:{ani.id}:{await _version(db, ani)}")
    # The suspension's notice, still held, is dropped: the newer word on her account stands.
    (notice,) = await _unsent(db, ani)
    assert "aktif kembali" in notice.message["text"]
    if held == "window":
        async with db.transaction() as repos:
            assert await repos.outbox.hold(notice.id, error="window closed")

    turn = await send(db, app, ani, channel, text="halo")
    assert said(turn) == ""  # the notice, with her help, is the welcome
    assert turn.released.count == 1
    (notice,) = await _unsent(db, ani)
    _goes_first(notice)
    again = said(await send(db, app, ani, channel, text="halo"))
    assert again.startswith("Selamat datang kembali")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_after_a_released_reactivation_the_message_is_answered(world, channel) -> None:
    """A request, or the form kept over the suspension, still follows the notice."""
    db, app = world
    sari, ani = await _people(db, channel, "window")
    await send(db, app, ani, channel, command="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")  # the form is kept as a draft
    for verb in ("sy", "a"):
        await _change_status(db, app, sari, ani, channel, verb, "window")
    resumed = said(await send(db, app, ani, channel, text="halo"))
    assert "Selamat datang kembali" not in resumed
    assert app.catalog.text("id", "form.continue_hint") in resumed  # its question again

    await _change_status(db, app, sari, ani, channel, "sy", "window")
    await send(db, app, ani, channel, command="batal")  # the notice released; refused
    await _change_status(db, app, sari, ani, channel, "a", "window")
    mine = said(await send(db, app, ani, channel, command="laporan_saya"))
    assert mine and "aktif kembali" not in mine and "dinonaktifkan" not in mine
