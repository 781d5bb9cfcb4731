"""A training's news to people whose invitation has not reached them (held behind a closed
WhatsApp window or waiting for their /start; queued or deferred; failed, or accepted by the
channel and reported failed later), and what "🔔 Ingatkan" tells the organiser: no reminder
on top of an unsent invitation (one piece of news twice, two billed templates), those held
and those queued counted each with its own reason; the invitation itself again to whoever it
never reached; a reminder tapped in the quiet hours said to wait for the morning; a reschedule
reaching someone who never got the invitation is the invitation itself. Both channels: the
organiser's replies, and the invitees' queued messages."""

from __future__ import annotations

import pytest

from handlers.delivery import DeliveryKind, deliver_to_chat
from handlers.events import Outbound
from handlers.trainings.links import join_code
from handlers.trainings.rsvp import send_invitations
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, queued, said, send
from tests.handlers.training_turns import at, new_training, turn
from tests.storage.seed_cases import KADUGEDE

NEW_DAYS = ("15-12-2026", "08.00", "12.00")


async def _invited(db, app, channel: str, states: dict[str, str]):
    """Ibu Sari's training (8 Dec, answers until 7 Dec) inviting a PSM on `channel` for each
    name in `states`, whose invitation is then: "sent"; "pending" (just queued); "deferred"
    (to be tried again later); "waiting" (held); "failed" (refused at the send); or
    "undelivered" (the channel took it and reported later that it failed: a status webhook)."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    people = {
        name: await person(db, name, Role.PSM, channel, kecamatan=KADUGEDE) for name in states
    }
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        training = await repos.trainings.get(training_id)
        assert training is not None
        ids = [p.id for p in people.values()]
        await repos.trainings.invite(training_id, ids, at(1, 9))
        invite = await turn(app, repos, sari, at(1, 9), data=f"tp:{training_id}")
        await send_invitations(invite, training, ids, "training.invitation_title")
        for name, user in people.items():
            (invitation,) = await repos.outbox.for_user(user.id)
            await _as_if(repos, invitation.id, states[name])
    return sari, people, training_id


async def _as_if(repos, item_id: int, state: str) -> None:
    """What the channel's sender (and its status webhook) did with the invitation."""
    if state in ("sent", "undelivered"):
        await repos.outbox.mark_sent(item_id, now=at(1, 9, 1), ext_message_id=f"wamid.{item_id}")
    if state == "undelivered":  # a failure statuses.py only records (130472)
        assert await repos.outbox.record_delivery(item_id, "failed", 130472)
    elif state == "waiting":
        await repos.outbox.hold(item_id, error="window closed")
    elif state == "deferred":
        await repos.outbox.retry_later(
            item_id, not_before=at(2, 18), error="131000 something went wrong", failed_try=True
        )
    elif state == "failed":
        assert await repos.outbox.mark_failed(item_id, error="400 chat not found")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_reminder_in_the_quiet_hours_says_it_goes_in_the_morning(world, channel) -> None:
    db, app = world
    sari, _, training_id = await _invited(db, app, channel, {"Bu Ani": "sent"})
    remind = f"tp:{training_id}:r"
    late = await send(db, app, sari, channel, data=remind, now=at(2, 22, 30))
    assert "akan dikirim besok pukul 06.00" in said(late), said(late)
    assert "Pengingat dikirim ke" not in said(late)
    night = await send(db, app, sari, channel, data=remind, now=at(3, 2))
    assert "akan dikirim hari ini pukul 06.00" in said(night), said(night)
    day = await send(db, app, sari, channel, data=remind, now=at(3, 10))
    assert "Pengingat dikirim ke 1 orang yang belum menjawab." in said(day), said(day)
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=at(3, 10), language="en")
    english = await send(db, app, sari, channel, data=remind, now=at(3, 22, 30))
    assert "will be sent tomorrow at 06.00" in said(english), said(english)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_reminder_on_top_of_an_invitation_still_unsent(world, channel) -> None:
    """Pak Joko's invitation is held (closed window), Bu Rina's just queued, Bu Dewi's
    deferred (a retry after an error): only Bu Ani, who got hers, is reminded; Sari reads
    that one waits for the person to open the chat, and two are still in the sending queue
    (not waiting for anybody)."""
    db, app = world
    sari, people, training_id = await _invited(
        db,
        app,
        channel,
        {"Bu Ani": "sent", "Pak Joko": "waiting", "Bu Rina": "pending", "Bu Dewi": "deferred"},
    )
    tapped = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 10))
    assert said(tapped).split("\n") == [
        "Pengingat dikirim ke 1 orang yang belum menjawab.",
        "1 orang tidak diingatkan karena belum menerima undangannya: menunggu mereka membuka"
        " chat dengan bot. Undangan akan sampai begitu mereka membukanya.",
        "2 orang tidak diingatkan karena undangannya masih dalam antrean kirim (belum terkirim).",
    ], said(tapped)
    reminded = await queued(db, people["Bu Ani"])
    assert ["Pengingat" in (m.text or "") for m in reminded] == [False, True]
    for name in ("Pak Joko", "Bu Rina", "Bu Dewi"):
        (only,) = await queued(db, people[name])
        assert "Undangan bimtek" in (only.text or "")
    # Everyone's invitation still unsent: no reminder at all, said without "dikirim ke 0".
    await _forget_sent(db, people["Bu Ani"].id)
    again = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 11))
    assert said(again).startswith("2 orang tidak diingatkan karena belum menerima"), said(again)
    assert "\n2 orang tidak diingatkan karena undangannya masih dalam antrean" in said(again)
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=at(2, 12), language="en")
    english = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 12))
    assert "2 people were not reminded because their invitation is still in the sending queue" in (
        said(english)
    ), said(english)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("failure", ["undelivered", "failed"])
