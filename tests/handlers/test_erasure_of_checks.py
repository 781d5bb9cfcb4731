"""Erasing a person (`psm-bot subject erase`) also erases what the TKSK wrote at their home
and where it is from the conversations that showed it: the finished verification and visit
forms of their case, and the messages (the TKSK's own answers and summary, the coordinator's
"menunggu validasi" notice, the case's page with its history), the note cut on a line too.
Another person's case keeps its note. So do the send-back and rejection reasons written
about their case: gone from the case's history and from the messages that told them; in a
case about them and others only their name goes. Through the real conversations, on both
channels, the replies queued as the inbox worker queues them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.delivery import DeliveryKind, deliver_to_chat
from handlers.events import InboundKind, Outbound
from storage.db import Database
from storage.models import Role, User
from tests.handlers.review_turns import buttons, review_world, send
from tests.handlers.routed_turns import CHANNELS
from tests.storage.seed_cases import BABATAN, NOW, make_user, seed_case

AYU_NIK = "3208014506230001"  # the only person of the review world's case
# Longer than a line shows (the notice and the history cut it at 200 characters).
NOTE = "Ayu & neneknya pindah ke rumah bibi di kampung sebelah; " + "dicek ulang. " * 18
ACTIONS = "Dirujuk ke puskesmas <gizi> & didaftarkan ke posyandu dusun"
OTHER_NOTE = "Budi tinggal bersama pamannya"
PLACE = (-6.98765, 108.48321)


async def _said(db: Database, app, user: User, channel: str, **fields) -> list[str]:
    """One turn of `user`, its replies queued to their chat; the buttons' data."""
    turn = await send(db, app, user, channel, **fields)
    async with db.transaction() as repos:
        await deliver_to_chat(
            repos, user_id=user.id, messages=turn.replies, kind=DeliveryKind.REPLY, now=NOW,
            channel=channel, chat_id=str(user.id),
        )  # fmt: skip
    return buttons(turn)


async def _verify(db, app, tksk: User, channel: str, case_id: int, note: str) -> None:
    await _said(db, app, tksk, channel, kind=InboundKind.BUTTON, data=f"ca:v:{case_id}:1",
                callback_id="c")  # fmt: skip
    for typed in ("Dikunjungi langsung", "Ada perbedaan", note):
        await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text=typed)
    lat, lon = PLACE
    await _said(db, app, tksk, channel, kind=InboundKind.LOCATION, latitude=lat, longitude=lon)
    await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text="kirim")


async def _outbox(db: Database) -> str:
    async with db.reading() as reader, reader.conn.execute("SELECT message FROM outbox") as cur:
        return "\n".join(row[0] for row in await cur.fetchall())


async def _finished_forms(db: Database) -> list[str]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT form_id FROM form_sessions WHERE status = 'completed' ORDER BY id"
        ) as cursor,
    ):
        return [row[0] for row in await cursor.fetchall()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_check_and_the_visit_leave_the_conversations(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    tksk, coordinator, case_id = people.tksk, people.coordinator, people.case_id
    async with db.transaction() as repos:
        other = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000002", people=(("Budi Santoso", "3208011204150002"),),
        )  # fmt: skip
    await _verify(db, app, tksk, channel, case_id, NOTE)
    await _verify(db, app, tksk, channel, other, OTHER_NOTE)
    tapped = {"kind": InboundKind.BUTTON, "callback_id": "c"}
    await _said(db, app, coordinator, channel, data=f"ca:a:{case_id}:2", **tapped)  # validated
    await _said(db, app, tksk, channel, data=f"ca:f:{case_id}:3", **tapped)  # a visit
    await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text="Hari ini")
    await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text=ACTIONS)
    summary = await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text="Lewati")
    (submit,) = [data for data in summary if data.endswith(":ok")]
    await _said(db, app, tksk, channel, data=submit, **tapped)
    await _said(db, app, coordinator, channel, data=f"cs:{case_id}", **tapped)  # its page

    before = await _outbox(db)
    shown = ("pindah ke rumah bibi", "puskesmas &lt;gizi&gt;", "-6.98765, 108.48321")
    assert all(text in before for text in shown), before  # the search can see them
    assert "Ayu &amp; neneknya" in before and "-6.98765,108.48321" in before  # the map link
    assert await _finished_forms(db) == ["verification", "verification", "followup_visit"]

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)

    after = await _outbox(db)
    for text in (*shown, "neneknya", "dicek ulang", "posyandu dusun", "108.48321"):
        assert text not in after, text
    assert OTHER_NOTE in after  # Budi's case keeps its check
    assert await _finished_forms(db) == ["verification"]  # Budi's


SENT_BACK = "Rumah Bu Ayu Lestari di gang Melati belum difoto"
REJECTED = "Keluarga Ayu sudah pindah ke Cirebon sejak Agustus"
BUDI_REASON = "Foto KK Budi Santoso buram"
SINTA_NIK = "3208014506200002"


