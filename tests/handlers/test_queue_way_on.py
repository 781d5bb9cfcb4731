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
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

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