async def test_whoever_the_invitation_never_reached_gets_the_invitation_not_a_reminder(
    world, channel, failure
) -> None:
    """Bu Rina's invitation failed (refused at the send, or taken by the channel and reported
    failed later): she never read it, so "Ingatkan" sends her the invitation itself, not a
    reminder of it; Bu Ani, who got hers, is reminded. Sari reads both."""
    db, app = world
    sari, people, training_id = await _invited(
        db, app, channel, {"Bu Ani": "sent", "Bu Rina": failure}
    )
    tapped = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 10))
    assert said(tapped).split("\n") == [
        "Pengingat dikirim ke 1 orang yang belum menjawab.",
        "Undangan dikirim ulang ke 1 orang yang belum pernah menerimanya (pengiriman"
        " sebelumnya gagal).",
    ], said(tapped)
    first, again = await queued(db, people["Bu Rina"])
    assert again.text == first.text and "Undangan bimtek" in (again.text or "")
    assert "Pengingat" not in (again.text or "")
    assert [b.label for b in again.buttons[0]] == ["✅ Akan hadir", "🙏 Berhalangan"]
    assert "Pengingat" in ((await queued(db, people["Bu Ani"]))[-1].text or "")
    async with db.reading() as repos:
        kinds = [(i.kind, i.status) for i in await repos.outbox.for_user(people["Bu Rina"].id)]
    assert kinds[-1] == ("notice", "pending")  # as the invitation: at least once, held if need be
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=at(2, 11), language="en")
        resent = (await repos.outbox.for_user(people["Bu Rina"].id))[-1]
        await _as_if(repos, resent.id, failure)  # failed again: sent again at the next tap
    english = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 11))
    assert "The invitation was sent again to 1 person who never received it" in said(english)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_reminder_to_whom_the_bot_cannot_reach(world, channel) -> None:
    """Bu Rina got her invitation, then blocked the bot (Telegram) or was marked unreachable
    (WhatsApp); Bu Dewi's invitation was refused as she had: neither is reminded nor sent
    the invitation again (it could only fail), and Sari reads how many to phone, as the page
    counts them "belum terjangkau bot"; Bu Ani is reminded."""
    db, app = world
    sari, people, training_id = await _invited(
        db, app, channel, {"Bu Ani": "sent", "Bu Rina": "sent", "Bu Dewi": "failed"}
    )
    async with db.transaction() as repos:
        for name in ("Bu Rina", "Bu Dewi"):
            await repos.users.mark_unreachable(channel, str(people[name].id), now=at(1, 10))
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(2, 10))
    assert "Belum menjawab: 3 (2 di antaranya belum terjangkau bot)" in said(page), said(page)
    tapped = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 10))
    assert said(tapped).split("\n") == [
        "Pengingat dikirim ke 1 orang yang belum menjawab.",
        "2 orang tidak diingatkan karena tidak bisa dihubungi bot (belum memulai bot,"
        " memblokirnya, atau nomornya tidak bisa menerima pesan): mohon telepon langsung.",
    ], said(tapped)
    for name in ("Bu Rina", "Bu Dewi"):
        (only,) = await queued(db, people[name])  # the invitation alone: nothing new
        assert "Undangan bimtek" in (only.text or "")
    assert "Pengingat" in ((await queued(db, people["Bu Ani"]))[-1].text or "")
    async with db.transaction() as repos:
        await repos.users.update(sari.id, now=at(2, 11), language="en")
    english = await send(db, app, sari, channel, data=f"tp:{training_id}:r", now=at(2, 11))
    assert "2 people were not reminded because the bot cannot reach them (they never started" in (
        said(english)
    )
    assert "blocked it, or their number cannot receive messages): please phone them" in (
        said(english)
    )


