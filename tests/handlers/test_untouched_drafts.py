"""A report started and left before any answer is not kept as a draft: /lapor twice, then
"Mulai laporan baru", once left two identical "(belum ada nama)" drafts."""

from __future__ import annotations

from handlers import router
from handlers.context import AppContext
from handlers.events import Outbound
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context, command, tap
from tests.storage.seed_cases import NOW, make_user, open_database

KADUGEDE, BABATAN = "32.08.01", "32.08.01.2006"


async def _turn(
    db: Database, app: AppContext, user: User, name: str, data: str = "", *, index: int = -1
) -> Outbound:
    """The turn's text reply at `index` (the last by default)."""
    async with db.transaction() as repos:
        turn = tap(app, repos, user, data) if data else command(app, repos, user, name)
        await router.handle(turn)
    return [reply for reply in turn.replies if reply.type == "text"][index]


async def _drafts(db: Database, user: User) -> list[str]:
    async with db.reading() as repos:
        sessions = await repos.forms.of_user(user.id, ("active", "paused"))
    return [s.status for s in sessions if s.form_id == "case_report"]


async def test_only_drafts_with_an_answer_are_kept(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    app = app_context(tmp_path)
    try:
        async with db.transaction() as repos:
            ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            await repos.users.add_identity(
                user_id=ani.id, channel="telegram", external_id=str(ani.id), chat_id="1", now=NOW
            )
        first = await _turn(db, app, ani, "lapor")
        assert "kepala keluarga" in first.text
        again = await _turn(db, app, ani, "lapor")  # nothing answered: no draft to offer
        assert "kepala keluarga" in again.text and "dr:new" not in str(again.buttons)
        assert await _drafts(db, ani) == ["active"]

        async with db.transaction() as repos:  # one answer makes it a draft
            turn = command(app, repos, ani, "")
            turn.event = turn.event.model_copy(update={"kind": "text", "text": "Slamet Riyadi"})
            await router.handle(turn)
        offer = await _turn(db, app, ani, "lapor")
        labels = [button.label for row in offer.buttons for button in row]
        assert len(labels) == 2 and labels[0].startswith("Slamet Riyadi")
        await _turn(db, app, ani, "", data="dr:new")
        await _turn(db, app, ani, "lapor")  # the new one is untouched: dropped, Slamet's kept
        await _turn(db, app, ani, "", data="dr:new")
        assert sorted(await _drafts(db, ani)) == ["active", "paused"]
        # The list first; the report open below it, said to be still open (QA walk 8).
        listed = await _turn(db, app, ani, "draf", index=0)
        assert listed.buttons[0][0].label.startswith("Slamet")
        assert len(listed.buttons) == 1
        # /draf only lists: the report open at its first question is still open.
        back = await _turn(db, app, ani, "draf")
        assert "Isian Bapak/Ibu masih berjalan" in back.text and "kepala keluarga" in back.text
        assert sorted(await _drafts(db, ani)) == ["active", "paused"]
    finally:
        await db.close()
