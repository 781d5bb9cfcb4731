"""Version 2 of the case report checks names and the household size; a draft started on
version 1 is finished with the stored version 1 (a session keeps the form version it started
with), on both channels."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from handlers import router
from handlers.case_report import DRAFT_PREFIX
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from handlers.forms.model import load_form, load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database

V1 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "case_report_v1.yaml")
_MESSAGE_IDS = itertools.count(500)
# A version-1 draft waiting at the household size: its head's name is one version 2 refuses,
# and it reported two members.
DRAFT_ANSWERS: dict[str, Any] = {
    **{key: value for key, value in BEFORE_SIZE.items() if key != "kecamatan"},
    "head_name": "😀😀",
}


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")  # stores the current version (2)
    async with database.transaction() as repos:
        await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
    yield database
    await database.close()


async def psm_with_a_v1_draft(db: Database, channel: str) -> tuple[User, int]:
    async with db.transaction() as repos:
        user = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id=str(user.id), chat_id="1", now=NOW
        )
        state = {**new_state(), "answers": DRAFT_ANSWERS, "closed": ["members"]}
        draft = await repos.forms.start(
            user_id=user.id, form_id="case_report", form_version=1, state=state, now=NOW
        )
        await repos.forms.save(draft.id, state=state, status="paused", now=NOW)
    return user, draft.id


async def send(db: Database, app: AppContext, user: User, channel: str, **fields: Any) -> Turn:
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id="1",
        message_id=str(next(_MESSAGE_IDS)),
        **fields,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW)
        await router.handle(turn)
    return turn


def said(turn: Turn) -> str:
    return "\n".join(reply.text for reply in turn.replies if reply.type == "text")


async def say(db: Database, app: AppContext, user: User, channel: str, typed: str) -> str:
    return said(await send(db, app, user, channel, kind=InboundKind.TEXT, text=typed))


async def tap(db: Database, app: AppContext, user: User, channel: str, data: str) -> Turn:
    return await send(db, app, user, channel, kind=InboundKind.BUTTON, data=data, callback_id="c")


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_version_1_draft_is_finished_on_version_1_after_version_2(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["case_report"].version == 2
    user, draft_id = await psm_with_a_v1_draft(db, channel)

    # A new report is version 2: "😀😀" is no name.
    listed = await send(db, app, user, channel, kind=InboundKind.COMMAND, command="lapor")
    assert any("😀😀" in b.label for row in listed.replies[0].buttons for b in row)
    await tap(db, app, user, channel, f"{DRAFT_PREFIX}:new")
    refused = await say(db, app, user, channel, "😀😀")
    assert "⚠️ Nama berisi huruf (minimal 2)" in refused
    assert "nama kepala keluarga" in refused

    # The draft goes on with version 1's questions and rules.
    resumed = await tap(db, app, user, channel, f"{DRAFT_PREFIX}:{draft_id}")
    assert "Berapa orang yang tinggal di rumah itu?" in said(resumed)
    assert "Bantuan sosial apa" in await say(db, app, user, channel, "1")  # fewer than 2: v1
    for typed in ("PKH", "Kepala keluarga", "Lisan", "Atap bocor.", "Lewati", "Biasa"):
        last = await send(db, app, user, channel, kind=InboundKind.TEXT, text=typed)
    summary = [reply for reply in last.replies if reply.type == "text"][-1]
    submit = next(b for row in summary.buttons for b in row if b.data.endswith(":ok"))
    await tap(db, app, user, channel, submit.data)

    async with db.reading() as reader:
        async with reader.conn.execute(
            "SELECT form_version, answers FROM cases WHERE reporter_id = ?", (user.id,)
        ) as cursor:
            rows = await cursor.fetchall()
        session = await reader.forms.get(draft_id)
    assert [row[0] for row in rows] == [1]
    answers = json.loads(rows[0][1])
    assert answers["head_name"] == "😀😀" and answers["household_size"] == 1
    assert session is not None and session.status == "completed"
    assert load_forms()["case_report"].version == 2  # the published forms are untouched