async def _forget_sent(db, user_id: int) -> None:
    """Bu Ani's messages as if none had gone out (held, waiting for her)."""
    async with db.transaction() as repos:
        await repos.outbox.unmark_sent([i.id for i in await repos.outbox.for_user(user_id)])
        for item in await repos.outbox.for_user(user_id):
            await repos.outbox.hold(item.id, error="window closed")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_reschedule_is_the_invitation_to_whoever_never_got_it(world, channel) -> None:
    """Bu Ani got the invitation: "Jadwal bimtek berubah". Pak Joko's was held (dropped by
    the reschedule): the plain invitation, with the new day, and nothing of the old one."""
    db, app = world
    sari, people, training_id = await _invited(
        db, app, channel, {"Bu Ani": "sent", "Pak Joko": "waiting"}
    )
    done = await _reschedule(db, app, sari, channel, training_id)
    assert "2 peserta diberi tahu" in said(done), said(done)

    def news(messages: list[Outbound]) -> str:
        return messages[-1].text or ""

    assert "Jadwal bimtek berubah" in news(await queued(db, people["Bu Ani"]))
    joko_news = await queued(db, people["Pak Joko"])
    assert "Undangan bimtek" in news(joko_news) and "15 Desember 2026" in news(joko_news)
    assert "berubah" not in news(joko_news)
    async with db.reading() as repos:
        statuses = [i.status for i in await repos.outbox.for_user(people["Pak Joko"].id)]
    assert statuses == ["expired", "pending"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("failure", ["undelivered", "failed"])
async def test_a_reschedule_is_the_invitation_to_whoever_it_never_reached(
    world, channel, failure
) -> None:
    """Bu Rina's invitation failed (refused at the send, or taken by the channel and reported
    failed later, the person never reading it): the reschedule reaches her as the plain
    invitation with the new day, never as "Jadwal bimtek berubah"; Bu Ani, who got hers,
    reads that it changed."""
    db, app = world
    sari, people, training_id = await _invited(
        db, app, channel, {"Bu Ani": "sent", "Bu Rina": failure}
    )
    done = await _reschedule(db, app, sari, channel, training_id)
    assert "2 peserta diberi tahu" in said(done), said(done)
    assert "Jadwal bimtek berubah" in ((await queued(db, people["Bu Ani"]))[-1].text or "")
    rina_news = (await queued(db, people["Bu Rina"]))[-1].text or ""
    assert "Undangan bimtek" in rina_news and "15 Desember 2026" in rina_news, rina_news
    assert "berubah" not in rina_news


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_link_joiner_is_told_of_a_reschedule_as_one_who_got_the_invitation(
    world, channel
) -> None:
    """Pak Dedi opened the training's link: the invitation he was shown (his turn's reply) is
    of the notices' thread, so the reschedule tells him "Jadwal bimtek berubah"."""
    db, app = world
    sari, _, training_id = await _invited(db, app, channel, {})
    dedi = await person(db, "Pak Dedi", Role.PSM, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        code = await join_code(repos, training_id)
    link = (
        {"command": "start", "command_args": f"bt-{code}"}
        if channel == "telegram"
        else {"command": "bimtek", "command_args": code}
    )
    joined = await send(db, app, dedi, channel, now=at(2, 9), **link)
    assert "Undangan bimtek" in said(joined), said(joined)
    async with db.transaction() as repos:  # as the channel's worker queues and sends replies
        await deliver_to_chat(
            repos,
            user_id=dedi.id,
            messages=joined.replies,
            kind=DeliveryKind.REPLY,
            now=at(2, 9),
            channel=channel,
            chat_id=str(dedi.id),
        )
        sent = [(item.id, None) for item in await repos.outbox.for_user(dedi.id)]
        await repos.outbox.mark_sent_many(sent, now=at(2, 9))
    await _reschedule(db, app, sari, channel, training_id)
    news = (await queued(db, dedi))[-1].text or ""
    assert "Jadwal bimtek berubah" in news and "15 Desember 2026" in news, news


async def _reschedule(db, app, sari, channel: str, training_id: int):
    """Ibu Sari moves her training to 15 Dec (answers until 14 Dec) from its page."""
    page = await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(2, 10))
    await send(db, app, sari, channel, data=button(page, "Ubah jadwal"), now=at(2, 10))
    for answer in NEW_DAYS:
        await send(db, app, sari, channel, text=answer, now=at(2, 10))
    asked = await send(db, app, sari, channel, text="Tidak", now=at(2, 10))
    summary = await send(db, app, sari, channel, text="14-12-2026", now=at(2, 10))
    assert "Kirim" in " ".join(labels(summary)), (said(asked), said(summary))
    return await send(db, app, sari, channel, data=button(summary, "Kirim"), now=at(2, 10))
