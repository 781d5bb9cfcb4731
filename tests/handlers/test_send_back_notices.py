"""Who hears of a send-back besides the reporter, on Telegram and WhatsApp alike: the TKSK who
verified a case the coordinator then sent back is told who sent it back and the note; the one
who sent it back hears when it comes back corrected, with what changed, when someone else
verifies it now; nobody hears twice, nobody of their own action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import User, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.review_turns import (
    ReviewWorld,
    case_version,
    review_world,
    say,
    tap,
    verify,
)
from tests.handlers.routed_turns import CHANNELS, queued
from tests.storage.seed_cases import NOW

NUMBER = "KNG-2026-000001"
NOTE = "Foto rumah belum ada"
OLD_ADDRESS = "Dusun Manis RT 02 RW 05"
NEW_ADDRESS = "Dusun Manis RT 02 RW 05 No. 3"
CHANGE = f"• Alamat: {OLD_ADDRESS} → {NEW_ADDRESS}"
UNDONE = f"↩️ Laporan <b>{NUMBER}</b> yang Bapak/Ibu verifikasi dikembalikan ke pelapor"
BACK_TO_SENDER = f"Laporan <b>{NUMBER}</b> yang Bapak/Ibu kembalikan sudah diperbaiki pelapor"
BACK_TO_VERIFIER = f"Laporan <b>{NUMBER}</b> sudah diperbaiki pelapor dan diajukan ulang."


async def _whole_report(db: Database, app: AppContext, channel: str) -> ReviewWorld:
    """A whole report of the PSM's (the current form), waiting for its TKSK."""
    return await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=1),
        answers={**{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"}, **REST},
        form_version=app.forms["case_report"].version,
    )


async def _act(
    db: Database, app: AppContext, world: ReviewWorld, channel: str, who: User, code: str
) -> None:
    """A review action pressed on the case as it is now; sending back or rejecting gives
    `NOTE`."""
    _, version = await case_version(db, world.case_id)
    if code == "v":  # verifying asks for the check in the field
        await verify(db, app, who, channel, f"ca:v:{world.case_id}:{version}")
        return
    await tap(db, app, who, channel, f"ca:{code}:{world.case_id}:{version}")
    if code in ("b", "x"):
        await say(db, app, who, channel, NOTE)


async def _correct_address(db: Database, app: AppContext, world: ReviewWorld, channel: str):
    """The PSM opens the correction, changes the address and sends it."""
    await tap(db, app, world.psm, channel, f"rv:{world.case_id}")
    await say(db, app, world.psm, channel, "11")  # from the summary: the address
    await say(db, app, world.psm, channel, NEW_ADDRESS)
    await say(db, app, world.psm, channel, "kirim")
    assert (await case_version(db, world.case_id))[0] == "resubmitted"


async def _texts(db: Database, user: User) -> list[str]:
    return [message.text or "" for message in await queued(db, user)]


def _with(texts: list[str], part: str) -> list[str]:
    return [text for text in texts if part in text]


async def _button_of(db: Database, user: User, part: str) -> list[str]:
    """The buttons' data of the one message to `user` holding `part`."""
    (message,) = [m for m in await queued(db, user) if part in (m.text or "")]
    return [b.data for row in message.buttons for b in row]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_verifier_hears_of_the_send_back_and_the_sender_of_the_correction(
    world, channel: str
) -> None:
    db, app = world
    people = await _whole_report(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "v")
    await _act(db, app, people, channel, people.coordinator, "b")

    (undone,) = _with(await _texts(db, people.tksk), UNDONE)
    assert "oleh <b>Ibu Sari</b> untuk diperbaiki" in undone  # who, by name
    assert f"↩️ Catatan dari Koordinator Dinas Sosial (29-11-2026): {NOTE}" in undone
    assert await _button_of(db, people.tksk, UNDONE) == [f"cs:{people.case_id}"]
    assert not _with(await _texts(db, people.coordinator), UNDONE)  # not of their own action

    await _correct_address(db, app, people, channel)
    (to_tksk,) = _with(await _texts(db, people.tksk), BACK_TO_VERIFIER)
    assert CHANGE in to_tksk
    (to_sender,) = _with(await _texts(db, people.coordinator), BACK_TO_SENDER)
    assert "Sekarang menunggu verifikasi TKSK." in to_sender
    assert "✏️ <b>Yang diubah sejak dikembalikan:</b>" in to_sender and CHANGE in to_sender
    assert await _button_of(db, people.coordinator, BACK_TO_SENDER) == [f"cs:{people.case_id}"]
    assert not _with(await _texts(db, people.coordinator), BACK_TO_VERIFIER)
    assert not _with(await _texts(db, people.tksk), BACK_TO_SENDER)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_verifier_hears_of_a_rejection_of_the_case_they_verified(
    world, channel: str
) -> None:
    """The TKSK verified it in the field; the coordinator rejected it and the TKSK never
    heard (only a send-back was told)."""
    db, app = world
    people = await _whole_report(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "v")
    await _act(db, app, people, channel, people.coordinator, "x")
    assert (await case_version(db, people.case_id))[0] == "rejected"

    rejected = f"⛔ Laporan <b>{NUMBER}</b> yang Bapak/Ibu verifikasi ditolak"
    (told,) = _with(await _texts(db, people.tksk), rejected)
    assert "oleh <b>Ibu Sari</b>. Laporan ini ditutup." in told
    assert f"✖️ Ditolak oleh Koordinator Dinas Sosial (29-11-2026). Alasannya: {NOTE}" in told
    assert await _button_of(db, people.tksk, rejected) == [f"cs:{people.case_id}"]
    assert not _with(await _texts(db, people.coordinator), rejected)  # not of their own action


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_tksk_who_sent_it_back_and_verifies_it_hears_once(world, channel: str) -> None:
    db, app = world
    people = await _whole_report(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "b")
    assert not _with(await _texts(db, people.tksk), UNDONE)  # never verified, their own act

    await _correct_address(db, app, people, channel)
    told = await _texts(db, people.tksk)
    assert len(_with(told, BACK_TO_VERIFIER)) == 1 and not _with(told, BACK_TO_SENDER)
    assert not _with(await _texts(db, people.coordinator), f"<b>{NUMBER}</b> yang Bapak/Ibu")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_coordinator_who_sent_it_back_and_verifies_it_hears_once(
    world, channel: str
) -> None:
    """No active TKSK in the kecamatan: the coordinators verify, the sender among them."""
    db, app = world
    people = await _whole_report(db, app, channel)
    async with db.transaction() as repos:
        await repos.users.update(people.tksk.id, now=NOW, status=UserStatus.SUSPENDED)
    await _act(db, app, people, channel, people.coordinator, "b")
    await _correct_address(db, app, people, channel)
    told = await _texts(db, people.coordinator)
    (notice,) = _with(told, BACK_TO_VERIFIER)
    assert CHANGE in notice and not _with(told, BACK_TO_SENDER)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_sender_hears_an_unchanged_correction_too(world, channel: str) -> None:
    db, app = world
    people = await _whole_report(db, app, channel)
    await _act(db, app, people, channel, people.tksk, "v")
    await _act(db, app, people, channel, people.coordinator, "b")
    await tap(db, app, people.psm, channel, f"rv:{people.case_id}")
    await say(db, app, people.psm, channel, "kirim")
    await say(db, app, people.psm, channel, "Tetap kirim")
    await say(db, app, people.psm, channel, "Foto sudah ada di laporan pertama")
    assert (await case_version(db, people.case_id))[0] == "resubmitted"

    unchanged = f"Laporan <b>{NUMBER}</b> yang Bapak/Ibu kembalikan diajukan ulang oleh pelapor"
    (notice,) = _with(await _texts(db, people.coordinator), unchanged)
    assert "<b>tanpa perubahan</b>" in notice and "verifikasi TKSK" in notice
    assert "Penjelasan pelapor: <i>Foto sudah ada di laporan pertama</i>" in notice


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_kk_a_digit_short_in_the_note_reaches_the_reporter_masked(
    world, channel: str
) -> None:
    """QA 13: "KK 320801121019000 kurang satu angka" reached the PSM in full; 14 to 18 digits
    in a note are masked like a NIK or KK."""
    db, app = world
    people = await _whole_report(db, app, channel)
    _, version = await case_version(db, people.case_id)
    await tap(db, app, people.coordinator, channel, f"ca:b:{people.case_id}:{version}")
    await say(db, app, people.coordinator, channel, "KK 320801121019000 kurang satu angka")
    assert (await case_version(db, people.case_id))[0] == "needs_revision"

    (notice,) = _with(await _texts(db, people.psm), "kurang satu angka")
    assert "KK 320801******9000 kurang satu angka" in notice
    assert "320801121019000" not in notice
