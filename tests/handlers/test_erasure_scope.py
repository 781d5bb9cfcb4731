"""What erasing a person (`psm-bot subject erase`) leaves alone, and what it finds however a
message stores it. The reasons and notes written about their case are erased from the
conversations about that case only: another family's case sent back with the same stock
words ("Foto buram") keeps its notice, and another person's draft its choice codes. A reason
typed on two lines goes from the notice too (stored as an escape inside the message's JSON);
what the reviewer typed and was given back to copy goes with it; a cousin whose name begins
with theirs keeps it. An update still in the inbox loses the reason only when it is from
someone who wrote on their case. Through the real conversations, on both channels."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.events import InboundKind
from handlers.forms.state import new_state
from storage.db import Database
from tests.handlers.review_turns import review_world
from tests.handlers.routed_turns import CHANNELS
from tests.handlers.test_erasure_of_checks import AYU_NIK, _reasons, _said, _verify
from tests.storage.seed_cases import BABATAN, NOW, seed_case

AYU, BUDI, COUSINS = "KNG-2026-000001", "KNG-2026-000002", "KNG-2026-000003"
STOCK = "Foto buram"  # the same words, sent back on two families' cases
TWO_LINES = "Keluarga sudah pindah\nke rumah bibi di Cirebon"
COUSIN = "Ayu Lestariningsih"
WITH_NIK = "Ibu Sumi, NIK 3208014506230009, rumah di gang Melati"
TAPPED = {"kind": InboundKind.BUTTON, "callback_id": "c"}


async def _messages(db: Database) -> list[str]:
    """The texts of the messages in the outbox, as their people read them."""
    async with db.reading() as reader, reader.conn.execute("SELECT message FROM outbox") as cur:
        return [json.loads(row[0]).get("text", "") for row in await cur.fetchall()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_their_reasons_go_from_their_conversations_only(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    tksk, coordinator, case_id = people.tksk, people.coordinator, people.case_id
    async with db.transaction() as repos:
        budi = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number=BUDI, people=(("Budi Santoso", "3208011204150002"),),
        )  # fmt: skip
        cousins = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number=COUSINS, people=(("Ayu Lestari", AYU_NIK), (COUSIN, "3208014506200002")),
        )  # fmt: skip
    for case, reason in ((case_id, STOCK), (budi, STOCK), (cousins, f"Umur {COUSIN} salah")):
        await _said(db, app, tksk, channel, data=f"ca:b:{case}:1", **TAPPED)
        await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text=reason)
    await _said(db, app, coordinator, channel, data=f"ca:x:{case_id}:2", **TAPPED)
    await _said(db, app, coordinator, channel, kind=InboundKind.TEXT, text=WITH_NIK)
    await _said(db, app, coordinator, channel, kind=InboundKind.TEXT, text=TWO_LINES)
    assert await _reasons(db, case_id) == [STOCK, TWO_LINES]
    before = await _messages(db)
    assert any(BUDI in text and STOCK in text for text in before)  # Budi's notice
    assert any(AYU in text and STOCK in text for text in before)  # Ayu's
    assert any(TWO_LINES in text for text in before)
    assert any("gang Melati" in text for text in before)  # given back to copy (masked)
    assert any(COUSIN in text for text in before)

    async with db.transaction() as repos:
        report = await repos.erasure.erase(AYU_NIK)

    after = await _messages(db)
    assert any(BUDI in text and STOCK in text for text in after), after  # another family's
    assert not any(AYU in text and STOCK in text for text in after), after
    for gone in ("ke rumah bibi", "sudah pindah", "gang Melati", "Ibu Sumi"):
        assert not any(gone in text for text in after), gone
    assert await _reasons(db, budi) == [STOCK]
    assert await _reasons(db, case_id) == ["[dihapus]", "[dihapus]"]
    assert await _reasons(db, cousins) == [f"Umur {COUSIN} salah"]  # not "[dihapus]ningsih"
    assert any(COUSIN in text for text in after)
    assert not any("[dihapus]ningsih" in text for text in after)
    assert report.rows_rewritten["case_events.reason"] == 2  # the two reasons of Ayu's case


@pytest.mark.parametrize("channel", CHANNELS)
async def test_another_draft_keeps_its_choice_codes(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    answers = {"ats_type": "belum_pernah_sekolah", "bansos": ["belum"]}
    async with db.transaction() as repos:
        draft = await repos.forms.start(
            user_id=people.psm.id, form_id="case_report",
            form_version=app.forms["case_report"].version,
            state={**new_state(), "answers": answers}, now=NOW,
        )  # fmt: skip
    await _verify(db, app, people.tksk, channel, people.case_id, "Belum")  # a stock note

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)
        kept = await repos.forms.get(draft.id)

    assert kept is not None and kept.state["answers"] == answers


QUOTED = 'Foto "KK" buram — mohon diulang'  # quotes and a dash: escaped in the inbox's JSON


async def _pending(db: Database, channel: str, user_id: int, text: str) -> int:
    """An update not processed yet (the bot stopped first), as the inbox stores it."""
    payload = {"message": {"from": {"id": user_id}, "text": text}}
    async with db.transaction() as repos:
        await repos.inbox.add(
            channel=channel, ext_id=f"u{user_id}", payload=payload,
            sender_key=str(user_id), now=NOW,
        )  # fmt: skip
        (item,) = [item for item in await repos.inbox.pending() if item.sender_key == str(user_id)]
    return item.id


async def _typed(db: Database, item_id: int) -> str:
    async with db.reading() as reader:
        rows = await reader.conn.execute_fetchall(
            "SELECT payload FROM inbox WHERE id = ?", (item_id,)
        )
    return json.loads(rows[0][0])["message"]["text"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_update_from_who_wrote_it_loses_the_reason(world, channel: str) -> None:
    """The reviewer's update still in the inbox (sent again) loses the reason, quotes and
    all; the same words from someone who wrote nothing on the case stay."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    await _said(db, app, people.tksk, channel, data=f"ca:b:{people.case_id}:1", **TAPPED)
    await _said(db, app, people.tksk, channel, kind=InboundKind.TEXT, text=QUOTED)
    from_author = await _pending(db, channel, people.tksk.id, QUOTED)
    from_other = await _pending(db, channel, people.coordinator.id, QUOTED)

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)

    assert await _typed(db, from_author) == "[dihapus]"
    assert await _typed(db, from_other) == QUOTED
