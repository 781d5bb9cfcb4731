"""A draft is finished with the form version it started on (a session keeps its version), on
both channels: version 2 checks names and the household size, which a draft of version 1 does
not; version 3 refuses "Yang bersangkutan" as consent when every member reported is a child,
which a draft of version 2 does not; version 4 takes a comma in a name ("Ahmad Fauzi,
S.Pd."), which a draft of version 3 refuses."""

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
from handlers.forms.loading import load_form, load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V1 = load_form(FIXTURES / "case_report_v1.yaml")
V2 = load_form(FIXTURES / "case_report_v2.yaml")
V3 = load_form(FIXTURES / "case_report_v3.yaml")
CURRENT = load_forms()["case_report"].version
_MESSAGE_IDS = itertools.count(500)
# A version-1 draft waiting at the household size: its head's name is one version 2 refuses,
# and it reported two members.
DRAFT_ANSWERS: dict[str, Any] = {
    **{key: value for key, value in BEFORE_SIZE.items() if key != "kecamatan"},
    "head_name": "😀😀",
}
# A version-2 draft waiting at the consent: both members it reported are 3-year-olds.
V2_DRAFT_ANSWERS: dict[str, Any] = {
    **{key: value for key, value in BEFORE_SIZE.items() if key != "kecamatan"},
    "household_size": 5,
    "bansos": REST["bansos"],
}
CONSENT_REFUSED = "⚠️ Semua anggota yang dilaporkan masih anak (di bawah 18 tahun)"


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")  # stores the current version
    async with database.transaction() as repos:
        for published in (V1, V2, V3):
            await repos.forms.save_definition(
                published.id, published.version, published.model_dump(mode="json")
            )
    yield database
    await database.close()


async def psm_with_a_draft(
    db: Database, channel: str, version: int = 1, answers: dict[str, Any] = DRAFT_ANSWERS
) -> tuple[User, int]:
    async with db.transaction() as repos:
        user = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id=str(user.id), chat_id="1", now=NOW
        )
        state = {**new_state(), "answers": answers, "closed": ["members"]}
        draft = await repos.forms.start(
            user_id=user.id, form_id="case_report", form_version=version, state=state, now=NOW
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


async def finish_from_consent(
    db: Database, app: AppContext, user: User, channel: str, consent: str
) -> Turn:
    """Answer the rest of a report from its consent question and send it."""
    for typed in (consent, "Lisan", "Atap bocor.", "Lewati", "Biasa"):
        last = await send(db, app, user, channel, kind=InboundKind.TEXT, text=typed)
    summary = [reply for reply in last.replies if reply.type == "text"][-1]
    submit = next(b for row in summary.buttons for b in row if b.data.endswith(":ok"))
    return await tap(db, app, user, channel, submit.data)


async def reported(db: Database, user: User) -> list[tuple[int, dict[str, Any]]]:
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT form_version, answers FROM cases WHERE reporter_id = ?", (user.id,)
        ) as cursor,
    ):
        return [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_version_1_draft_is_finished_on_version_1(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["case_report"].version == CURRENT > 2
    user, draft_id = await psm_with_a_draft(db, channel)

    # A new report is the current version: "😀😀" is no name.
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
    await say(db, app, user, channel, "PKH")
    await finish_from_consent(db, app, user, channel, "Kepala keluarga")

    [(version, answers)] = await reported(db, user)
    assert version == 1
    assert answers["head_name"] == "😀😀" and answers["household_size"] == 1
    async with db.reading() as reader:
        session = await reader.forms.get(draft_id)
    assert session is not None and session.status == "completed"
    assert load_forms()["case_report"].version == CURRENT  # the published forms are untouched


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_version_2_draft_is_finished_on_version_2(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["case_report"].version == CURRENT > 2

    # The same answers in a draft of the current version: the person concerned cannot
    # consent for two children, and is asked again (the draft is left there: one report of
    # the household, not a duplicate of it, is sent below).
    current, current_draft = await psm_with_a_draft(db, channel, CURRENT, V2_DRAFT_ANSWERS)
    await send(db, app, current, channel, kind=InboundKind.COMMAND, command="lapor")
    resumed = await tap(db, app, current, channel, f"{DRAFT_PREFIX}:{current_draft}")
    assert "Siapa yang menyetujui data ini dicatat?" in said(resumed)
    refused = await say(db, app, current, channel, "Yang bersangkutan")
    assert refused.startswith(CONSENT_REFUSED)
    assert "Siapa yang menyetujui data ini dicatat?" in refused
    taken = await say(db, app, current, channel, "Orang tua/wali")
    assert "Bagaimana persetujuannya diberikan?" in taken

    # The version-2 draft goes on with version 2's rules: its consent is taken.
    user, draft_id = await psm_with_a_draft(db, channel, 2, V2_DRAFT_ANSWERS)
    await send(db, app, user, channel, kind=InboundKind.COMMAND, command="lapor")
    resumed = await tap(db, app, user, channel, f"{DRAFT_PREFIX}:{draft_id}")
    assert "Siapa yang menyetujui data ini dicatat?" in said(resumed)
    await finish_from_consent(db, app, user, channel, "Yang bersangkutan")
    [(version, answers)] = await reported(db, user)
    assert version == 2 and answers["consent_by"]["name"] == "yang_bersangkutan"
    async with db.reading() as reader:
        session = await reader.forms.get(draft_id)
    assert session is not None and session.status == "completed"


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_version_3_draft_refuses_a_comma_in_a_name_as_version_3_did(
    db: Database, tmp_path: Path, channel: str
) -> None:
    app = app_context(tmp_path / "media")
    assert app.forms["case_report"].version == CURRENT > 3
    # A draft waiting at the head's name: everything else answered.
    answers = {key: value for key, value in V2_DRAFT_ANSWERS.items() if key != "head_name"}
    titled = "H. Ahmad Fauzi, S.Pd."

    user, draft_id = await psm_with_a_draft(db, channel, 3, answers)
    await send(db, app, user, channel, kind=InboundKind.COMMAND, command="lapor")
    resumed = await tap(db, app, user, channel, f"{DRAFT_PREFIX}:{draft_id}")
    assert "nama kepala keluarga" in said(resumed)
    refused = await say(db, app, user, channel, titled)
    assert refused.startswith("⚠️ Nama berisi huruf") and "koma" not in refused

    current, current_draft = await psm_with_a_draft(db, channel, CURRENT, answers)
    await send(db, app, current, channel, kind=InboundKind.COMMAND, command="lapor")
    await tap(db, app, current, channel, f"{DRAFT_PREFIX}:{current_draft}")
    taken = await say(db, app, current, channel, titled)
    assert "Nama berisi huruf" not in taken and titled in taken
    async with db.reading() as reader:
        old = await reader.forms.get(draft_id)
        new = await reader.forms.get(current_draft)
    assert old is not None and "head_name" not in old.state["answers"]
    assert new is not None and new.state["answers"]["head_name"] == titled