async def _reasons(db: Database, case_id: int) -> list[str]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT reason FROM case_events WHERE case_id = ? AND reason IS NOT NULL ORDER BY id",
            (case_id,),
        ) as cursor,
    ):
        return [row[0] for row in await cursor.fetchall()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_reasons_written_about_their_case_leave_it_and_the_conversations(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    tksk, coordinator, case_id = people.tksk, people.coordinator, people.case_id
    async with db.transaction() as repos:
        budi = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000002", people=(("Budi Santoso", "3208011204150002"),),
        )  # fmt: skip
        sisters = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000003",
            people=(("Ayu Lestari", AYU_NIK), ("Sinta Lestari", SINTA_NIK)),
        )  # fmt: skip
    tapped = {"kind": InboundKind.BUTTON, "callback_id": "c"}
    for case, reason in (
        (case_id, SENT_BACK),
        (budi, BUDI_REASON),
        (sisters, "Umur Ayu Lestari dan Sinta tertukar"),
    ):
        await _said(db, app, tksk, channel, data=f"ca:b:{case}:1", **tapped)
        await _said(db, app, tksk, channel, kind=InboundKind.TEXT, text=reason)
    await _said(db, app, coordinator, channel, data=f"ca:x:{case_id}:2", **tapped)
    await _said(db, app, coordinator, channel, kind=InboundKind.TEXT, text=REJECTED)
    assert await _reasons(db, case_id) == [SENT_BACK, REJECTED]
    before = await _outbox(db)
    assert "gang Melati belum difoto" in before and "pindah ke Cirebon" in before, before

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)

    assert await _reasons(db, case_id) == ["[dihapus]", "[dihapus]"]
    assert await _reasons(db, sisters) == ["Umur [dihapus] dan Sinta tertukar"]
    assert await _reasons(db, budi) == [BUDI_REASON]  # another family's case is untouched
    after = await _outbox(db)
    for text in ("gang Melati", "pindah ke Cirebon", "Ayu Lestari"):
        assert text not in after, text
    assert BUDI_REASON in after


ELSEWHERE = "KNG-2026-0000011 dicek di -6.98765, 108.48321"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_check_leaves_the_replies_after_the_form_is_cleared(world, channel: str) -> None:
    """Review 11b: the TKSK's replies quote the note and the place without the case's
    number ("✓ Catatan pemeriksaan: …"), and outlive the form's answers (blanked a day after
    it finished): they go with the rest. A message naming another case whose number holds
    this one's (KNG-2026-0000011) is not about it, nor its place."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    async with db.transaction() as repos:
        stranger = await make_user(repos, "Bu Lain", Role.COORDINATOR)
        await deliver_to_chat(
            repos, user_id=stranger.id, kind=DeliveryKind.NOTICE, now=NOW, channel=channel,
            chat_id=str(stranger.id),
            messages=[Outbound.say(f"Kasus {ELSEWHERE}")],
        )  # fmt: skip
    await _verify(db, app, people.tksk, channel, people.case_id, NOTE)
    async with db.transaction() as repos:
        later = NOW + timedelta(days=2)
        assert await repos.forms.clear_finished(before=later - timedelta(hours=24), now=later)
    before = await _outbox(db)
    assert "pindah ke rumah bibi" in before and "-6.98765, 108.48321" in before, before

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)

    after = await _outbox(db)
    assert ELSEWHERE in after  # another case's message keeps its place
    for text in ("neneknya", "dicek ulang", "108.48321"):
        assert text not in after.replace(ELSEWHERE, ""), text


SHARED_NOTE = "Ayu Lestari dan Sinta tidur di dapur rumah nenek"


async def _note(db: Database, case_id: int) -> str:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT json_extract(detail, '$.note') FROM case_events"
            " WHERE case_id = ? AND detail IS NOT NULL",
            (case_id,),
        ) as cursor,
    ):
        ((note,),) = await cursor.fetchall()
    return note


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_shared_case_keeps_the_check_without_their_name(world, channel: str) -> None:
    """Review 13.2: the TKSK's note on a case about Ayu and her sister keeps its words for
    the sister, not Ayu's name."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=2))
    async with db.transaction() as repos:
        sisters = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW - timedelta(days=1),
            number="KNG-2026-000003",
            people=(("Ayu Lestari", AYU_NIK), ("Sinta Lestari", SINTA_NIK)),
        )  # fmt: skip
    await _verify(db, app, people.tksk, channel, sisters, SHARED_NOTE)
    assert await _note(db, sisters) == SHARED_NOTE

    async with db.transaction() as repos:
        await repos.erasure.erase(AYU_NIK)

    assert await _note(db, sisters) == "[dihapus] dan Sinta tidur di dapur rumah nenek"
