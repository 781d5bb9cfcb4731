"""Cancelling a Bimtek: before it begins only, and only active invitees are told (an
invitation still held for them dropped); a reminder never outlives the answers' deadline."""

from __future__ import annotations

import pytest

from handlers.trainings import page
from handlers.trainings.rsvp import send_invitations
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import CHANNELS, labels, person, send
from tests.handlers.training_turns import at, invited_psm, new_training, texts, turn
from tests.storage.seed_cases import open_database, query


async def _world(tmp_path):
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        coordinator, ani, training_id = await invited_psm(
            repos, [(at(8, 8), at(8, 12))], and_a_suspended_one=True
        )
    return db, coordinator, ani, training_id


async def test_before_it_begins_active_invitees_are_told(tmp_path) -> None:
    app = app_context(tmp_path / "media")
    db, coordinator, ani, training_id = await _world(tmp_path)
    try:
        async with db.transaction() as repos:
            cancel = await turn(app, repos, coordinator, at(7, 10), data=f"tp:{training_id}:kk")
            await page.page_button(cancel, cancel.event.data)
        assert "1 peserta diberi tahu" in texts(cancel)[0]
        rows = query(tmp_path / "psm.db", "SELECT user_id, message FROM outbox ORDER BY id")
        assert [row["user_id"] for row in rows] == [ani.id]
        assert "dibatalkan" in rows[0]["message"]
    finally:
        await db.close()


async def test_not_while_a_day_is_under_way_nor_once_it_is_over(tmp_path) -> None:
    """People are on their way or there: the day is closed as usual instead."""
    app = app_context(tmp_path / "media")
    db, coordinator, _, training_id = await _world(tmp_path)
    try:
        async with db.transaction() as repos:
            cancel = await turn(app, repos, coordinator, at(8, 9), data=f"tp:{training_id}:kk")
            await page.page_button(cancel, cancel.event.data)
            training = await repos.trainings.get(training_id)
        assert "tidak bisa dibatalkan" in texts(cancel)[0]
        assert training is not None and training.status == "scheduled"
        async with db.transaction() as repos:
            late = await turn(app, repos, coordinator, at(8, 13), data=f"tp:{training_id}:kk")
            await page.page_button(late, late.event.data)
        assert "tidak bisa dibatalkan" in texts(late)[0]
        assert query(tmp_path / "psm.db", "SELECT COUNT(*) FROM outbox")[0][0] == 0
    finally:
        await db.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_page_offers_batalkan_only_while_it_would_be_taken(world, channel) -> None:
    """The day before: offered; once the first day's check-in opened (under way) or the
    training is over: not offered (it would be refused); "Tutup absen" only while the day's
    check-in is open."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
    for now, offered, close in (
        (at(7, 10), True, False),
        (at(8, 9), False, True),
        (at(8, 13), False, False),
    ):
        shown = await send(db, app, sari, channel, data=f"tp:{training_id}", now=now)
        assert ("Tutup absen" in " ".join(labels(shown))) is close, labels(shown)
        assert ("❌ Batalkan" in labels(shown)) is offered, (now, labels(shown))


async def _invitation_held(app, repos, coordinator, ani, training_id: int) -> None:
    """Bu Ani invited on 1 Dec, the invitation held for her (a closed WhatsApp window, or
    waiting for her /start)."""
    invite = await turn(app, repos, coordinator, at(1, 9), data=f"tp:{training_id}")
    training = await repos.trainings.get(training_id)
    assert training is not None
    await send_invitations(invite, training, [ani.id], "training.invitation_title")
    (invitation,) = await repos.outbox.for_user(ani.id)
    await repos.outbox.hold(invitation.id, error="held for the person")


async def test_the_cancellation_drops_an_invitation_still_held_for_the_person(tmp_path) -> None:
    """Held behind a closed WhatsApp window, the invitation would come out with the news of
    the cancellation when Bu Ani writes, its buttons refused: it is dropped instead."""
    app = app_context(tmp_path / "media")
    db, coordinator, ani, training_id = await _world(tmp_path)
    try:
        async with db.transaction() as repos:
            await _invitation_held(app, repos, coordinator, ani, training_id)
        async with db.transaction() as repos:
            cancel = await turn(app, repos, coordinator, at(2, 10), data=f"tp:{training_id}:kk")
            await page.page_button(cancel, cancel.event.data)
            await repos.outbox.release_waiting(
                user_id=ani.id, channel="telegram", chat_id=str(ani.id), now=at(3, 8)
            )
            items = await repos.outbox.for_user(ani.id)
        assert [(i.status, "dibatalkan" in i.message["text"]) for i in items] == [
            ("expired", False),
            ("pending", True),
        ]
    finally:
        await db.close()


async def test_a_reminder_asked_for_late_at_night_never_goes_out_after_the_deadline(
    tmp_path,
) -> None:
    """Tapped in the quiet hours, "Ingatkan" waits for the morning; when the answers'
    deadline comes first, the reminder expires with it (its buttons would be refused)."""
    app = app_context(tmp_path / "media")
    db, coordinator, ani, training_id = await _world(tmp_path)  # answers until 7 Dec 00.00
    try:
        async with db.transaction() as repos:
            remind = await turn(app, repos, coordinator, at(6, 22), data=f"tp:{training_id}:r")
            await page.page_button(remind, remind.event.data)
            (reminder,) = await repos.outbox.for_user(ani.id)
            assert reminder.not_before == at(7, 6)
            assert reminder.expires_at == at(7, 0)
            assert await repos.outbox.expire_due(at(7, 0, 1)) == 1
    finally:
        await db.close()


async def test_a_reminder_waiting_for_the_morning_goes_with_a_cancellation(tmp_path) -> None:
    """ "Ingatkan" tapped at 22.00 waits for 06.00; cancelled at 22.10, the reminder still went
    out at 06.00, after "dibatalkan", with the old days and buttons that are refused. A
    reminder tapped again replaces the one not sent yet, and never touches the invitation."""
    app = app_context(tmp_path / "media")
    db, coordinator, ani, training_id = await _world(tmp_path)
    try:
        async with db.transaction() as repos:
            await _invitation_held(app, repos, coordinator, ani, training_id)
            (invitation,) = await repos.outbox.for_user(ani.id)
            await repos.outbox.mark_sent(invitation.id, now=at(2, 9))  # it reached her
            for minute in (0, 5):
                remind = await turn(
                    app, repos, coordinator, at(5, 22, minute), data=f"tp:{training_id}:r"
                )
                await page.page_button(remind, remind.event.data)
            statuses = [i.status for i in await repos.outbox.for_user(ani.id)]
            assert statuses == ["sent", "expired", "pending"]
        async with db.transaction() as repos:
            cancel = await turn(app, repos, coordinator, at(5, 22, 10), data=f"tp:{training_id}:kk")
            await page.page_button(cancel, cancel.event.data)
            items = await repos.outbox.for_user(ani.id)
        assert [(i.status, "dibatalkan" in i.message["text"]) for i in items] == [
            ("sent", False),
            ("expired", False),
            ("expired", False),
            ("pending", True),
        ]
    finally:
        await db.close()
