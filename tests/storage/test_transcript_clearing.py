"""Personal data in conversation records is kept no longer than needed: after
TRANSCRIPT_TTL_HOURS the answers of finished forms (a NIK, names) and the text of settled
messages are blanked, in the SQLite file itself; rows, statuses and delivery records stay,
and whatever may still be sent keeps its text."""

from __future__ import annotations

from datetime import timedelta

import pytest_asyncio

from bot.scheduler import default_work
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import (
    CASE_REPORT_VERSION,
    NOW,
    make_user,
    open_database,
    query,
)

NIK = "3208014506230001"
NAME = "Ayu Lestari Wulandari"


async def _file(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest_asyncio.fixture(loop_scope="session")
async def world(tmp_path):
    path = tmp_path / "psm.db"
    db = await open_database(path)
    app = app_context(tmp_path / "media")
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
        for channel, chat in (("telegram", "701"), ("whatsapp", "6281200000701")):
            await repos.users.add_identity(
                user_id=psm.id, channel=channel, external_id=chat, chat_id=chat, now=NOW
            )
        state = {"answers": {"head_name": NAME, "members": [{"member_nik": NIK}]}}
        done = await repos.forms.start(
            user_id=psm.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=NOW,
        )
        await repos.forms.save(done.id, state=done.state, status="completed", now=NOW)
        draft = await repos.forms.start(
            user_id=psm.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=state,
            now=NOW,
        )
        await repos.forms.save(draft.id, state=draft.state, status="paused", now=NOW)
        ids = {}
        for key, channel, chat in (
            ("tg_sent", "telegram", "701"),
            ("tg_pending", "telegram", "701"),
            ("wa_delivered", "whatsapp", "6281200000701"),
            ("wa_unsettled", "whatsapp", "6281200000701"),
        ):
            ids[key] = await deliver(
                repos,
                user_id=psm.id,
                message=Outbound.say(f"Laporan {key}: {NAME}"),
                kind=DeliveryKind.NOTICE,
                now=NOW,
                channel=channel,
                chat_id=chat,
            )
        for key in ("tg_sent", "wa_delivered", "wa_unsettled"):
            await repos.outbox.mark_sent(ids[key], now=NOW, ext_message_id=f"m-{key}")
        for key, status in (("wa_delivered", "delivered"), ("wa_unsettled", "sent")):
            await repos.outbox.record_delivery(ids[key], status, None, ext_message_id=f"m-{key}")
    yield db, app, path, ids, (done.id, draft.id)
    await db.close()


async def _tick(db, app, now) -> None:
    async with db.transaction() as repos:
        await default_work()["transcripts"](repos, app, now)


def _texts(path) -> dict[int, str]:
    return {r["id"]: r["message"] for r in query(path, "SELECT id, message FROM outbox")}


async def test_blanked_after_the_period_and_gone_from_the_file(world) -> None:
    db, app, path, ids, (done, draft) = world
    assert app.transcript_ttl == timedelta(hours=24)
    await _tick(db, app, NOW + timedelta(hours=23))
    assert all(NAME in text for text in _texts(path).values())  # not yet
    states = {r["id"]: r["state"] for r in query(path, "SELECT id, state FROM form_sessions")}
    assert NIK in states[done]

    await _tick(db, app, NOW + timedelta(hours=25))
    texts = _texts(path)
    assert NAME not in texts[ids["tg_sent"]] and NAME not in texts[ids["wa_delivered"]]
    assert NAME in texts[ids["tg_pending"]]  # still to be sent: kept
    assert NAME in texts[ids["wa_unsettled"]]  # a status webhook may still ask to resend it
    rows = {
        r["id"]: r
        for r in query(path, "SELECT id, status, delivery_status, cleared_at FROM outbox")
    }
    assert rows[ids["tg_sent"]]["status"] == "sent" and rows[ids["tg_sent"]]["cleared_at"]
    assert rows[ids["wa_delivered"]]["delivery_status"] == "delivered"
    sessions = {
        r["id"]: r for r in query(path, "SELECT id, state, status, cleared_at FROM form_sessions")
    }
    assert sessions[done]["state"] == "{}" and sessions[done]["status"] == "completed"
    assert NIK in sessions[draft]["state"]  # a draft is still being written

    await _tick(db, app, NOW + timedelta(days=9))  # past the status webhooks' window
    assert NAME not in _texts(path)[ids["wa_unsettled"]]

    # Only the draft and the pending message hold them now; take those away too and the
    # bytes are gone from the file (secure_delete; the WAL is checkpointed when the bot stops).
    async with db.transaction() as repos:
        await repos.forms.save(draft, state={}, status="cancelled", now=NOW)
        await repos.outbox.mark_sent(ids["tg_pending"], now=NOW)
    await _tick(db, app, NOW + timedelta(days=10))
    await db.close()
    data = await _file(path)
    assert NIK.encode() not in data
    assert NAME.encode() not in data
    await db.open()


async def test_a_cleared_message_is_still_a_valid_message(world) -> None:
    db, app, _, ids, _ = world
    await _tick(db, app, NOW + timedelta(hours=25))
    async with db.reading() as repos:
        (item,) = [i for i in await repos.outbox.for_user(1) if i.id == ids["tg_sent"]]
    message = Outbound.model_validate(item.message)
    assert message.type == "text" and message.text == "" and item.message["cleared"] is True
