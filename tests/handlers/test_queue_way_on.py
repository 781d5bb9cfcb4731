"""A decision taken from the queue has a way on: before, Validasi / Minta perbaikan / Tolak
ended with "✅ Laporan KNG-… sekarang: Disetujui." alone (QA walk 12). Now "➡️ Berikutnya"
opens the next case waiting for the person's decision, in the queue's order, and "📋 Ke
antrian" the queue page they saw last (on WhatsApp, too, not page 1 again). On both
channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import BABATAN, CINIRU_DESA, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NEXT, QUEUE = "➡️ Berikutnya", "📋 Ke antrian"
NONE_NEXT = "Tidak ada laporan lain yang menunggu keputusan Bapak/Ibu."


async def _sari_with_cases(db: Database, channel: str, verified: int) -> tuple[User, list[int]]:
    """Ibu Sari, coordinator, and `verified` cases of Ani's waiting for her validation, the
    oldest first (KNG-2026-000001 …), then two more submitted (Pak Tono's to verify)."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ids = []
    async with db.transaction() as repos:
        for n in range(1, verified + 3):
            ids.append(
                await seed_case(
                    repos,
                    reporter=ani,
                    desa=BABATAN,
                    at=NOW - timedelta(days=30 - n),
                    number=f"KNG-2026-{n:06d}",
                    state="verified" if n <= verified else "submitted",
                    head=f"Kepala {n}",
                )
            )
    return sari, ids


async def _open(db: Database, app: AppContext, sari: User, channel: str, queue: Turn, n: int):
    return await send(db, app, sari, channel, data=button(queue, f"KNG-2026-{n:06d}"))


async def test_after_validating_next_opens_the_next_and_the_queue_its_page(world, channel):
    db, app = world
    sari, ids = await _sari_with_cases(db, channel, verified=6)
    first = await send(db, app, sari, channel, command="antrian")
    assert "halaman 1/2" in said(first)
    second = await send(db, app, sari, channel, data=button(first, "Berikutnya"))
    assert "halaman 2/2" in said(second)
    page = await _open(db, app, sari, channel, second, 6)
    done = await send(db, app, sari, channel, data=button(page, "Validasi"))
    assert "KNG-2026-000006 sekarang: Disetujui" in said(done)
    assert labels(done)[:2] == [NEXT, QUEUE]
    # The next one waiting for her, in the queue's order: the oldest verified.
    following = await send(db, app, sari, channel, data=button(done, NEXT))
    assert "KNG-2026-000001" in said(following) and "Validasi" in " ".join(labels(following))
    # The queue where she was: page 2, not page 1 again.
    back = await send(db, app, sari, channel, data=button(done, QUEUE))
    assert "halaman 2/2" in said(back)
    assert ids


@pytest.mark.parametrize("action", ["Minta perbaikan", "Tolak"])
async def test_a_decision_with_a_reason_has_the_way_on_too(world, channel, action):
    db, app = world
    sari, _ = await _sari_with_cases(db, channel, verified=2)
    queue = await send(db, app, sari, channel, command="antrian")
    page = await _open(db, app, sari, channel, queue, 1)
    asked = await send(db, app, sari, channel, data=button(page, action))
    done = await send(db, app, sari, channel, text="Alamat tidak lengkap, mohon dilengkapi.")
    assert "KNG-2026-000001 sekarang:" in said(done), said(done) + said(asked)
    assert labels(done)[:2] == [NEXT, QUEUE]
    following = await send(db, app, sari, channel, data=button(done, NEXT))
    assert "KNG-2026-000002" in said(following)
    back = await send(db, app, sari, channel, data=button(done, QUEUE))
    assert "halaman 1/1" in said(back)


async def test_the_last_one_decided_says_none_waits(world, channel):
    """Nothing else waits for her decision (the submitted ones are Pak Tono's): said, and
    only the way back to the queue."""
    db, app = world
    sari, _ = await _sari_with_cases(db, channel, verified=1)
    queue = await send(db, app, sari, channel, command="antrian")
    page = await _open(db, app, sari, channel, queue, 1)
    done = await send(db, app, sari, channel, data=button(page, "Validasi"))
    assert NONE_NEXT in said(done) and labels(done) == [QUEUE]
    back = await send(db, app, sari, channel, data=button(done, QUEUE))
    assert "KNG-2026-000002" in " ".join(labels(back))


async def test_a_queue_page_emptied_since_shows_the_last_page(world, channel):
    """ "Ke antrian" to page 2 once its only case was decided: the last page there is."""
    db, app = world
    sari, _ = await _sari_with_cases(db, channel, verified=4)  # six cases: two pages
    first = await send(db, app, sari, channel, command="antrian")
    second = await send(db, app, sari, channel, data=button(first, "Berikutnya"))
    assert "halaman 2/2" in said(second)
    async with db.transaction() as repos:  # two rejected elsewhere: four cases, one page
        await repos.audit._run(
            "UPDATE cases SET state = 'rejected' WHERE number IN (?, ?)",
            ("KNG-2026-000001", "KNG-2026-000006"),
        )
    back = await send(db, app, sari, channel, data=button(first, "Berikutnya"))  # page 2 again
    assert "halaman 1/1" in said(back) and len(labels(back)) == 4


async def test_the_next_is_found_behind_many_that_wait_for_somebody_else(world, channel):
    """Review 15: the next one was looked for among the queue's first 20 cases alone. Behind
    22 of Pak Tono's (to verify, there to follow) waits a case of Ciniru, a kecamatan with no
    TKSK: Ibu Sari verifies it. After her "Validasi" she was told none waits."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        first = NOW - timedelta(days=40)
        await seed_case(
            repos, reporter=ani, desa=BABATAN, at=first, number="KNG-2026-000001", state="verified"
        )
        for n in range(2, 24):  # Pak Tono's to verify, older than Ciniru's
            at = NOW - timedelta(days=30, hours=n)
            await seed_case(repos, reporter=ani, desa=BABATAN, at=at, number=f"KNG-2026-{n:06d}")
        last = NOW - timedelta(days=1)
        await seed_case(repos, reporter=ani, desa=CINIRU_DESA, at=last, number="KNG-2026-000099")
    queue = await send(db, app, sari, channel, command="antrian")
    page = await _open(db, app, sari, channel, queue, 1)
    done = await send(db, app, sari, channel, data=button(page, "Validasi"))
    assert NONE_NEXT not in said(done) and labels(done)[:2] == [NEXT, QUEUE], said(done)
    following = await send(db, app, sari, channel, data=button(done, NEXT))
    assert "KNG-2026-000099" in said(following) and "Verifikasi" in " ".join(labels(following))


async def test_a_tksk_next_skips_his_own_reports_however_many(world, channel):
    """Pak Tono reported 22 cases himself (four eyes: not his to verify); behind them waits
    one of Bu Ani's. After deciding on her first one, "Berikutnya" opens it."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        for n in range(1, 25):  # the first and the last Ani's, his own between
            reporter = ani if n in (1, 24) else tono
            at = NOW - timedelta(days=30, hours=-n)
            await seed_case(
                repos, reporter=reporter, desa=BABATAN, at=at, number=f"KNG-2026-{n:06d}"
            )
    queue = await send(db, app, tono, channel, command="antrian")
    page = await _open(db, app, tono, channel, queue, 1)
    await send(db, app, tono, channel, data=button(page, "Minta perbaikan"))
    done = await send(db, app, tono, channel, text="Alamat tidak lengkap, mohon dilengkapi.")
    assert "KNG-2026-000001 sekarang:" in said(done) and labels(done)[:2] == [NEXT, QUEUE]
    following = await send(db, app, tono, channel, data=button(done, NEXT))
    assert "KNG-2026-000024" in said(following) and "Verifikasi" in " ".join(labels(following))
