"""A button's label typed instead of tapped, outside a form ("validasi" under a case page
whose "✅ Validasi (setujui)" scrolled away): told to tap the button, with a pointer to the
help, as a typed "1" is; not "not understood" and the whole command list (QA walk 12). On
both channels."""

from __future__ import annotations

import pytest

from handlers.context import Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.i18n import Catalog
from tests.handlers.review_turns import review_world, said, say
from tests.storage.seed_cases import NOW

CATALOG = Catalog.load()
pytestmark = pytest.mark.parametrize("channel", ["telegram", "whatsapp"])


def t(key: str, **values: object) -> str:
    return CATALOG.text("id", key, **values)


async def _shown(db, turn: Turn) -> None:
    """The turn's replies written to the outbox, as the inbox worker does."""
    assert turn.user is not None
    async with db.transaction() as repos:
        for reply in turn.replies:
            await deliver(
                repos,
                user_id=turn.user.id,
                message=reply,
                kind=DeliveryKind.REPLY,
                now=NOW,
                channel=turn.event.channel,
                chat_id=turn.event.chat_id,
            )


async def test_a_typed_label_of_the_last_message_asks_to_tap_it(world, channel) -> None:
    db, app = world
    team = await review_world(db, channel, reported_at=NOW, state="verified")
    page = await say(db, app, team.coordinator, channel, "KNG-2026-000001")
    assert any("Validasi" in b.label for r in page.replies for row in r.buttons or [] for b in row)
    await _shown(db, page)
    for typed in ("validasi", "Validasi (setujui)", "✅ VALIDASI"):
        turn = await say(db, app, team.coordinator, channel, typed)
        hint = t("errors.label_tap_button", label="✅ Validasi")
        expected = f"{t('errors.not_understood')} {hint}\n{t('errors.help_pointer')}"
        assert said(turn) == expected, typed
        assert "/lapor" not in said(turn)
    words = await say(db, app, team.coordinator, channel, "qwerty")
    assert "tekan tombolnya" not in said(words) and "/lapor" in said(words)


async def test_a_label_not_on_the_last_message_gets_the_help(world, channel) -> None:
    """The page's buttons are not the last message's any more: nothing to tap in sight."""
    db, app = world
    team = await review_world(db, channel, reported_at=NOW, state="verified")
    page = await say(db, app, team.coordinator, channel, "KNG-2026-000001")
    await _shown(db, page)
    later = await say(db, app, team.coordinator, channel, "qwerty")
    await _shown(db, later)
    turn = await say(db, app, team.coordinator, channel, "validasi")
    assert "tekan tombolnya" not in said(turn) and "/lapor" in said(turn)
