"""A case page offers its review actions in one order for every role and state (the step
forward, then send back, then reject), so an action keeps its place among the others and
training material can say where to tap; every label fits a WhatsApp reply button. On both
channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.whatsapp.outbound import BUTTON_TITLE, title_width
from handlers.review.possible_actions import SHOWN_ORDER
from handlers.review.workflow import TRANSITIONS
from storage.models import UserStatus
from tests.handlers.chat_turns import app_context
from tests.handlers.review_turns import review_world, tap
from tests.storage.seed_cases import NOW, open_database

CHANNELS = ["telegram", "whatsapp"]
VERIFY, APPROVE, REJECT = "✅ Verifikasi", "✅ Validasi (setujui)", "❌ Tolak"
SEND_BACK, VISIT, RESOLVE, REOPEN = (
    "↩️ Minta perbaikan",
    "📝 Catat kunjungan",
    "🏁 Selesai",
    "🔄 Buka kembali",
)
# (the case's state, whether its kecamatan has an active TKSK, who opens it, the actions).
PAGES = [
    ("submitted", True, "tksk", [VERIFY, SEND_BACK]),
    ("submitted", True, "coordinator", [SEND_BACK, REJECT]),
    ("submitted", False, "coordinator", [VERIFY, SEND_BACK, REJECT]),
    ("resubmitted", True, "tksk", [VERIFY, SEND_BACK]),
    ("verified", True, "tksk", [SEND_BACK]),
    ("verified", True, "coordinator", [APPROVE, SEND_BACK, REJECT]),
    ("needs_revision", True, "coordinator", [REJECT]),
    ("approved", True, "tksk", [VISIT]),
    ("approved", True, "coordinator", [VISIT, RESOLVE]),
    ("resolved", True, "coordinator", [REOPEN]),
]


def test_every_action_has_its_place() -> None:
    assert sorted(SHOWN_ORDER) == sorted(TRANSITIONS)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(("state", "with_tksk", "viewer", "expected"), PAGES)
async def test_the_actions_come_in_one_order_for_every_role(
    tmp_path: Path, channel: str, state: str, with_tksk: bool, viewer: str, expected: list[str]
) -> None:
    db = await open_database(tmp_path / "psm.db")
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1), state=state)
    if not with_tksk:  # the coordinators verify where the kecamatan has no active TKSK
        async with db.transaction() as repos:
            await repos.users.update(world.tksk.id, now=NOW, status=UserStatus.SUSPENDED)
    person = world.tksk if viewer == "tksk" else world.coordinator
    page = await tap(db, app_context(tmp_path / "media"), person, channel, f"cs:{world.case_id}")
    await db.close()
    labels = [
        button.label
        for reply in page.replies
        for row in reply.buttons
        for button in row
        if button.data.startswith("ca:")
    ]
    assert labels == expected
    assert all(title_width(label) <= BUTTON_TITLE for label in labels)
