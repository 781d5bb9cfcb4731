"""A training's page once it is under way (QA walk 7): after day 1's "🔒 Tutup absen" of a
2-day Bimtek, no "🔑 Kode absen"/"🔒 Tutup absen" until day 2's check-in day, no "🔔 Ingatkan"
after the answers' deadline, and never "❌ Batalkan" once the first day's check-in opened (an
old Batalkan button is refused). The answers' counts add up (the unreachable are a part of
"Belum menjawab"), and someone to phone without a number on record says so, and where to ask."""

from __future__ import annotations

import pytest

from storage.models import Role, UserStatus
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.handlers.test_side_trips import training_at_its_final_go
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, make_user

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
TWO_DAYS = [(at(8, 8), at(8, 12)), (at(9, 8), at(9, 12))]  # check-in opens an hour ahead


async def test_after_day_one_closes_the_page_offers_no_code_close_remind_nor_cancel(
    world, channel
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, TWO_DAYS, deadline=at(7, 0))
    page = f"tp:{training_id}"
    before = labels(await send(db, app, sari, channel, data=page, now=at(6, 10)))
    assert "🔔 Ingatkan" in before and "❌ Batalkan" in before, before
    assert "🗓 Ubah jadwal" in before, before
    assert "🔑 Kode absen" not in before, before
    day_one = labels(await send(db, app, sari, channel, data=page, now=at(8, 9)))
    assert "🔑 Kode absen" in day_one and "🔒 Tutup absen" in day_one, day_one
    assert "🔔 Ingatkan" not in day_one and "❌ Batalkan" not in day_one, day_one
    closed = await send(db, app, sari, channel, data=f"{page}:x", now=at(8, 10))
    assert "Absen hari 1 ditutup" in said(closed), said(closed)
    for now in (at(8, 10), at(8, 20)):
        shown = labels(await send(db, app, sari, channel, data=page, now=now))
        for gone in (
            "🔑 Kode absen",
            "🔒 Tutup absen",
            "🔔 Ingatkan",
            "❌ Batalkan",
            "🗓 Ubah jadwal",
        ):
            assert gone not in shown, (now, shown)
        assert "📄 Ekspor" in shown, shown
    # An old "Batalkan" from before it began: refused, nothing asked.
    old = said(await send(db, app, sari, channel, data=f"{page}:k", now=at(8, 10)))
    assert "tidak bisa dibatalkan" in old and "diberi tahu" not in old, old
    day_two = labels(await send(db, app, sari, channel, data=page, now=at(9, 6)))
    assert "🔑 Kode absen" in day_two and "🔒 Tutup absen" in day_two, day_two
    assert "❌ Batalkan" not in day_two and "🗓 Ubah jadwal" not in day_two, day_two
    # An old "Ubah jadwal" from before it began: refused, no form.
    moved = said(await send(db, app, sari, channel, data=f"{page}:s", now=at(9, 6)))
    assert "sudah dimulai tidak bisa diubah jadwalnya" in moved, moved


async def test_the_unreachable_are_counted_among_those_without_an_answer(world, channel) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE)
    dedi = await person(db, "Pak Dedi", Role.PSM, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        joko = await make_user(repos, "Joko Purnomo", Role.PSM, kecamatan=KADUGEDE)  # no chat
        training_id = await new_training(repos, sari, TWO_DAYS, deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id, dedi.id, joko.id], at(1, 9))
        await repos.trainings.set_rsvp(training_id, dedi.id, "berhalangan", at(2, 9))
    page = said(await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(3, 10)))
    assert (
        "Diundang: 3 · Akan hadir: 0 · Berhalangan: 1 · Belum menjawab: 2"
        " (1 di antaranya belum terjangkau bot)" in page
    ), page
    assert "Belum terjangkau bot:" not in page, page


async def test_a_suspended_invitee_is_not_counted_as_the_digest_counts(world, channel) -> None:
    """The page counts those invited as the coordinator's digest does (`still_invited`): an
    invitee suspended since is no longer among them (before: "Diundang: 3" on the page,
    "dari 2" in the digest)."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE)
    dedi = await person(db, "Pak Dedi", Role.PSM, channel, kecamatan=KADUGEDE)
    susp = await person(db, "Pak Susp", Role.PSM, channel, kecamatan=KADUGEDE)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, TWO_DAYS, deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id, dedi.id, susp.id], at(1, 9))
        await repos.trainings.set_rsvp(training_id, susp.id, "akan_hadir", at(2, 9))
        await repos.users.update(susp.id, now=at(2, 10), status=UserStatus.SUSPENDED)
    page = said(await send(db, app, sari, channel, data=f"tp:{training_id}", now=at(3, 10)))
    assert "Diundang: 2 · Akan hadir: 0 · Berhalangan: 0 · Belum menjawab: 2" in page, page


async def test_someone_to_phone_without_a_number_says_where_to_ask(world, channel) -> None:
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await make_user(repos, "Joko Purnomo", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
    preview = await training_at_its_final_go(db, app, tono, channel)
    sent = said(await send(db, app, tono, channel, data=button(preview, "Kirim undangan")))
    assert "1 orang belum bisa dihubungi lewat bot" in sent, sent
    line = next(line for line in sent.splitlines() if "Joko Purnomo" in line)
    assert line == (
        "• Joko Purnomo (Babatan): nomor HP belum ada, tanyakan ke kantor desa/kelurahan Babatan"
    ), line
    assert "(-," not in sent
