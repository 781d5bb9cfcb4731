"""Where a paged list stops offering "Berikut" (handlers/paging.py, one rule for every list):
a full last page has none, one item more and it comes, and the next page has only "Sebelumnya".
The review queue (5 a page, counted) and a day's status by hand (8 a page, of the
invitations). Telegram and WhatsApp."""

from __future__ import annotations

import pytest

from handlers.review.queue import PAGE as QUEUE_PAGE
from handlers.trainings.manual import PAGE_SIZE as MANUAL_PAGE
from storage.models import CaseState, Role
from tests.handlers.routed_turns import CHANNELS, button, labels, person, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NEXT, PREVIOUS = "Berikut", "Sebelumnya"


def _paging(labels_shown: list[str]) -> list[str]:
    return [word for word in (PREVIOUS, NEXT) if any(word in label for label in labels_shown)]


@pytest.mark.parametrize("cases", [QUEUE_PAGE, QUEUE_PAGE + 1])
async def test_the_queue_pages_by_its_count(world, channel, cases):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        for number in range(1, cases + 1):
            await seed_case(
                repos,
                reporter=ani,
                desa=BABATAN,
                at=NOW,
                number=f"KNG-2026-{number:06d}",
                state=CaseState.VERIFIED,
            )
    first = await send(db, app, sari, channel, command="antrian")
    if cases == QUEUE_PAGE:
        assert _paging(labels(first)) == [], labels(first)
        return
    assert _paging(labels(first)) == [NEXT], labels(first)
    second = await send(db, app, sari, channel, data=button(first, NEXT))
    assert _paging(labels(second)) == [PREVIOUS], labels(second)
    assert sum("KNG-2026-" in label for label in labels(second)) == 1


@pytest.mark.parametrize("invited", [MANUAL_PAGE, MANUAL_PAGE + 1])
async def test_status_by_hand_pages_by_the_invitations(world, channel, invited):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
    for number in range(invited):
        psm = await person(db, f"PSM Nomor {number}", Role.PSM, channel, kecamatan=KADUGEDE)
        async with db.transaction() as repos:
            await repos.trainings.invite(training_id, [psm.id], NOW)
    first = await send(db, app, sari, channel, data=f"tp:{training_id}:m", now=at(8, 9))
    if invited == MANUAL_PAGE:
        assert _paging(labels(first)) == [], labels(first)
        return
    assert _paging(labels(first)) == [NEXT], labels(first)
    second = await send(db, app, sari, channel, data=button(first, NEXT), now=at(8, 9))
    assert _paging(labels(second)) == [PREVIOUS], labels(second)
    assert sum("PSM Nomor" in label for label in labels(second)) == 1
