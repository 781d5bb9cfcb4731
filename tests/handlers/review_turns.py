"""Turns of the review and follow-up conversations through the router, as either channel
delivers them: a PSM's case in Babatan (Kadugede), its TKSK and a coordinator."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from storage.db import Database
from storage.models import Role, User
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, seed_case

_MESSAGE_IDS = itertools.count(700)


@dataclass
class ReviewWorld:
    psm: User
    tksk: User
    coordinator: User
    case_id: int


async def review_world(
    db: Database,
    channel: str,
    *,
    reported_at: datetime,
    state: str = "submitted",
    **case: Any,
) -> ReviewWorld:
    """The people (known on `channel`) and one case of the PSM's, reported at `reported_at`
    (`case`: more of `seed_case`'s fields, e.g. categories and answers)."""
    async with db.transaction() as repos:
        psm = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        tksk = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        coordinator = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        for person in (psm, tksk, coordinator):
            await repos.users.add_identity(
                user_id=person.id,
                channel=channel,
                external_id=str(person.id),
                chat_id=str(person.id),
                now=NOW,
            )
        case_id = await seed_case(
            repos,
            reporter=psm,
            desa=BABATAN,
            at=reported_at,
            number="KNG-2026-000001",
            state=state,
            **case,
        )
    return ReviewWorld(psm, tksk, coordinator, case_id)


async def send(db: Database, app: AppContext, user: User, channel: str, **fields: Any) -> Turn:
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        message_id=str(next(_MESSAGE_IDS)),
        **fields,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW)
        await router.handle(turn)
    return turn


def said(turn: Turn) -> str:
    return "\n".join(reply.text for reply in turn.replies if reply.type == "text")


def buttons(turn: Turn) -> list[str]:
    """The data of every button the turn's replies carry."""
    return [button.data for reply in turn.replies for row in reply.buttons or [] for button in row]


async def say(db: Database, app: AppContext, user: User, channel: str, typed: str) -> Turn:
    return await send(db, app, user, channel, kind=InboundKind.TEXT, text=typed)


async def tap(db: Database, app: AppContext, user: User, channel: str, data: str) -> Turn:
    return await send(db, app, user, channel, kind=InboundKind.BUTTON, data=data, callback_id="c")


# The verification form answered quickly: checked by phone, as reported, no note (no location
# question then), sent (forms/verification.yaml).
QUICK_CHECK = ("Telepon/perangkat", "Sesuai laporan", "Lewati", "kirim")
QUICK_CHECK_EN = ("Phone/village staff", "Matches the report", "Skip", "send")
CHECK_QUESTIONS = ("Bagaimana laporan ini diperiksa?", "How was this report checked?")


async def verify(
    db: Database,
    app: AppContext,
    user: User,
    channel: str,
    data: str,
    answers: tuple[str, ...] = QUICK_CHECK,
) -> Turn:
    """Tap a Verifikasi button (`data`: `ca:v:<case>:<version>`) and answer its check; the
    last turn (the tap's own when it asked no check: refused)."""
    turn = await tap(db, app, user, channel, data)
    if not any(question in said(turn) for question in CHECK_QUESTIONS):
        return turn
    for answer in answers:
        turn = await say(db, app, user, channel, answer)
    return turn


async def case_version(db: Database, case_id: int) -> tuple[str, int]:
    """(state, version) of a case."""
    async with (
        db.reading() as reader,
        reader.conn.execute("SELECT state, version FROM cases WHERE id = ?", (case_id,)) as cur,
    ):
        row = await cur.fetchone()
    assert row is not None
    return row[0], row[1]


async def active_forms(db: Database, user_id: int) -> list[str]:
    """The forms a person has open (active sessions), by id."""
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT form_id FROM form_sessions WHERE user_id = ? AND status = 'active'",
            (user_id,),
        ) as cursor,
    ):
        return [row[0] for row in await cursor.fetchall()]
